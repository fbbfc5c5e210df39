// Multi-head self-attention with an additive mask; returns the probabilities
// too (the attention viewer, CrystaL's alignment loss and the answer→latent
// diagnostic read them). Cached decoding (generate.ts) runs this same code with
// a hook that writes the new keys and values into its cache and attends over it.
import { tf } from '../backend';
import { attend, attendIsNative, attentionContext, attentionProbs } from '../kernels';
import { createLinear, INIT_STD, type LinearParams, type ParamStore } from './params';
import { linear, type LoraAdapter } from './linear';
import { speedups } from './speedups';

export interface AttentionParams { q: LinearParams; k: LinearParams; v: LinearParams; o: LinearParams }
export interface AttentionLora { q?: LoraAdapter; k?: LoraAdapter; v?: LoraAdapter; o?: LoraAdapter }

/**
 * Keys and values to attend over, given this call's own k, v [B, Tq, d]: the
 * default is themselves (self-attention); generate.ts's cache returns every
 * position run so far [B, Tk, d].
 */
export type KeyValueSource = (k: tf.Tensor, v: tf.Tensor) => { k: tf.Tensor; v: tf.Tensor };

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
 * q [B, Tq, d], k, v [B, Tk, d], mask [B | 1, 1, Tq, Tk] → ctx [B, Tq, d], probs [B, h, Tq, Tk] (null
 * unless wantProbs). flashAttention (within fusedAttention): when nobody reads the probabilities, one native kernel each way
 * that never writes them (kernels/attention.ts attend). fusedAttention: one native kernel each way for
 * softmax(q·kᵀ/√dh + mask) and for probs·v (plain tfjs ops when native is off); else the tfjs ops below.
 */
function attentionCore(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, heads: number, mask: tf.Tensor | null, wantProbs: boolean):
  { ctx: tf.Tensor; probs: tf.Tensor4D | null } {
  if (!wantProbs && speedups.fusedAttention && speedups.flashAttention && attendIsNative()) return { ctx: attend(q, k, v, mask, heads), probs: null };
  if (speedups.fusedAttention) {
    const probs = attentionProbs(q, k, mask, heads);
    return { ctx: attentionContext(probs, v), probs };
  }
  const [B, Tq, d] = q.shape;
  const dh = d / heads;
  const split = (t: tf.Tensor, perm: number[]) => tf.transpose(tf.reshape(t, [B, t.shape[1] as number, heads, dh]), perm);
  let scores = tf.mul(tf.matMul(split(q, [0, 2, 1, 3]) as tf.Tensor4D, split(k, [0, 2, 3, 1]) as tf.Tensor4D), 1 / Math.sqrt(dh)); // [B, h, Tq, Tk]
  if (mask) scores = tf.add(scores, mask);                  // mask broadcasts over heads
  const probs = tf.softmax(scores) as tf.Tensor4D;          // [B, h, Tq, Tk]
  const ctx = tf.matMul(probs, split(v, [0, 2, 1, 3]) as tf.Tensor4D); // [B, h, Tq, dh]
  return { ctx: tf.reshape(tf.transpose(ctx, [0, 2, 1, 3]), [B, Tq, d]), probs };
}

/**
 * x [B, T, d]; mask additive [B, 1, T, Tk] (0 = may attend, −1e9 = may not) or
 * null (bidirectional). Returns out [B, T, d] (plus `residual` when given: the block's
 * residual add, done by the output projection) and, when wantProbs, probs [B, h, T, Tk]
 * (Tk = T unless `kv` extends the keys and values); without wantProbs probs may be null.
 */
export function attention(x: tf.Tensor, p: AttentionParams, heads: number, mask: tf.Tensor | null, lora: AttentionLora = {},
  kv?: KeyValueSource, wantProbs = false, residual?: tf.Tensor): { out: tf.Tensor; probs: tf.Tensor4D | null } {
  const q = linear(x, p.q, lora.q);                         // [B, T, d]
  let k = linear(x, p.k, lora.k), v = linear(x, p.v, lora.v); // [B, T, d]
  if (kv) ({ k, v } = kv(k, v));                            // [B, Tk, d]
  const { ctx, probs } = attentionCore(q, k, v, heads, mask, wantProbs);
  return { out: linear(ctx, p.o, lora.o, { residual }), probs };
}
