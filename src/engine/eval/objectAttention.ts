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
import { rowWeightedMass } from './attentionMass';
import { SEGMENT } from '../model/segments';
import type { EncodedBatch } from '../model/sequence';

/** Host counts of one batch: examples with a focus, and Σ over them of their focus share of the patches (a type, not an interface: it leaves a tf.tidy). */
export type ObjectCounts = { examples: number; uniform: number };

/**
 * attention: per layer [B, h, T, T]. Σ over the batch's examples with a focus of their
 * mean object and image masses (scalars, 0 when none has a focus), and their counts.
 * Call inside a tidy.
 */
export function answerObjectMass(attention: tf.Tensor4D[], enc: EncodedBatch, examples: Example[], imageSize: number, patchSize: number): { object: tf.Scalar; image: tf.Scalar; counts: ObjectCounts } {
  const { B, T } = enc;
  const sel = groundingSelection(enc, examples, imageSize, patchSize);   // rows: 1/n per answer row; cols: focus (set only for those examples)
  if (sel.count === 0) return { object: tf.scalar(0), image: tf.scalar(0), counts: { examples: 0, uniform: 0 } };
  const imageCols = new Float32Array(B * T);
  for (let t = 0; t < B * T; t++) if (enc.segments[t] === SEGMENT.image) imageCols[t] = 1;
  const focusPatches = sel.cols.reduce((n, c) => n + c, 0);
  return {
    object: rowWeightedMass(attention, sel.rows, sel.cols, B, T),
    image: rowWeightedMass(attention, sel.rows, imageCols, B, T),
    counts: { examples: sel.count, uniform: focusPatches / (imageSize / patchSize) ** 2 },
  };
}

/** The running sums over an evaluation's batches. */
export class ObjectAttentionSums {
  private object = 0;
  private image = 0;
  private uniform = 0;
  private examples = 0;

  add(counts: ObjectCounts, object: number, image: number): void {
    this.object += object;
    this.image += image;
    this.uniform += counts.uniform;
    this.examples += counts.examples;
  }

  writeInto(d: EvalDiagnostics): void {
    const n = Math.max(1, this.examples);
    d.answer_object_attention = { object: this.object / n, image: this.image / n, uniform: this.uniform / n, examples: this.examples };
  }
}
