// REPA for VaLR (seeds/002): the latent tokens' hidden states at one decoder
// layer are aligned, patch by patch, to a frozen encoder's patch features.
//
//   z_s   = h_ℓ[latent positions of block s]            [K, d]   every block s of a row
//   ẑ_s   = U · z_s                                      [P, d]   U [P, K]: linear interpolation along the token axis
//   ŷ_s   = ψ_m(ẑ_s) = fc2(GELU(fc1(ẑ_s)))               [P, d_enc] one MLP per encoder m
//   L_m   = −mean over (rows, blocks, patches) of cos(ŷ_s[p], y_m[p])   y_m = φ_m(image) [P, d_enc]
//   L_repa = mean_m L_m
// Every block is aligned to the same image features (the paper's −1/(NP) Σ_{i,p}).
// Selection and upsampling are one constant host matrix per batch, built outside
// the tape: sel [S·B, P, T], so ẑ = sel · h in one batched matmul.
import { tf } from '../backend';
import { gelu, linear } from '../model/linear';
import { createLinear, ParamStore, type LinearParams } from '../model/params';
import type { TinyVlm } from '../model/tinyVlm';

export interface RepaHead { fc1: LinearParams; fc2: LinearParams }

/** Decoder layer whose output is aligned: front = 0, middle = ⌊n/2⌋, last = n − 1, or an index. */
export function repaLayerIndex(layer: 'front' | 'middle' | 'last' | number, n: number): number {
  const i = layer === 'front' ? 0 : layer === 'middle' ? Math.floor(n / 2) : layer === 'last' ? n - 1 : layer;
  if (!Number.isInteger(i) || i < 0 || i >= n) throw new Error(`method.valr.repa.layer: ${layer} is outside the decoder's ${n} layers (0..${n - 1})`);
  return i;
}

/** One projector per encoder, registered in model.variables as repa.<i>.fc1.{weight,bias}, repa.<i>.fc2.{weight,bias}. */
export function createRepaHeads(model: TinyVlm, dims: number[], hidden: number, seed: number): RepaHead[] {
  const store = new ParamStore(seed);
  const heads = dims.map((dEnc, i) => ({
    fc1: createLinear(store, `repa.${i}.fc1`, model.shape.d, hidden),
    fc2: createLinear(store, `repa.${i}.fc2`, hidden, dEnc),
  }));
  for (const [name, v] of store.variables) {
    if (model.variables.has(name)) throw new Error(`REPA: weight ${name} already exists in the model`);
    v.trainable = true;
    model.variables.set(name, v);
  }
  return heads;
}

/** U [P, K]: row p interpolates linearly between the two latents nearest to p's centre (align-corners off). */
export function upsampleMatrix(K: number, P: number): Float32Array {
  const u = new Float32Array(P * K);
  for (let p = 0; p < P; p++) {
    const x = Math.min(K - 1, Math.max(0, ((p + 0.5) * K) / P - 0.5));
    const k0 = Math.floor(x);
    const k1 = Math.min(K - 1, k0 + 1);
    const f = x - k0;
    u[p * K + k0] += 1 - f;
    u[p * K + k1] += f;
  }
  return u;
}

export interface RepaSelection {
  S: number;                 // blocks per row (the batch's maximum)
  sel: Float32Array;         // [S·B, P, T]: row s·B + b selects block s of row b, upsampled to P
  weight: Float32Array;      // [S·B]: 1 where row b has a block s
}

/** From each row's latent blocks (interleaved.latentBlocks) to the selection matrix. */
export function repaSelection(blocks: number[][][], T: number, P: number): RepaSelection {
  const B = blocks.length;
  const S = Math.max(0, ...blocks.map((r) => r.length));
  const sel = new Float32Array(S * B * P * T);
  const weight = new Float32Array(S * B);
  blocks.forEach((row, b) => row.forEach((positions, s) => {
    const K = positions.length;
    if (K === 0) return;
    const u = upsampleMatrix(K, P);
    const base = (s * B + b) * P * T;
    for (let p = 0; p < P; p++) for (let k = 0; k < K; k++) sel[base + p * T + positions[k]] += u[p * K + k];
    weight[s * B + b] = 1;
  }));
  return { S, sel, weight };
}

/** −Σ w·cos(pred, target) / Σ w over rows: pred, target [N, D], w [N, 1]. −1 when pred ∥ target everywhere. */
export function negativeCosine(pred: tf.Tensor2D, target: tf.Tensor2D, w: tf.Tensor2D): tf.Scalar {
  const dot = tf.sum(tf.mul(pred, target), 1, true);                      // [N, 1]
  const np = tf.sqrt(tf.add(tf.sum(tf.square(pred), 1, true), 1e-12));
  const nt = tf.sqrt(tf.add(tf.sum(tf.square(target), 1, true), 1e-12));
  const cos = tf.div(dot, tf.mul(np, nt));                                // [N, 1]
  return tf.neg(tf.div(tf.sum(tf.mul(cos, w)), tf.maximum(tf.sum(w), 1e-12))) as tf.Scalar;
}

/** Tensors of one batch's REPA targets, built outside the tape. */
export interface RepaTargets {
  S: number;
  sel: tf.Tensor3D;          // [S·B, P, T]
  weight: tf.Tensor2D;       // [S·B·P, 1]
  targets: tf.Tensor2D[];    // per encoder [S·B·P, d_enc]
  dispose(): void;
}

export function repaTargets(selection: RepaSelection, features: tf.Tensor3D[], B: number, T: number, P: number): RepaTargets {
  const { S } = selection;
  const w = new Float32Array(S * B * P);
  for (let r = 0; r < S * B; r++) w.fill(selection.weight[r], r * P, (r + 1) * P);
  const sel = tf.tensor3d(selection.sel, [S * B, P, T]);
  const weight = tf.tensor2d(w, [S * B * P, 1]);
  const targets = features.map((f) => tf.tidy(() => tf.reshape(tf.tile(f, [S, 1, 1]), [S * B * P, f.shape[2]]) as tf.Tensor2D));
  return { S, sel, weight, targets, dispose: () => { sel.dispose(); weight.dispose(); for (const t of targets) t.dispose(); } };
}

/** Per-encoder REPA losses for the hidden states h [B, T, d] of the alignment layer. */
export function repaLosses(h: tf.Tensor3D, heads: RepaHead[], t: RepaTargets): tf.Scalar[] {
  const [B, T, d] = h.shape;
  const P = t.sel.shape[1];
  const z = tf.matMul(t.sel, tf.tile(h, [t.S, 1, 1]));                    // [S·B, P, d]
  const flat = tf.reshape(z, [t.S * B * P, d]);                           // [S·B·P, d]
  void T;
  return heads.map((head, i) => {
    const pred = linear(gelu(linear(flat, head.fc1)), head.fc2) as tf.Tensor2D; // [S·B·P, d_enc]
    return negativeCosine(pred, t.targets[i], t.weight);
  });
}
