// Two-stage methods (livr, valr): which stage a training step belongs to.
//
// The stage follows training progress, not epochs, so that train.max_steps
// shortens both stages in proportion instead of cutting stage 2 off: stage 1
// is the first stage1 / (stage1 + stage2) of the run's total steps
// (total = epochs × steps/epoch, capped by train.max_steps), stage 2 the rest.
// Uncapped, that boundary is exactly the first step of epoch `stage1`, the
// same as counting epochs. When both stages are configured and the run has
// at least two steps, each gets at least one step.

import type { TrainingProgress } from './types';

/** Steps of stage 1 in a run of `totalSteps` steps. */
export function stage1Steps(stage1Epochs: number, stage2Epochs: number, totalSteps: number): number {
  const epochs = stage1Epochs + stage2Epochs;
  if (epochs <= 0 || stage2Epochs <= 0) return totalSteps;
  if (stage1Epochs <= 0) return 0;
  const steps = Math.round((totalSteps * stage1Epochs) / epochs);
  return totalSteps >= 2 ? Math.min(totalSteps - 1, Math.max(1, steps)) : steps;
}

/** True when the step at `progress` (or, without it, `epoch`) is in stage 1. */
export function inStage1(stage1Epochs: number, stage2Epochs: number, epoch: number, progress?: TrainingProgress): boolean {
  if (!progress) return epoch < stage1Epochs;
  return progress.step < stage1Steps(stage1Epochs, stage2Epochs, progress.totalSteps);
}
