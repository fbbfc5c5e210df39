// Attention-mass diagnostics, read from the attention maps of the plain causal pass
// (evaluate.ts): the one weighted sum they share, and answer_latent_attention's use of it
// (answer_object_attention's: objectAttention.ts). Call inside a tidy.
import { tf } from '../backend';
import { SEGMENT } from '../model/segments';
import type { EncodedBatch } from '../model/sequence';

/**
 * Σ_rows w[row] · mean_heads Σ_{c : cols[c] = 1} A[row, c], averaged over layers.
 * attention: per layer [B, h, T, T]; rowWeights and cols: host [B·T].
 */
export function rowWeightedMass(attention: tf.Tensor4D[], rowWeights: Float32Array, cols: Float32Array, B: number, T: number): tf.Scalar {
  const c = tf.tensor3d(cols, [B, 1, T]);
  const w = tf.tensor2d(rowWeights, [B, T]);
  const perLayer = attention.map((a) => tf.sum(tf.mul(tf.sum(tf.mul(tf.mean(a, 1), c), 2), w)));   // [B,T,T] → [B,T] → Σ
  return tf.div(tf.addN(perLayer), attention.length) as tf.Scalar;
}

/** The rows that predict the answer: how many (host), and Σ over them of the head- and layer-mean attention mass on latent columns. */
export function answerLatentMass(attention: tf.Tensor4D[], enc: EncodedBatch): { sum: tf.Scalar; rows: number } {
  const { B, T } = enc;
  const latentCols = new Float32Array(B * T);
  let rows = 0;
  for (let i = 0; i < B * T; i++) {
    if (enc.lossMask[i] > 0) rows += 1;
    if (enc.segments[i] === SEGMENT.latent) latentCols[i] = 1;
  }
  return { sum: rowWeightedMass(attention, enc.lossMask, latentCols, B, T), rows };
}
