// CrystaL's attention alignment (seeds/000 §3.4 "Mechanistic Consistency"):
// the head-averaged attention A from answer rows to latent columns (or to all
// columns) should be the same on the intact and the corrupted path,
//   L_att = Σ_{l∈S} distance(A_intact^l, A_corrupted^l).
// Selections are host-side 0/1 masks turned into constant tensors outside the
// tape: rows and columns are picked by multiplying, never by gather (whose
// gradient tfjs-wasm does not have in a form we want on the tape).

import type { CrystalConfig } from '../../core/experiment';
import { tf } from '../backend';
import { SEGMENT } from '../model/segments';

/** Guards log(0) and 0/0 in the renormalised-row KL. */
const EPS = 1e-8;

export interface AttentionSelection {
  rows: Float32Array;   // [B·T] 1 on the rows that predict an answer token (queries): the <sep> and the answer words
  cols: Float32Array;   // [B·T] 1 on the attended columns (keys): latents, or every non-pad position
}

/**
 * Which rows and columns of one half's [B, T, T] attention the alignment compares.
 * `predictsAnswer` is the half's loss mask: the rows whose next token is an answer token.
 */
export function attentionSelection(segments: Int32Array, predictsAnswer: Float32Array, B: number, T: number, target: CrystalConfig['alignment_target']): AttentionSelection {
  const rows = new Float32Array(B * T);
  const cols = new Float32Array(B * T);
  for (let i = 0; i < B * T; i++) {
    const s = segments[i];
    if (predictsAnswer[i] > 0) rows[i] = 1;
    cols[i] = target === 'answer_to_latents' ? (s === SEGMENT.latent ? 1 : 0) : (s === SEGMENT.pad ? 0 : 1);
  }
  return { rows, cols };
}

/**
 * The selection as constant tensors. Build outside the tape; dispose.
 * Answer rows sit at the end of each sequence, so only the row window
 * [rowStart, rowStart + R) that holds every example's selected rows is kept:
 *   rows [B, R, 1] (the window's 0/1 row mask), cols [B, 1, T].
 * The alignment then works on [B, R, T] instead of [B, T, T] (R ≈ T/8 here).
 */
export function selectionTensors(sel: AttentionSelection, B: number, T: number): { rows: tf.Tensor3D; cols: tf.Tensor3D; rowStart: number } {
  let first = T, last = -1;
  for (let i = 0; i < B * T; i++) if (sel.rows[i] > 0) { first = Math.min(first, i % T); last = Math.max(last, i % T); }
  if (last < 0) { first = 0; last = 0; }   // no selected row: a 1-row window of zeros (distance 0)
  const R = last - first + 1;
  const window = new Float32Array(B * R);
  for (let b = 0; b < B; b++) for (let r = 0; r < R; r++) window[b * R + r] = sel.rows[b * T + first + r];
  return { rows: tf.tensor3d(window, [B, R, 1]), cols: tf.tensor3d(sel.cols, [B, 1, T]), rowStart: first };
}

/**
 * distance(a, b) over the selected block, mean over the B examples.
 *   frobenius  Σ_rows,cols (a − b)²  (squared Frobenius norm of the difference)
 *   kl         Σ_rows KL(ã ‖ b̃), ã = a's selected columns renormalised to sum 1 per row
 * a, b: head-averaged attention rows [B, R, T] (a row window, or all T rows); rows [B, R, 1]; cols [B, 1, T].
 * No tidy inside: it runs on the gradient tape; the caller owns the intermediates.
 */
export function attentionDistance(a: tf.Tensor3D, b: tf.Tensor3D, rows: tf.Tensor3D, cols: tf.Tensor3D, distance: CrystalConfig['distance']): tf.Scalar {
  const B = a.shape[0];
  const select = tf.mul(rows, cols);                                   // [B, R, T]
  if (distance === 'frobenius') {
    const diff = tf.mul(tf.sub(a, b), select);                         // [B, R, T]
    return tf.div(tf.sum(tf.square(diff)), B) as tf.Scalar;
  }
  const renorm = (x: tf.Tensor3D): tf.Tensor => {
    const kept = tf.mul(x, cols);                                      // [B, R, T]
    return tf.div(kept, tf.add(tf.sum(kept, 2, true), EPS));           // rows sum to 1 over the selected columns
  };
  const p = renorm(a);
  const q = renorm(b);
  const perEntry = tf.mul(p, tf.sub(tf.log(tf.add(p, EPS)), tf.log(tf.add(q, EPS))));
  return tf.div(tf.sum(tf.mul(perEntry, select)), B) as tf.Scalar;
}

/** Layer indices an alignment uses; throws naming the config field when one is out of range. */
export function alignmentLayerList(layers: CrystalConfig['alignment_layers'], modelLayers: number): number[] {
  if (layers === 'all') return Array.from({ length: modelLayers }, (_, i) => i);
  for (const l of layers) {
    if (!Number.isInteger(l) || l < 0 || l >= modelLayers) {
      throw new Error(`method.crystal.alignment_layers: layer ${l} does not exist; the decoder has model.layers = ${modelLayers} (indices 0..${modelLayers - 1}); use 'all' or a list inside that range`);
    }
  }
  if (layers.length === 0) throw new Error('method.crystal.alignment_layers: empty list; use \'all\' or list at least one layer (or set weights.attention: 0)');
  return [...layers];
}

/**
 * Σ_{l∈S} distance(A_intact^l, A_corrupted^l) for attention maps of a paired batch:
 * each [2B', h, T, T], intact rows first. rows/cols/rowStart (selectionTensors) select
 * within one half ([B', …]); only the row window is sliced out before the head mean.
 */
export function pairedAlignmentLoss(attention: tf.Tensor4D[], layers: number[], rows: tf.Tensor3D, cols: tf.Tensor3D, distance: CrystalConfig['distance'], rowStart = 0): tf.Scalar {
  const R = rows.shape[1];
  const terms = layers.map((l) => {
    const a = attention[l];
    const [B2, h, , T] = a.shape;
    const half = B2 / 2;
    const window = tf.slice(a, [0, 0, rowStart, 0], [B2, h, R, T]);   // [2B', h, R, T]
    const mean = tf.mean(window, 1) as tf.Tensor3D;                    // [2B', R, T] head-averaged
    const intact = tf.slice(mean, [0, 0, 0], [half, R, T]);
    const corrupted = tf.slice(mean, [half, 0, 0], [half, R, T]);
    return attentionDistance(intact, corrupted, rows, cols, distance);
  });
  return (terms.length === 1 ? terms[0] : tf.addN(terms)) as tf.Scalar;
}
