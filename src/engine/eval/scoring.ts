// What an evaluation scores and how it counts. The one-pass check (evaluate.ts) and
// VaLR's generation (valrGenerate.ts) take the same examples, tally exact matches
// the same way and write the same record, so their accuracies compare.

import type { EvalMetrics } from '../../core/events';
import { majorityByTask } from './chance';
import type { Example } from '../data/example';

/** Per task: the first `max` examples of the split (all when 0), in split order; refuses an empty result. */
export function examplesToScore(all: Example[], split: 'val' | 'test', max: number): Example[] {
  const seen = new Map<string, number>();
  const examples = max <= 0 ? all : all.filter((e) => {
    const n = seen.get(e.task) ?? 0;
    seen.set(e.task, n + 1);
    return n < max;
  });
  if (examples.length === 0) throw new Error(`eval: the ${split} split is empty; set data.tasks[].${split} above 0 or choose eval.split`);
  return examples;
}

/** Exact matches counted per task. */
export class Tally {
  private readonly correct = new Map<string, number>();
  private readonly total = new Map<string, number>();

  /** ok[i]: whether examples[i] was answered exactly. */
  add(examples: Example[], ok: ArrayLike<number | boolean>): void {
    examples.forEach((ex, i) => {
      this.total.set(ex.task, (this.total.get(ex.task) ?? 0) + 1);
      this.correct.set(ex.task, (this.correct.get(ex.task) ?? 0) + (ok[i] ? 1 : 0));
    });
  }

  /** Accuracy per task, and their unweighted mean. */
  accuracy(): { accuracy: Record<string, number>; mean_accuracy: number } {
    const acc: Record<string, number> = {};
    for (const [task, n] of this.total) acc[task] = (this.correct.get(task) ?? 0) / n;
    const values = Object.values(acc);
    return { accuracy: acc, mean_accuracy: values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0 };
  }
}

/** The metrics.jsonl record of an evaluation of `examples`: `main`'s accuracy, their chance level, the diagnostics. */
export function evalRecord(step: number, split: 'val' | 'test', examples: Example[], main: Tally, diagnostics: EvalMetrics['diagnostics']): EvalMetrics {
  return {
    type: 'eval', step, split, examples: examples.length, ...main.accuracy(),
    majority: majorityByTask(examples), diagnostics, time: new Date().toISOString(),
  };
}
