// The capture hook a method provides (methods/index.ts): how one example runs for
// an attention capture (eval/captureWriter.ts). The writer turns the pass into
// the capture format and knows nothing of any method's internals; a method with a
// second path (CrystaL's corrupted image) returns it as row 1.
import { tf } from '../backend';
import type { Example } from '../data/example';
import { causalMask } from '../model/masks';
import type { EncodedBatch } from '../model/sequence';
import type { Session } from '../session';
import { answerCrossEntropy, prepareTokenBatch } from './sft';
import { readAndDispose } from '../readback';

/** What one example's capture pass leaves on the host (every tensor already freed). */
export interface CapturePass {
  enc: EncodedBatch;               // 1 row (intact), or 2 (intact, corrupted)
  maps: Float32Array[];            // per captured layer, attention [R, h, T, T] (R = enc.B)
  predicted: Int32Array;           // [T] argmax ids of row 0 (the intact path)
  losses?: { intact: Record<string, number>; corrupted?: Record<string, number> };
  corrupted?: {                    // the second path's input, exactly as it ran
    image: Float32Array;           // [H·W·3] float32
    mode: string;
    intensity: number;
  };
}

/** layers: the captured decoder layers; withLosses: also each path's loss terms (inspect). */
export type CaptureHook = (session: Session, example: Example, layers: number[], withLosses: boolean) => Promise<CapturePass>;

/** The tensors a capture reads back: attention of each captured layer [R, h, T, T], row 0's argmax [1, T], and any scalars. */
export type CaptureTensors = { maps: tf.Tensor[]; predicted: tf.Tensor; scalars: tf.Tensor[] };

/** The tensors to read from a forward result (inside a tidy, which returns them). */
export function captureTensors(attention: tf.Tensor4D[], logits: tf.Tensor3D, layers: number[], scalars: tf.Tensor[] = []): CaptureTensors {
  const [, T, V] = logits.shape;
  return { maps: layers.map((l) => attention[l]), predicted: tf.argMax(tf.slice(logits, [0, 0, 0], [1, T, V]), 2), scalars };
}

/** Reads captureTensors back (readback.ts) and frees them: maps, predicted ids [T], scalar values. */
export async function readCapture(c: CaptureTensors): Promise<{ maps: Float32Array[]; predicted: Int32Array; scalars: number[] }> {
  const host = await readAndDispose([...c.maps, c.predicted, ...c.scalars]);
  const L = c.maps.length;
  return { maps: host.slice(0, L) as Float32Array[], predicted: host[L] as Int32Array, scalars: host.slice(L + 1).map((x) => x[0]) };
}

/** The default hook: the session's own layout, causal mask, one forward; loss: the answer CE. */
export const singlePathCapture: CaptureHook = async (session, example, layers, withLosses) => {
  const batch = prepareTokenBatch(session, [example], (e) => causalMask(e.segments, e.B, e.T));
  try {
    const r = await readCapture(tf.tidy(() => {
      const out = session.model.forward(batch.inputs, { captureAttention: true });
      return captureTensors(out.attention!, out.logits, layers, withLosses ? [answerCrossEntropy(out.logits, batch)] : []);
    }));
    return { enc: batch.enc, maps: r.maps, predicted: r.predicted, ...(withLosses ? { losses: { intact: { ce: r.scalars[0] } } } : {}) };
  } finally {
    batch.dispose();
  }
};
