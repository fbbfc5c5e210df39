// Learning-rate schedule: linear warmup from 0 to `lr` over `warmup_steps`,
// then constant, cosine or linear decay that reaches 0 at the last step.
// A pure function of the step index, so a resumed run gets the same lr.

import type { TrainConfig } from '../core/experiment';

/** lr for the step with 0-based index `step` of a run of `totalSteps` steps. */
export function learningRateAt(step: number, totalSteps: number, train: Pick<TrainConfig, 'optimizer' | 'schedule'>): number {
  const peak = train.optimizer.lr;
  const warmup = Math.min(train.schedule.warmup_steps, Math.max(0, totalSteps - 1));
  if (step < warmup) return (peak * (step + 1)) / (warmup + 1);
  if (train.schedule.kind === 'constant') return peak;
  const decaySteps = Math.max(1, totalSteps - 1 - warmup);
  const progress = Math.min(1, Math.max(0, (step - warmup) / decaySteps));   // 0 → 1
  if (train.schedule.kind === 'cosine') return peak * 0.5 * (1 + Math.cos(Math.PI * progress));
  return peak * (1 - progress);   // linear
}
