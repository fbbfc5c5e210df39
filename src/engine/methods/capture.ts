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
export type CaptureHook = (session: Session, example: Example, layers: number[], withLosses: boolean) => CapturePass;

/** Attention maps of `layers` and row 0's argmax from a forward result (inside a tidy). */
export function hostMaps(attention: tf.Tensor4D[], logits: tf.Tensor3D, layers: number[]): { maps: Float32Array[]; predicted: Int32Array } {
  const [, T, V] = logits.shape;
  return {
    maps: layers.map((l) => attention[l].dataSync() as Float32Array),
    predicted: tf.argMax(tf.slice(logits, [0, 0, 0], [1, T, V]), 2).dataSync() as Int32Array,   // [T]
  };
}

/** The default hook: the session's own layout, causal mask, one forward; loss: the answer CE. */
export const singlePathCapture: CaptureHook = (session, example, layers, withLosses) => {
  const batch = prepareTokenBatch(session, [example], (e) => causalMask(e.segments, e.B, e.T));
  try {
    const r = tf.tidy(() => {
      const out = session.model.forward(batch.inputs, { captureAttention: true });
      const host = hostMaps(out.attention!, out.logits, layers);
      return { ...host, ce: withLosses ? answerCrossEntropy(out.logits, batch).dataSync()[0] : undefined };
    });
    return { enc: batch.enc, maps: r.maps, predicted: r.predicted, ...(r.ce !== undefined ? { losses: { intact: { ce: r.ce } } } : {}) };
  } finally {
    batch.dispose();
  }
};
