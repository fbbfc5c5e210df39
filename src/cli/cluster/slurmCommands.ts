// The SLURM client commands Latent Lab calls: sbatch to submit, squeue and sacct
// to read task states. Each answer is parsed here; a missing command or a refusal
// (e.g. sacct without accounting) becomes a note, never a crash.

import { spawnSync } from 'node:child_process';

export interface TaskState { state: string; detail: string }   // detail: squeue's reason, or sacct's exit code
export interface QueueAnswer { tasks: Map<string, TaskState>; notes: string[] }   // key: `<jobId>_<index>`

// squeue states of a task that has not ended (a resubmission must wait for these).
const ACTIVE_STATES = new Set(['PENDING', 'CONFIGURING', 'RUNNING', 'COMPLETING', 'SUSPENDED', 'REQUEUED', 'REQUEUE_HOLD', 'REQUEUE_FED',
  'RESIZING', 'SIGNALING', 'STAGE_OUT', 'STOPPED', 'RESV_DEL_HOLD']);

export function isActiveState(state: string): boolean {
  return ACTIVE_STATES.has(state);
}

type Runner = (cmd: string, args: string[]) => { status: number | null; stdout: string; stderr: string; error?: Error };

const run: Runner = (cmd, args) => {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '', error: r.error };
};

/** Submits a batch script; the job id, or an error message saying what to do. */
export function sbatchSubmit(scriptPath: string, runner: Runner = run): { jobId: string } | { error: string } {
  const r = runner('sbatch', ['--parsable', scriptPath]);
  if (r.error) return { error: `sbatch could not be run (${r.error.message}): submit from a machine with SLURM's client commands, or print the script with --dry-run` };
  if (r.status !== 0) return { error: `sbatch refused ${scriptPath} (exit ${r.status}): ${r.stderr.trim() || r.stdout.trim()}` };
  const jobId = r.stdout.trim().split(';')[0];
  if (!/^\d+$/.test(jobId)) return { error: `sbatch answered '${r.stdout.trim()}', not a job id` };
  return { jobId };
}

/** `squeue -h -r -t all -j ID -o %i|%T|%r` for each job: every task the controller still remembers (pending, running, and finished within MinJobAge). */
export function squeueTasks(jobIds: string[], runner: Runner = run): QueueAnswer {
  const answer: QueueAnswer = { tasks: new Map(), notes: [] };
  for (const id of jobIds) {
    const r = runner('squeue', ['-h', '-r', '-t', 'all', '-j', id, '-o', '%i|%T|%r']);
    if (r.error) { answer.notes.push(`squeue unavailable (${r.error.message})`); break; }
    if (r.status !== 0) continue;   // a job the controller no longer knows: not queued
    for (const [key, state, detail] of parseRows(r.stdout)) answer.tasks.set(key, { state, detail });
  }
  return answer;
}

/** `sacct -n -P -X -j IDS -o JobID,State,ExitCode`: how finished tasks ended (needs SLURM accounting). */
export function sacctTasks(jobIds: string[], runner: Runner = run): QueueAnswer {
  const answer: QueueAnswer = { tasks: new Map(), notes: [] };
  if (jobIds.length === 0) return answer;
  const r = runner('sacct', ['-n', '-P', '-X', '-j', jobIds.join(','), '-o', 'JobID,State,ExitCode']);
  if (r.error) answer.notes.push(`sacct unavailable (${r.error.message})`);
  else if (r.status !== 0) answer.notes.push(`sacct: ${(r.stderr.trim() || r.stdout.trim()).split('\n')[0].replace(/^sacct: /, '')}`);
  else for (const [key, state, detail] of parseRows(r.stdout)) answer.tasks.set(key, { state: state.split(' ')[0], detail });
  return answer;
}

// `12_3|RUNNING|None` lines; pending ranges that were not expanded (`12_[4-7]`) are kept as written.
function parseRows(text: string): [string, string, string][] {
  return text.split('\n').map((l) => l.trim()).filter(Boolean).map((l) => {
    const [key = '', state = '', detail = ''] = l.split('|');
    return [key, state, detail];
  });
}
