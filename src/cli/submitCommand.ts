// `latent-lab submit FILE --to slurm|k8s|ray`: hands a sweep to a cluster scheduler,
// one array task / completion index / job per configuration (src/core/sweepPlan.ts).
// SLURM: writes the batch script into the sweep folder, runs sbatch, records the job
// in sweep.json. Kubernetes and Ray: prints the manifest / submit lines (--dry-run).

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ClusterConfig, ExperimentConfig } from '../core/experiment';
import { InvalidExperimentError } from '../core/problems';
import { runFolderName, SWEEP_FILES } from '../core/runLayout';
import { planSweep, type SweepEntry } from '../core/sweepPlan';
import { loadExperiment } from '../core/validator';
import { clusterValueProblems } from '../core/validate/clusterChecks';
import { dnsLabel, kubernetesIndexedJob, raySubmitLines } from './cluster/otherSchedulers';
import { isActiveState, sbatchSubmit, squeueTasks } from './cluster/slurmCommands';
import { indicesProblem, slurmBatchScript, slurmPathProblem } from './cluster/slurmScript';
import { newSweepRecord, readSweepRecord, writeSweepRecord, type SweepRecord } from './cluster/sweepRecord';
import { intFlag, parse, printInvalid, usageError } from './trainCommand';
import { writeFileAtomic } from '../core/atomicWrite';

const SCHEDULERS = ['slurm', 'k8s', 'ray'] as const;
type Scheduler = (typeof SCHEDULERS)[number];

/** Flag → cluster field; a flag overrides the experiment's `cluster:` field. */
const CLUSTER_FLAGS: Record<string, keyof ClusterConfig> = {
  partition: 'partition', time: 'time', 'cpus-per-task': 'cpus_per_task', gpus: 'gpus', mem: 'mem',
  'max-parallel': 'max_parallel', image: 'image',
};
const NUMERIC: (keyof ClusterConfig)[] = ['cpus_per_task', 'gpus', 'max_parallel'];
const TRAIN_FLAGS = ['backend', 'threads', 'max-steps'];

const HELP = `usage: latent-lab submit FILE --to slurm|k8s|ray [--out SWEEP_DIR | --runs-dir DIR] [--dry-run]
       [--indices LIST] [--partition P] [--time T] [--cpus-per-task N] [--gpus N] [--mem M]
       [--max-parallel N] [--image IMAGE] [--backend B] [--threads N] [--max-steps N]

Hands the sweep of FILE to a cluster scheduler: configuration I (the order
'latent-lab train FILE --list-sweep' prints) is array task / completion index I,
running 'latent-lab train FILE --sweep-index I --out SWEEP_DIR'. Scheduler settings
come from the experiment's cluster: block; these flags override them.

  --to S            slurm: write SWEEP_DIR/submit.slurm and sbatch it (prints the job id)
                    k8s: print a Kubernetes Indexed Job manifest (needs --dry-run)
                    ray: print one 'ray job submit' line per configuration (needs --dry-run)
  --out SWEEP_DIR   the sweep folder (default: <runs-dir>/<YYYYMMDD-HHMMSS>-<name>). Submitting
                    into an existing sweep folder runs its indices again: completed runs are left
                    alone, unfinished ones resume from their last checkpoint.
  --runs-dir DIR    parent of a new sweep folder (default: the experiment's output.runs_dir)
  --dry-run         print what would be submitted; create nothing
  --indices LIST    slurm: only these indices, e.g. 2 or 0,3 or 1-2 (default: all)
  --backend B, --threads N, --max-steps N   passed to every 'latent-lab train'

Then: 'latent-lab status SWEEP_DIR'. Details: docs/cluster.md.
`;

interface SubmitPlan {
  experimentFile: string;
  config: ExperimentConfig;
  entries: SweepEntry[];
  sweepDir: string;
  cluster: ClusterConfig;
  trainFlags: string[];
  jobName: string;
  indices: string;
}

export async function runSubmitCommand(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) { process.stdout.write(HELP); return 0; }
  const parsed = parse(args, ['to', 'out', 'runs-dir', 'indices', ...Object.keys(CLUSTER_FLAGS), ...TRAIN_FLAGS], ['dry-run']);
  if (typeof parsed === 'string') return usageError(parsed, HELP);
  if (parsed.positional.length !== 1) return usageError('submit needs exactly one experiment FILE', HELP);
  const to = parsed.flags.get('to');
  if (!SCHEDULERS.includes(to as Scheduler)) return usageError(`--to must be one of ${SCHEDULERS.join(', ')}${to === undefined ? '' : `, got '${String(to)}'`}`, HELP);
  const dryRun = parsed.flags.has('dry-run');
  if (to !== 'slurm' && !dryRun) return usageError(`--to ${String(to)} only prints what to submit: add --dry-run (Latent Lab submits to SLURM only)`, HELP);
  if (to !== 'slurm' && parsed.flags.has('indices')) return usageError(`--indices is for --to slurm; --to ${String(to)} prints every index`, HELP);
  let plan: SubmitPlan | string;
  try {
    plan = makePlan(path.resolve(parsed.positional[0]), parsed.flags);
  } catch (err) {
    if (err instanceof InvalidExperimentError) return printInvalid(err);
    throw err;
  }
  if (typeof plan === 'string') return usageError(plan, HELP);
  if (to === 'k8s') { process.stdout.write(kubernetesIndexedJob({ ...plan, runCount: plan.entries.length })); return 0; }
  if (to === 'ray') { process.stdout.write(raySubmitLines({ ...plan, runCount: plan.entries.length }).join('\n') + '\n'); return 0; }
  return submitSlurm(plan, dryRun);
}

function makePlan(file: string, flags: Map<string, string | true>): SubmitPlan | string {
  const config = loadExperiment(file);
  const entries = planSweep(config);
  const out = flags.get('out');
  const runsDir = flags.get('runs-dir');
  if (typeof out === 'string' && typeof runsDir === 'string') return 'give --out or --runs-dir, not both';
  const sweepDir = typeof out === 'string' ? path.resolve(out)
    : path.join(typeof runsDir === 'string' ? path.resolve(runsDir) : config.output.runs_dir, runFolderName(config.name));
  const cluster: ClusterConfig = { ...(config.cluster ?? {}) };
  for (const [flag, field] of Object.entries(CLUSTER_FLAGS)) {
    const v = flags.get(flag);
    if (typeof v === 'string') (cluster as Record<string, unknown>)[field] = NUMERIC.includes(field) && /^-?\d+$/.test(v) ? Number(v) : v;
  }
  const flagOf = (field: string) => {
    const flag = Object.entries(CLUSTER_FLAGS).find(([, f]) => f === field)?.[0];
    return flag && flags.has(flag) ? `--${flag}` : `${file}: cluster.${field}`;
  };
  const problems = clusterValueProblems(cluster, flagOf);
  if (problems.length) return problems.join('\n');
  const trainFlags: string[] = [];
  for (const flag of TRAIN_FLAGS) {
    const v = flags.get(flag);
    if (v === undefined) continue;
    if (flag !== 'backend') { const n = intFlag(v, flag); if (typeof n === 'string') return n; }
    trainFlags.push(`--${flag}`, String(v));
  }
  const indices = flags.get('indices');
  const spec = typeof indices === 'string' ? indices : `0-${entries.length - 1}`;
  const bad = indicesProblem(spec, entries.length);
  if (bad) return bad;
  return { experimentFile: file, config, entries, sweepDir, cluster, trainFlags, jobName: dnsLabel(`latent-lab-${config.name}`), indices: spec };
}

function submitSlurm(plan: SubmitPlan, dryRun: boolean): number {
  const pathProblem = slurmPathProblem(plan.sweepDir);
  if (pathProblem) { process.stderr.write(`latent-lab: ${pathProblem}\n`); return 2; }
  const record = existingRecord(plan);
  if (typeof record === 'string') { process.stderr.write(`latent-lab: ${record}\n`); return 1; }
  const input = { ...plan, runCount: plan.entries.length, submittedAt: new Date().toISOString() };
  const script = slurmBatchScript(input);
  if (dryRun) { process.stdout.write(script); return 0; }

  const created = !fs.existsSync(plan.sweepDir);
  const n = record.submissions.length + 1;
  const scriptName = n === 1 ? SWEEP_FILES.script('slurm') : `${SWEEP_FILES.script('slurm')}.${n}`;
  const scriptPath = path.join(plan.sweepDir, scriptName);
  fs.mkdirSync(path.join(plan.sweepDir, SWEEP_FILES.schedulerLogs), { recursive: true });
  writeFileAtomic(scriptPath, script);   // the project's one atomic writer: sbatch never reads half a script
  fs.chmodSync(scriptPath, 0o755);
  const answer = sbatchSubmit(scriptPath);
  if ('error' in answer) {
    if (created) fs.rmSync(plan.sweepDir, { recursive: true, force: true });
    else fs.rmSync(scriptPath, { force: true });
    process.stderr.write(`latent-lab: ${answer.error}\n`);
    return 1;
  }
  record.submissions.push({ scheduler: 'slurm', job_id: answer.jobId, indices: plan.indices, script: scriptName, time: input.submittedAt });
  writeSweepRecord(plan.sweepDir, record);
  process.stdout.write([
    `sweep folder: ${plan.sweepDir}`,
    `batch script: ${scriptPath}`,
    `submitted SLURM job ${answer.jobId}: array ${plan.indices}, ${plan.entries.length} configuration${plan.entries.length === 1 ? '' : 's'} of ${plan.experimentFile}`,
    `watch it: latent-lab status ${plan.sweepDir}`,
  ].join('\n') + '\n');
  return 0;
}

// Submitting into an existing sweep folder is a resubmission: it must be the same
// sweep, and no earlier job may still be running it (two processes on one run).
function existingRecord(plan: SubmitPlan): SweepRecord | string {
  const record = readSweepRecord(plan.sweepDir);
  if (!record) return newSweepRecord(plan.experimentFile, plan.config.name, plan.entries);
  const same = record.experiment === plan.experimentFile && record.runs.length === plan.entries.length
    && record.runs.every((r, i) => r.folder === plan.entries[i].folder);
  if (!same) {
    return `${plan.sweepDir} holds a sweep of ${record.experiment} with ${record.runs.length} configurations, not these ${plan.entries.length} of ${plan.experimentFile}: submit into a new --out`;
  }
  const jobs = record.submissions.map((s) => s.job_id);
  const active = [...squeueTasks(jobs).tasks].filter(([, t]) => isActiveState(t.state)).map(([id, t]) => `${id} ${t.state}`);
  if (active.length > 0) {
    const busy = active.slice(0, 4).join(', ') + (active.length > 4 ? ', …' : '');
    return `an earlier job of ${plan.sweepDir} is still queued or running (${busy}): wait for it, or scancel it, then submit again`;
  }
  return record;
}
