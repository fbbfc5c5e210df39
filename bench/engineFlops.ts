// Useful floating-point work of one training step of tiny-vlm (docs/model.md):
// what any implementation has to compute, counting a multiply-add as 2 FLOP and
// only matrix products (elementwise work is a few % here). Not counted: the
// one-hot embedding matmuls (a gather in PyTorch), and gradients of frozen weights.
//
//   vision   patch embed + n_v blocks + projector, forward only (frozen)
//   decoder  forward; backward = input gradients of every matmul (≈ forward again)
//            + weight gradients of what trains (LoRA A and B, or every matrix in full mode)
import type { TinyVlmShape } from '../src/engine/model/tinyVlm';

export interface StepShape { B: number; T: number; loraRank: number; loraTargets: number; fullFinetune: boolean; mlpRatio: number; visionLayers: number }

/** One pre-LN block's matmul FLOP: rows N, width d, sequence T per example, B examples. */
function blockForward(N: number, d: number, r: number, B: number, T: number): { linear: number; attention: number } {
  return { linear: 2 * N * d * d * 4 + 2 * 2 * N * d * r * d, attention: 2 * 2 * B * T * T * d };
}

export function trainStepFlops(s: TinyVlmShape, st: StepShape): { forward: number; total: number } {
  const { B, T, mlpRatio: r } = st;
  const Nv = B * s.patches, N = B * T;
  let vision = 2 * Nv * s.patchDim * s.dVision + 2 * Nv * (s.dVision * s.d + s.d * s.d);
  for (let l = 0; l < st.visionLayers; l++) {
    const f = blockForward(Nv, s.dVision, r, B, s.patches);
    vision += f.linear + f.attention;
  }
  const f = blockForward(N, s.d, r, B, T);
  // LoRA per target: x·A [N, d]·[d, rank] then ·B [rank, dout]; dout = d except mlp_in (r·d); take d (small).
  const lora = st.fullFinetune ? 0 : st.loraTargets * 2 * 2 * N * s.d * st.loraRank;
  const head = 2 * N * s.d * s.vocab;
  const decoderForward = s.layers * (f.linear + f.attention + lora) + head;
  const inputGrads = s.layers * (f.linear + 2 * f.attention + lora) + head;
  const weightGrads = st.fullFinetune ? s.layers * f.linear + head : s.layers * lora;
  return { forward: vision + decoderForward, total: vision + decoderForward + inputGrads + weightGrads };
}
