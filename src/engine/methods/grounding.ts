// SFT's grounding loss (method.sft.grounding): supervises where the answer looks.
// At the rows that predict the answer's tokens (from the last <sep>, not the one that
// predicts <eos>), the first `heads` heads of each listed decoder layer should put their
// attention on the image patches of the object(s) the question names (Example.focus,
// drawn by the synthetic tasks):
//
//   L_ground = mean over examples with a focus, layers, heads, answer rows of  −log Σ_{p ∈ focus} A[row, p]
//
// Why: pretraining teaches the encoder what one object looks like (the vision probe),
// but nothing taught the decoder to pick the one object a question names among several;
// find, localization and presence stayed at chance after 5,700 steps of their CE alone
// (docs/pretraining.md). Attention supervision of this kind is an old VQA device (e.g.
// human-attention supervision, Qiao et al. 2018); here the boxes come free with the data.
//
// Selections are host-side 0/1 masks turned into constants outside the tape, as in
// alignment.ts (rows and columns picked by multiplying, never by gather).
import type { SftGrounding } from '../../core/experiment';
import { tf } from '../backend';
import type { Example, FocusBox } from '../data/example';
import { SEGMENT } from '../model/segments';
import { answerSpan, type EncodedBatch } from '../model/sequence';

/** Guards log(0) when a head puts (almost) nothing on the object. */
const EPS = 1e-6;

export interface GroundingTargets {
  rows: tf.Tensor3D;     // [B, 1, T] 1/n at each of a grounded example's n answer rows
  cols: tf.Tensor4D;     // [B, 1, 1, T] 1 on the image columns whose patch overlaps the focus
  count: number;         // grounded examples (a focus that covers at least one patch)
  dispose(): void;
}

/** Patch indices (raster order, as patchify) that a box overlaps, in an image of `size` pixels cut into p-pixel patches. */
export function patchesOf(box: FocusBox, size: number, p: number): number[] {
  const g = size / p;
  const [x0, y0, x1, y1] = box;
  const first = (v: number) => Math.max(0, Math.floor(v / p));
  const last = (v: number) => Math.min(g - 1, Math.ceil(v / p) - 1);
  const out: number[] = [];
  for (let py = first(y0); py <= last(y1); py++) for (let px = first(x0); px <= last(x1); px++) out.push(py * g + px);
  return out;
}

/** The answer rows (weights 1/n) and focus columns of each example, from the encoded batch (image columns in patch order). */
export function groundingSelection(enc: EncodedBatch, examples: Example[], imageSize: number, patchSize: number): { rows: Float32Array; cols: Float32Array; count: number } {
  const { B, T } = enc;
  const rows = new Float32Array(B * T);
  const cols = new Float32Array(B * T);
  let count = 0;
  examples.forEach((ex, b) => {
    if (!ex.focus?.length) return;
    const base = b * T;
    const imageColumns: number[] = [];
    for (let t = 0; t < T; t++) if (enc.segments[base + t] === SEGMENT.image) imageColumns.push(t);
    if (imageColumns.length !== (imageSize / patchSize) ** 2) return;   // a conv stem or another layout: nothing to map onto
    // The answer rows: from the last <sep> to the row before the one that predicts <eos>.
    const span = answerSpan(enc, b);
    if (!span) return;
    const answerRows = Math.max(1, span.last - span.first);
    let covered = 0;
    for (const box of ex.focus) {
      for (const p of patchesOf(box, imageSize, patchSize)) {
        if (!cols[base + imageColumns[p]]) covered++;
        cols[base + imageColumns[p]] = 1;
      }
    }
    if (covered === 0) return;
    for (let r = 0; r < answerRows; r++) rows[base + span.first + r] = 1 / answerRows;   // each example weighs 1, however long its answer
    count++;
  });
  return { rows, cols, count };
}

/** The selection as constant tensors; build outside the tape. */
export function groundingTargets(enc: EncodedBatch, examples: Example[], imageSize: number, patchSize: number): GroundingTargets {
  const { B, T } = enc;
  const sel = groundingSelection(enc, examples, imageSize, patchSize);
  const rows = tf.tensor3d(sel.rows, [B, 1, T]);
  const cols = tf.tensor4d(sel.cols, [B, 1, 1, T]);
  return { rows, cols, count: sel.count, dispose: () => { rows.dispose(); cols.dispose(); } };
}

/**
 * attention: per layer [B, h, T, T] (the forward's captured probabilities).
 * No tidy inside: it runs on the gradient tape; the caller owns the intermediates.
 */
export function groundingLoss(attention: tf.Tensor4D[], targets: GroundingTargets, cfg: SftGrounding): tf.Scalar {
  const terms = cfg.layers.map((l) => {
    const a = attention[l];
    const [B, , T] = a.shape;
    const heads = tf.slice(a, [0, 0, 0, 0], [B, cfg.heads, T, T]);          // [B, H, T, T]
    const mass = tf.sum(tf.mul(heads, targets.cols), 3);                   // [B, H, T] each row's attention on the focus
    const logMass = tf.log(tf.add(mass, EPS));                             // [B, H, T]
    return tf.neg(tf.div(tf.sum(tf.mul(logMass, targets.rows)), cfg.heads));
  });
  const total = terms.length === 1 ? terms[0] : tf.addN(terms);
  return tf.div(total, Math.max(1, targets.count) * cfg.layers.length) as tf.Scalar;
}
