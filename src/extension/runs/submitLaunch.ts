// What "Submit Sweep" asks the CLI (`latent-lab submit`) and how it reads the answer.
// Pure: no vscode, so the unit tests check it. The extension never submits itself.

export type SubmitTarget = 'slurm' | 'k8s' | 'ray';
export const SUBMIT_TARGETS: SubmitTarget[] = ['slurm', 'k8s', 'ray'];

/** CLI arguments for `latentLab.submit.target`; Kubernetes and Ray are printed (--dry-run), never applied. */
export function submitArgs(file: string, target: SubmitTarget, runsFolder: string | undefined): string[] {
  return ['submit', file, '--to', target, ...(target === 'slurm' ? [] : ['--dry-run']), ...(runsFolder ? ['--runs-dir', runsFolder] : [])];
}

export interface SlurmSubmitted { jobId: string; sweepDir: string }

/** The job id and sweep folder from `latent-lab submit --to slurm`'s output, or undefined. */
export function parseSubmitted(stdout: string): SlurmSubmitted | undefined {
  const jobId = /^submitted SLURM job (\d+)/m.exec(stdout)?.[1];
  const sweepDir = /^sweep folder: (.+)$/m.exec(stdout)?.[1];
  return jobId && sweepDir ? { jobId, sweepDir } : undefined;
}

/** The setting's value, or 'slurm' for anything unknown (a hand-edited settings.json). */
export function submitTarget(value: unknown): SubmitTarget {
  return SUBMIT_TARGETS.includes(value as SubmitTarget) ? (value as SubmitTarget) : 'slurm';
}
