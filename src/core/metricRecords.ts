// A line of a run's metrics.jsonl as the panels and the compare command read it
// (loosely typed: older runs may lack fields), and the flattening of nested
// diagnostics into dotted metric names. Pure; used by Node and the webviews.

export interface TrainRecord {
  type: 'train';
  step: number;
  epoch?: number;
  stage?: string;
  lr?: number;
  loss: number;
  terms?: Record<string, number>;
  examples_per_s?: number;
}
export interface EvalRecord {
  type: 'eval';
  step: number;
  split?: string;
  accuracy?: Record<string, number>;
  mean_accuracy?: number;
  majority?: Record<string, number>;
  diagnostics?: Record<string, unknown>;
}
export type MetricRecord = TrainRecord | EvalRecord;

export function isMetricRecord(x: unknown): x is MetricRecord {
  if (typeof x !== 'object' || x === null) return false;
  const r = x as { type?: unknown; step?: unknown };
  return (r.type === 'train' || r.type === 'eval') && typeof r.step === 'number';
}

/** Nested diagnostics ({drop_latents: {mean_accuracy: 0.4}}) as flat dotted numbers. */
export function flattenNumbers(obj: Record<string, unknown>, prefix = '', out: Record<string, number> = {}): Record<string, number> {
  for (const [k, v] of Object.entries(obj)) {
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
