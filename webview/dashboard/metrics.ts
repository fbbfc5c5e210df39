// The dashboard's data: metrics.jsonl records folded into chart series and a
// diagnostics table. Pure (no DOM), Node-tested.

import { flattenNumbers, type EvalRecord, type MetricRecord, type TrainRecord } from '../../src/core/metricRecords';
import { MinMaxDecimator } from './decimate';

export class MetricStore {
  /** One decimated series per train quantity: 'loss', each term, 'lr'. */
  readonly train = new Map<string, MinMaxDecimator>();
  /** Eval steps per split, and accuracy per task (+ 'mean') aligned with them. */
  readonly evalSteps: number[] = [];
  readonly accuracy = new Map<string, (number | null)[]>();
  readonly diagnostics: { step: number; split: string; values: Record<string, number> }[] = [];
  chartSplit: string | null = null;
  /** The chart split's chance level per task (majority answer), from its latest eval that records one. */
  chance: Record<string, number> | null = null;
  trainCount = 0;
  lastTrain: TrainRecord | null = null;

  constructor(private maxBuckets = 400) {}   // ≈ a chart's plot width in pixels: more points than pixels draw nothing new

  /** Adds records; returns which chart groups changed. */
  add(records: MetricRecord[]): { train: Set<string>; eval: boolean; newSeries: boolean } {
    const changed = { train: new Set<string>(), eval: false, newSeries: false };
    for (const r of records) {
      if (r.type === 'train') this.addTrain(r, changed);
      else this.addEval(r, changed);
    }
    return changed;
  }

  private series(name: string, changed: { newSeries: boolean }): MinMaxDecimator {
    let s = this.train.get(name);
    if (!s) { s = new MinMaxDecimator(this.maxBuckets); this.train.set(name, s); changed.newSeries = true; }
    return s;
  }

  private addTrain(r: TrainRecord, changed: { train: Set<string>; newSeries: boolean }): void {
    this.trainCount++;
    this.lastTrain = r;
    const values: [string, number | undefined][] = [['loss', r.loss], ...Object.entries(r.terms ?? {}), ['lr', r.lr]];
    for (const [name, v] of values) {
      if (typeof v !== 'number') continue;
      this.series(name, changed).push(r.step, Number.isFinite(v) ? v : null);
      changed.train.add(name);
    }
  }

  private addEval(r: EvalRecord, changed: { eval: boolean; newSeries: boolean }): void {
    const split = r.split ?? 'val';
    // The accuracy chart follows one split: 'val' when the run has it, else the first one seen.
    if (this.chartSplit === null || (split === 'val' && this.chartSplit !== 'val' && this.evalSteps.length === 0)) this.chartSplit = split;
    if (split === this.chartSplit) {
      const values: Record<string, number> = { ...(r.accuracy ?? {}) };
      if (typeof r.mean_accuracy === 'number') values.mean = r.mean_accuracy;
      const n = this.evalSteps.length;
      this.evalSteps.push(r.step);
      for (const [task, v] of Object.entries(values)) {
        if (!this.accuracy.has(task)) { this.accuracy.set(task, Array(n).fill(null)); changed.newSeries = true; }
        this.accuracy.get(task)!.push(v);
      }
      for (const col of this.accuracy.values()) if (col.length === n) col.push(null);
      if (r.majority) this.chance = r.majority;
      changed.eval = true;
    }
    if (r.diagnostics) this.diagnostics.push({ step: r.step, split, values: flattenNumbers(r.diagnostics) });
  }
}
