// Continuous feedback (Coconut; VaLR's "latent mode", seeds/002): the input at a
// latent position t is the model's own last-layer hidden state at t − 1, not a
// token or a learned embedding.
//
// Which hidden state: the residual stream after the last decoder block, BEFORE
// the final LayerNorm (decoder.ln_f) and the LM head, i.e. `hidden[n − 1]` of a
// forward with returnHidden. It lives in the space the input embeddings are added
// into, so it is fed back as is; the position embedding of t is added on top as
// for every input. Training and generation both use exactly this.
//
// Training needs the whole sequence's latents filled in before the loss. In a
// causal decoder the hidden state at t − 1 depends only on inputs ≤ t − 1, so
// latents are filled one at a time, in sequence order: pass n runs the model
// with latents 0..n−1 filled and writes h[t_n − 1] into latent n (every row its
// own n-th latent, in one batched pass); a final pass gives the logits. That is
// (latents per row) + 1 forward passes per step, all on the tape: gradients flow
// back through the fed-back states, as in Coconut.
//
// Pass n runs only the prefix it needs, positions [0, max_b t_n]: under a causal mask
// no position attends to a later one, so the states there are the same as in a
// full-length pass. The tape then holds shorter passes: at batch 32 and T 155
// (examples/valr) full-length passes needed more than wasm's 4 GB.
import { tf } from '../backend';
import { SEGMENT } from './segments';
import type { BatchTensors, ForwardOptions, ForwardResult, TinyVlm } from './tinyVlm';

/** Per row, the latent positions in sequence order. */
export function latentOrder(segments: Int32Array, B: number, T: number): number[][] {
  const out: number[][] = [];
  for (let b = 0; b < B; b++) {
    const row: number[] = [];
    for (let t = 0; t < T; t++) if (segments[b * T + t] === SEGMENT.latent) row.push(t);
    out.push(row);
  }
  return out;
}

/** h [B, T, d] → h shifted one position right: out[:, t] = h[:, t − 1], out[:, 0] = 0. */
export function shiftRight(h: tf.Tensor): tf.Tensor3D {
  const [B, T, d] = h.shape as [number, number, number];
  return tf.concat([tf.zeros([B, 1, d]), tf.slice(h, [0, 0, 0], [B, T - 1, d])], 1) as tf.Tensor3D;
}

/** The hidden state that is fed back: last block's output, before ln_f. */
export function feedbackState(out: ForwardResult): tf.Tensor3D {
  if (!out.hidden || out.hidden.length === 0) throw new Error('continuous feedback: the forward pass returned no hidden states');
  return out.hidden[out.hidden.length - 1];
}

/**
 * Forward pass with hidden_state feedback at every latent position of `batch`.
 * Without latent positions it is one ordinary forward. Call inside a tape or tidy.
 */
export function forwardWithFeedback(model: TinyVlm, batch: BatchTensors, opts: ForwardOptions = {}): ForwardResult {
  const { B, T } = batch;
  const order = latentOrder(batch.segments, B, T);
  const passes = Math.max(0, ...order.map((r) => r.length));
  if (passes === 0) return model.forward(batch, opts);
  const d = model.shape.d;
  let latentInput = tf.zeros([B, T, d]) as tf.Tensor3D;
  for (let n = 0; n < passes; n++) {
    const L = 1 + Math.max(...order.map((row) => (n < row.length ? row[n] : 0)));   // the n-th latents sit below L
    const out = model.forward(prefixOf(batch, L, latentInput), { returnHidden: true });
    const m = new Float32Array(B * T);                      // [B, T, 1]: each row's n-th latent
    order.forEach((row, b) => { if (n < row.length) m[b * T + row[n]] = 1; });
    const shifted = tf.pad(shiftRight(feedbackState(out)), [[0, 0], [0, T - L], [0, 0]]) as tf.Tensor3D; // [B, T, d]
    const fed = tf.mul(shifted, tf.tensor3d(m, [B, T, 1]));                        // [B, T, d]
    latentInput = tf.add(latentInput, fed) as tf.Tensor3D;
  }
  return model.forward({ ...batch, latentInput }, opts);
}

/** The batch cut to its first L positions (mask [·, 1, L, L]); the batch itself when L is T. */
function prefixOf(batch: BatchTensors, L: number, latentInput: tf.Tensor3D): BatchTensors {
  const { B, T } = batch;
  if (L >= T) return { ...batch, latentInput };
  const rows = <A extends Int32Array>(a: A): A => {
    const out = new (a.constructor as new (n: number) => A)(B * L);
    for (let b = 0; b < B; b++) out.set(a.subarray(b * T, b * T + L), b * L);
    return out;
  };
  return {
    patches: batch.patches,
    tokenIds: rows(batch.tokenIds),
    segments: rows(batch.segments),
    positions: batch.positions ? rows(batch.positions) : undefined,
    B, T: L,
    mask: tf.slice(batch.mask, [0, 0, 0, 0], [batch.mask.shape[0], 1, L, L]) as tf.Tensor4D,
    latentInput: tf.slice(latentInput, [0, 0, 0], [B, L, latentInput.shape[2]]) as tf.Tensor3D,
  };
}

/** Forward in the configured feedback mode. */
export function forwardLatents(model: TinyVlm, batch: BatchTensors, feedback: 'embedding' | 'hidden_state', opts: ForwardOptions = {}): ForwardResult {
  return feedback === 'hidden_state' ? forwardWithFeedback(model, batch, opts) : model.forward(batch, opts);
}
