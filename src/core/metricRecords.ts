// The lines of a run's metrics.jsonl: as the engine writes them (TrainMetrics,
// EvalMetrics) and as the panels and the compare command read them (the same
// types, loosely), and the flattening of nested diagnostics into dotted metric
// names. Pure; used by Node and the webviews.

/** One `type: 'train'` line of metrics.jsonl, as logged every `train.log_every` steps. */
export interface TrainMetrics {
  type: 'train';
  step: number;
  epoch: number;
  stage: string;
  lr: number;
  loss: number;
  terms: Record<string, number>;
  grad_norm: number;
  examples_per_s: number;
  time: string;
}

/** One `type: 'eval'` line of metrics.jsonl. */
export interface EvalMetrics {
  type: 'eval';
  step: number;
  split: string;
  examples: number;
  accuracy: Record<string, number>;        // per task
  mean_accuracy: number;                   // mean over tasks
  majority?: Record<string, number>;       // per task, share of the most frequent answer evaluated: a blind model's accuracy
  diagnostics: EvalDiagnostics;
  time: string;
}

/** Latent diagnostics; a field is absent when `eval.diagnostics` did not ask for it or it does not apply (K = 0). */
export interface EvalDiagnostics {
  drop_latents?: { accuracy: Record<string, number>; mean_accuracy: number };             // latents removed (rows and columns)
  bottleneck_mask?: { accuracy: Record<string, number>; mean_accuracy: number };          // stage-1 mask at test time
  bottleneck_drop_latents?: { accuracy: Record<string, number>; mean_accuracy: number };  // both: the image cannot reach the answer
  answer_latent_attention?: number;        // mean attention mass, answer-predicting rows → latent columns
  answer_object_attention?: { object: number; image: number; uniform: number; examples: number };   // answer rows → the named object's patches, → the image; uniform: object/image if spread evenly
  latent_swap?: { followed: number; pairs: number };   // share of answers that follow another image's latents, over pairs answered differently
  latent_diversity?: { across_examples: number; across_positions: number };   // mean cosine of last-layer latent states
  latent_sensitivity?: { image: number; question: number; image_pairs: number; question_pairs: number };   // mean relative move of latent states: image changed, question changed
  corrupted_images?: { accuracy: Record<string, number>; mean_accuracy: number };               // SIC-corrupted images, with latents
  corrupted_images_drop_latents?: { accuracy: Record<string, number>; mean_accuracy: number };  // corrupted images, latents dropped
}

export type MetricsRecord = TrainMetrics | EvalMetrics;

/**
 * A metrics.jsonl line as the panels and the compare command read it: the same
 * records, loosely (older runs may lack fields, and a file on disk is not trusted
 * to have them), so every field but `type` and `step` is optional.
 */
type AsRead<R extends { type: string; step: number }> = Pick<R, 'type' | 'step'> & Partial<Omit<R, 'type' | 'step'>>;
export type TrainRecord = AsRead<TrainMetrics>;
// Diagnostics as read are any nested numbers (flattenNumbers reads them); older runs logged other shapes.
export type EvalRecord = AsRead<Omit<EvalMetrics, 'diagnostics'>> & { diagnostics?: Record<string, unknown> };
export type MetricRecord = TrainRecord | EvalRecord;

export function isMetricRecord(x: unknown): x is MetricRecord {
  if (typeof x !== 'object' || x === null) return false;
  const r = x as { type?: unknown; step?: unknown };
  return (r.type === 'train' || r.type === 'eval') && typeof r.step === 'number';
}

/** Nested diagnostics ({drop_latents: {mean_accuracy: 0.4}}) as flat dotted numbers. */
export function flattenNumbers(obj: object, prefix = '', out: Record<string, number> = {}): Record<string, number> {
  for (const [k, v] of Object.entries(obj as Record<string, unknown>)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'number') out[key] = v;
    else if (typeof v === 'object' && v !== null && !Array.isArray(v)) flattenNumbers(v as Record<string, unknown>, key, out);
  }
  return out;
}

/** An eval record's chance levels as one line: `chance (majority answer): counting 25.3%, …` (CLI and dashboard). */
export function chanceLine(majority: Record<string, number>): string {
  return `chance (majority answer): ${Object.entries(majority).map(([task, m]) => `${task} ${(100 * m).toFixed(1)}%`).join(', ')}`;
}
