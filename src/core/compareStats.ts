// Final metrics of several runs and their mean ± std across seeds, grouped by
// configuration label. Pure, Node-tested.

import { flattenNumbers, type MetricRecord } from './metricRecords';

export interface CompareRun {
  name: string;
  label: string;                         // configuration label: runs sharing it are seeds of one config
  seed?: number;
  status?: string;
  params?: Record<string, string>;       // swept values (sweep runs), seed excluded
  final?: Record<string, number>;        // final metrics reported outside metrics.jsonl (test-time scaling), merged over the derived ones
  metrics?: MetricRecord[];              // the run's metrics.jsonl records
}

export interface MeanStd { mean: number; std: number; n: number }

/** Mean and sample standard deviation (n − 1); std is NaN for a single value. */
export function meanStd(values: number[]): MeanStd {
  const n = values.length;
  if (n === 0) return { mean: NaN, std: NaN, n };
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const std = n > 1 ? Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : NaN;
  return { mean, std, n };
}

/** A run's final metrics: the last eval (accuracy, chance, diagnostics), the last train loss, and `final`. */
export function finalMetrics(run: CompareRun): Record<string, number> {
  const out: Record<string, number> = {};
  const records = run.metrics ?? [];
  const lastEval = [...records].reverse().find((r) => r.type === 'eval' && (r.split ?? 'val') === 'val')
    ?? [...records].reverse().find((r) => r.type === 'eval');
  const lastTrain = [...records].reverse().find((r) => r.type === 'train');
  if (lastEval?.type === 'eval') {
    if (typeof lastEval.mean_accuracy === 'number') out.mean_accuracy = lastEval.mean_accuracy;
    for (const [task, v] of Object.entries(lastEval.accuracy ?? {})) out[`accuracy.${task}`] = v;
    for (const [task, v] of Object.entries(lastEval.majority ?? {})) out[`chance.${task}`] = v;   // majority answer
    Object.assign(out, flattenNumbers(lastEval.diagnostics ?? {}, 'diagnostics'));
  }
  if (lastTrain?.type === 'train' && typeof lastTrain.loss === 'number') out.loss = lastTrain.loss;
  return { ...out, ...run.final };
}

export interface GroupRow { label: string; runs: string[]; stats: Record<string, MeanStd> }

/** One row per label, in first-seen order; each metric's mean ± std over the runs that report it. */
export function groupByLabel(runs: CompareRun[]): { metrics: string[]; groups: GroupRow[] } {
  const finals = runs.map(finalMetrics);
  const metrics = [...new Set(finals.flatMap((f) => Object.keys(f)))].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  const labels = [...new Set(runs.map((r) => r.label))];
  const groups = labels.map((label) => {
    const members = runs.map((r, i) => ({ r, f: finals[i] })).filter((x) => x.r.label === label);
    const stats: Record<string, MeanStd> = {};
    for (const m of metrics) {
      const vals = members.map((x) => x.f[m]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
      if (vals.length > 0) stats[m] = meanStd(vals);
    }
    return { label, runs: members.map((x) => x.r.name), stats };
  });
  return { metrics, groups };
}

/**
 * The metric columns a `--metrics` list asks for: names as given, and `prefix.*` as every
 * known metric under that prefix (`chance.*`: each task's chance); `unknown` matched nothing.
 */
export function selectMetrics(known: string[], wanted: string[]): { shown: string[]; unknown: string[] } {
  const shown: string[] = [];
  const unknown: string[] = [];
  for (const w of wanted) {
    const matches = w.endsWith('.*') ? known.filter((m) => m.startsWith(w.slice(0, -1))) : known.includes(w) ? [w] : [];
    if (matches.length === 0) unknown.push(w);
    shown.push(...(w.endsWith('.*') ? matches : [w]));
  }
  return { shown, unknown };
}

/** mean_accuracy first, then accuracies, their chance levels, loss, diagnostics. */
function rank(metric: string): number {
  if (metric === 'mean_accuracy') return 0;
  if (metric.startsWith('accuracy.')) return 1;
  if (metric.startsWith('chance.')) return 2;
  if (metric === 'loss') return 3;
  return 4;
}

export function formatMeanStd(s: MeanStd | undefined): string {
  if (!s) return '';
  const f = (v: number): string => (Math.abs(v) >= 100 ? v.toFixed(1) : v.toFixed(3));
  return Number.isNaN(s.std) ? `${f(s.mean)} (n=1)` : `${f(s.mean)} ± ${f(s.std)} (n=${s.n})`;
}

/** A run's best mean accuracy over its val evaluations (finalMetrics has the last one); undefined without any. */
export function bestMeanAccuracy(run: CompareRun): number | undefined {
  const values = (run.metrics ?? []).filter((r) => r.type === 'eval' && (r.split ?? 'val') === 'val')
    .map((r) => (r.type === 'eval' ? r.mean_accuracy : undefined)).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  return values.length > 0 ? Math.max(...values) : undefined;
}

/**
 * Metrics where one configuration can be "best": accuracies, loss, test-time scaling.
 * Not chance levels (a property of the test set) nor diagnostics (higher attention or
 * accuracy without latents is not better, it is what the diagnostic measures).
 */
export function isScoredMetric(metric: string): boolean {
  return metric === 'mean_accuracy' || metric === 'loss' || metric.startsWith('accuracy.') || metric.startsWith('test_time_scaling.');
}

/** One CSV row per run: identity, status, then every final metric (the panel's Export CSV). */
export function compareCsv(runs: CompareRun[]): string {
  const finals = runs.map(finalMetrics);
  const metrics = [...new Set(finals.flatMap((f) => Object.keys(f)))].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  const head = ['run', 'configuration', 'seed', 'status', 'best_mean_accuracy', ...metrics];
  const rows = runs.map((r, i) => [r.name, r.label, r.seed ?? '', r.status ?? '', bestMeanAccuracy(r) ?? '', ...metrics.map((m) => finals[i][m] ?? '')]);
  return [head, ...rows].map((row) => row.map(csvField).join(',')).join('\n') + '\n';
}

function csvField(v: string | number): string {
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export interface ParameterPoint { x: number; stats: MeanStd }

/**
 * A final metric against each numeric swept parameter: per value of the parameter,
 * mean ± std over the runs that have it (seeds, and any other swept values).
 * Parameters with fewer than two distinct numeric values are left out.
 */
export function metricByParameter(runs: CompareRun[], metric: string): Map<string, ParameterPoint[]> {
  const finals = runs.map(finalMetrics);
  const keys = [...new Set(runs.flatMap((r) => Object.keys(r.params ?? {})))].sort();
  const out = new Map<string, ParameterPoint[]>();
  for (const key of keys) {
    const byValue = new Map<number, number[]>();
    runs.forEach((r, i) => {
      const x = Number(r.params?.[key]);
      const y = finals[i][metric];
      if (r.params?.[key] === undefined || !Number.isFinite(x) || typeof y !== 'number' || !Number.isFinite(y)) return;
      byValue.set(x, [...(byValue.get(x) ?? []), y]);
    });
    if (byValue.size < 2) continue;
    out.set(key, [...byValue.entries()].sort((a, b) => a[0] - b[0]).map(([x, ys]) => ({ x, stats: meanStd(ys) })));
  }
  return out;
}
