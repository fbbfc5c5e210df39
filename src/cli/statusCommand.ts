// `latent-lab status SWEEP_DIR [--json]`: each run of a sweep folder, from the run
// directories plus squeue / sacct for the jobs that `submit` recorded.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { sacctTasks, squeueTasks } from './cluster/slurmCommands';
import { formatStatus, sweepStatusRows } from './cluster/sweepStatus';
import { readSweepRecord } from './cluster/sweepRecord';
import { parse, usageError } from './trainCommand';

const HELP = `usage: latent-lab status SWEEP_DIR [--json]

Shows each run of a sweep folder (one written by 'latent-lab submit', or by
'latent-lab train' of a sweep): its state, step and final accuracy from its run
directory, and, for submitted sweeps, its SLURM task from squeue (queued or
running) or sacct (finished; needs SLURM accounting).

  --json    one JSON object: { sweepDir, runs: [...], notes: [...] }
`;

export async function runStatusCommand(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) { process.stdout.write(HELP); return 0; }
  const parsed = parse(args, [], ['json']);
  if (typeof parsed === 'string') return usageError(parsed, HELP);
  if (parsed.positional.length !== 1) return usageError('status needs exactly one SWEEP_DIR', HELP);
  const sweepDir = path.resolve(parsed.positional[0]);
  if (!fs.existsSync(sweepDir) || !fs.statSync(sweepDir).isDirectory()) {
    process.stderr.write(`latent-lab: ${sweepDir} is not a folder: give the sweep folder 'latent-lab submit' printed\n`);
    return 2;
  }
  const record = readSweepRecord(sweepDir);
  const jobs = [...new Set(record?.submissions.map((s) => s.job_id) ?? [])];
  const queue = jobs.length ? squeueTasks(jobs) : { tasks: new Map(), notes: [] };
  // sacct only when squeue no longer shows some task (the controller forgets finished jobs); it needs accounting.
  const runCount = record?.runs.length ?? 0;
  const accounting = jobs.length && queue.tasks.size < runCount ? sacctTasks(jobs) : { tasks: new Map(), notes: [] };
  const rows = sweepStatusRows(sweepDir, record, queue, accounting);
  const notes = [...queue.notes, ...accounting.notes];
  if (rows.length === 0) notes.push('no run directories here yet');
  if (parsed.flags.has('json')) process.stdout.write(JSON.stringify({ sweepDir, runs: rows, notes }, null, 2) + '\n');
  else process.stdout.write(formatStatus(sweepDir, rows, notes).join('\n') + '\n');
  return 0;
}
