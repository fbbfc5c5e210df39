// Multi-head self-attention with an additive mask; returns the probabilities
// too (the attention viewer, CrystaL's alignment loss and the answer→latent
// diagnostic read them).
import { tf } from '../backend';
import { createLinear, INIT_STD, type LinearParams, type ParamStore } from './params';
import { linear, type LoraAdapter } from './linear';

export interface AttentionParams { q: LinearParams; k: LinearParams; v: LinearParams; o: LinearParams }
export interface AttentionLora { q?: LoraAdapter; k?: LoraAdapter; v?: LoraAdapter; o?: LoraAdapter }

/** q, k, v, o: Linear(d → d); q, k, v get std inStd, o (a residual output projection) outStd. */
export function createAttention(store: ParamStore, name: string, d: number, outStd: number, inStd = INIT_STD): AttentionParams {
  return {
    q: createLinear(store, `${name}.q`, d, d, inStd),
    k: createLinear(store, `${name}.k`, d, d, inStd),
    v: createLinear(store, `${name}.v`, d, d, inStd),
    o: createLinear(store, `${name}.o`, d, d, outStd),
  };
}

/**
 * x [B, T, d]; mask additive [B, 1, T, T] (0 = may attend, −1e9 = may not) or
 * null (bidirectional). Returns out [B, T, d] and probs [B, h, T, T].
 */
export function attention(x: tf.Tensor, p: AttentionParams, heads: number, mask: tf.Tensor | null, lora: AttentionLora = {}):
  { out: tf.Tensor; probs: tf.Tensor4D } {
  const [B, T, d] = x.shape;
  const dh = d / heads;
  const split = (t: tf.Tensor, perm: number[]) => tf.transpose(tf.reshape(t, [B, T, heads, dh]), perm);
  const q = split(linear(x, p.q, lora.q), [0, 2, 1, 3]);   // [B, h, T, dh]
  const kT = split(linear(x, p.k, lora.k), [0, 2, 3, 1]);  // [B, h, dh, T]
  const v = split(linear(x, p.v, lora.v), [0, 2, 1, 3]);   // [B, h, T, dh]
  let scores = tf.mul(tf.matMul(q as tf.Tensor4D, kT as tf.Tensor4D), 1 / Math.sqrt(dh)); // [B, h, T, T]
  if (mask) scores = tf.add(scores, mask);                  // mask broadcasts over heads
  const probs = tf.softmax(scores) as tf.Tensor4D;          // [B, h, T, T]
  const ctx = tf.matMul(probs, v as tf.Tensor4D);           // [B, h, T, dh]
  const merged = tf.reshape(tf.transpose(ctx, [0, 2, 1, 3]), [B, T, d]); // [B, T, d]
  return { out: linear(merged, p.o, lora.o), probs };
}
