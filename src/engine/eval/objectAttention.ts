// eval.diagnostics `answer_object_attention`: does the answer look at the object the
// question names? At the rows that predict the answer's tokens (the rows the grounding
// loss supervises, grounding.ts), the attention mass, averaged over heads and layers,
// on the image patches of the named object(s) (Example.focus) and on the whole image:
//
//   object   mean over examples with a focus of  mean_rows mean_layers mean_heads Σ_{p ∈ focus} A[row, p]
//   image    the same over every image column
//   uniform  mean over those examples of |focus patches| / |image patches|: object / image
//            if the image attention were spread evenly over the patches (its chance level)
//
// object / image well above uniform: the answer picks the named object out of the image.
// Only synthetic examples carry a focus (data.md); with none, `examples` is 0.
// The diagnostic reads the attention maps of the plain causal pass (evaluate.ts).
import type { EvalDiagnostics } from '../../core/metricRecords';
import { tf } from '../backend';
import type { Example } from '../data/example';
import { groundingSelection } from '../methods/grounding';
import { SEGMENT } from '../model/segments';
import type { EncodedBatch } from '../model/sequence';

/** One batch's masses (scalar tensors, Σ over its grounded examples) and host counts (a type, not an interface: tf.tidy returns it). */
export type ObjectMassBatch = {
  object?: tf.Scalar;
  image?: tf.Scalar;
  examples: number;
  uniform: number;       // Σ over grounded examples of their focus share of the patches
};

/**
 * attention: per layer [B, h, T, T]. Call inside a tidy: the returned scalars leave it,
 * to be read back with the batch's other results.
 */
export function answerObjectMass(attention: tf.Tensor4D[], enc: EncodedBatch, examples: Example[], imageSize: number, patchSize: number): ObjectMassBatch {
  const { B, T } = enc;
  const sel = groundingSelection(enc, examples, imageSize, patchSize);   // rows: 1/n per answer row; cols: focus
  if (sel.count === 0) return { examples: 0, uniform: 0 };
  const patches = (imageSize / patchSize) ** 2;
  const imageCols = new Float32Array(B * T);
  let uniform = 0;
  for (let b = 0; b < B; b++) {
    let grounded = false;
    let focus = 0;
    for (let t = b * T; t < (b + 1) * T; t++) {
      if (sel.rows[t] > 0) grounded = true;
      focus += sel.cols[t];
      if (enc.segments[t] === SEGMENT.image) imageCols[t] = 1;
    }
    if (grounded) uniform += focus / patches;
  }
  const rows = tf.tensor2d(sel.rows, [B, T]);
  const massOn = (cols: Float32Array): tf.Scalar => {
    const c = tf.tensor3d(cols, [B, 1, T]);
    const perLayer = attention.map((a) => tf.sum(tf.mul(tf.sum(tf.mul(tf.mean(a, 1), c), 2), rows)));   // [B,T,T] → [B,T] → Σ
    return tf.div(tf.addN(perLayer), attention.length) as tf.Scalar;
  };
  return { object: massOn(sel.cols), image: massOn(imageCols), examples: sel.count, uniform };
}

/** The running sums over an evaluation's batches. */
export class ObjectAttentionSums {
  private object = 0;
  private image = 0;
  private uniform = 0;
  private examples = 0;

  add(batch: ObjectMassBatch, object: number, image: number): void {
    this.object += object;
    this.image += image;
    this.uniform += batch.uniform;
    this.examples += batch.examples;
  }

  writeInto(d: EvalDiagnostics): void {
    const n = Math.max(1, this.examples);
    d.answer_object_attention = { object: this.object / n, image: this.image / n, uniform: this.uniform / n, examples: this.examples };
  }
}
