// The sbatch script of a sweep: one array task per configuration index, each
// running `latent-lab train FILE --sweep-index $SLURM_ARRAY_TASK_ID --out SWEEP_DIR`.
// Requeue-safe by construction: a task that runs again resumes its own run.

import * as path from 'node:path';
import type { ClusterConfig } from '../../core/experiment';
import { SWEEP_FILES } from '../../core/runLayout';
import { trainCommandLine, type LaunchTarget } from './launchCommand';

export interface SlurmScriptInput extends LaunchTarget {
  jobName: string;
  runCount: number;
  indices: string;              // array spec: "0-3", "2", "0,3"
  cluster: ClusterConfig;
  submittedAt: string;          // ISO, for the record
}

export function slurmBatchScript(s: SlurmScriptInput, node?: string, cli?: string): string {
  const c = s.cluster;
  const logs = path.join(s.sweepDir, SWEEP_FILES.schedulerLogs);
  const options = [
    `--job-name=${s.jobName}`,
    `--array=${s.indices}${c.max_parallel ? `%${c.max_parallel}` : ''}`,
    `--output=${logs}/%A_%a.out`,
    '--open-mode=append',        // a requeued task adds to its log instead of replacing it
    '--requeue',
    ...(c.partition ? [`--partition=${c.partition}`] : []),
    ...(c.time ? [`--time=${c.time}`] : []),
    ...(c.cpus_per_task ? [`--cpus-per-task=${c.cpus_per_task}`] : []),
    ...(c.gpus ? [`--gpus=${c.gpus}`] : []),
    ...(c.mem ? [`--mem=${c.mem}`] : []),
    ...(c.sbatch ?? []),
  ];
  return [
    '#!/bin/bash',
    ...options.map((o) => `#SBATCH ${o}`),
    `# Written by latent-lab submit at ${s.submittedAt}: ${s.runCount} configuration${s.runCount === 1 ? '' : 's'} of`,
    `# ${s.experimentFile}`,
    '# Array task I trains configuration I (latent-lab train FILE --list-sweep) into its run',
    `# directory under ${s.sweepDir}. A requeued or resubmitted task resumes its run`,
    '# from the last checkpoint; a completed run is left alone.',
    'set -eu',
    ...(c.setup ?? []),
    `exec ${trainCommandLine(s, '"$SLURM_ARRAY_TASK_ID"', node, cli)}`,
    '',
  ].join('\n');
}

/** #SBATCH lines are not shell: a path with whitespace or '%' cannot be written there. */
export function slurmPathProblem(sweepDir: string): string | undefined {
  return /[\s%]/.test(sweepDir)
    ? `the sweep folder ${sweepDir} contains whitespace or '%', which an #SBATCH --output line cannot hold: choose --out (or --runs-dir) without them`
    : undefined;
}

/** Validates an array spec ("0-3", "1,4-5") against the number of configurations; an error message or undefined. */
export function indicesProblem(spec: string, runCount: number): string | undefined {
  if (!/^\d+(-\d+)?(,\d+(-\d+)?)*$/.test(spec)) return `--indices '${spec}' is not an index list: write e.g. 2 or 0,3 or 1-2`;
  for (const part of spec.split(',')) {
    const [a, b = a] = part.split('-').map(Number);
    if (a > b) return `--indices: range ${part} runs backwards: write ${b}-${a}`;
    if (b >= runCount) return `--indices: index ${b} is out of range: the experiment has ${runCount} configuration${runCount === 1 ? '' : 's'}, indices 0 to ${runCount - 1}`;
  }
  return undefined;
}

/** The indices an array spec names, in order. */
export function expandIndices(spec: string): number[] {
  return spec.split(',').flatMap((part) => {
    const [a, b = a] = part.split('-').map(Number);
    return Array.from({ length: b - a + 1 }, (_, i) => a + i);
  });
}
