// Which examples an evaluation scores: the one-pass check (eval.ts) and VaLR's
// generation (valrGenerate.ts) take the same ones, so their accuracies compare.
import type { Example } from './data/example';

/** Per task: the first `max` examples of the split (all when 0), in split order. */
export function evalExamples(all: Example[], max: number): Example[] {
  if (max <= 0) return all;
  const seen = new Map<string, number>();
  return all.filter((e) => {
    const n = seen.get(e.task) ?? 0;
    seen.set(e.task, n + 1);
    return n < max;
  });
}
