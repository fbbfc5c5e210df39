// The learning-rate schedule as the dashboard states it, including the case a
// reader would otherwise miss: a warmup at least as long as the run, so the
// learning rate never reaches `train.optimizer.lr`.
import type { ExperimentConfig } from './experiment';

export function describeSchedule(schedule: ExperimentConfig['train']['schedule'] | undefined, totalSteps: number | undefined): string | undefined {
  if (!schedule) return undefined;
  const text = `${schedule.kind}, warmup ${schedule.warmup_steps} steps`;
  if (totalSteps && totalSteps > 0 && schedule.warmup_steps >= totalSteps) {
    return `${text}: longer than the run's ${totalSteps} steps, so the learning rate never reaches its peak (lower train.schedule.warmup_steps)`;
  }
  return text;
}
