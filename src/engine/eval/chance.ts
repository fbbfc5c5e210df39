// Chance levels per task: what a model that ignores the image can reach. The
// evaluation prints the majority baseline beside its accuracy, and a base's card
// records both, so "above chance" is read off the same numbers everywhere.

import type { Example } from '../data/example';

export interface TaskChance {
  uniform: number;    // 1 / number of distinct answers the task gives
  majority: number;   // share of the most frequent evaluated answer: what a blind model can reach
}

/** Per task, the share of the most frequent answer among `examples`. */
export function majorityByTask(examples: Pick<Example, 'task' | 'answer'>[]): Record<string, number> {
  const counts = new Map<string, Map<string, number>>();
  for (const e of examples) {
    const ofTask = counts.get(e.task) ?? new Map<string, number>();
    ofTask.set(e.answer, (ofTask.get(e.answer) ?? 0) + 1);
    counts.set(e.task, ofTask);
  }
  const out: Record<string, number> = {};
  for (const [task, ofTask] of counts) {
    const values = [...ofTask.values()];
    out[task] = Math.max(...values) / values.reduce((a, b) => a + b, 0);
  }
  return out;
}

/** Chance per task of `test`: majority over the test answers, uniform over every answer seen in train or test. */
export function chanceByTask(train: Example[], test: Example[]): Record<string, TaskChance> {
  const majority = majorityByTask(test);
  const out: Record<string, TaskChance> = {};
  for (const task of Object.keys(majority)) {
    const answers = new Set(train.concat(test).filter((e) => e.task === task).map((e) => e.answer));
    out[task] = { uniform: 1 / answers.size, majority: majority[task] };
  }
  return out;
}
