// The run directory: every file name in one place, and readers for the files
// the extension shows. Pure Node (fs + path), no tfjs.
//
//   <run>/config.json            resolved experiment config
//   <run>/experiment.yaml        copy of the source file as it was at start
//   <run>/metrics.jsonl          one JSON object per line (train / eval records)
//   <run>/summary.json           status, backend, best metric, final accuracies
//   <run>/train.log              every line the CLI printed
//   <run>/checkpoints/step-N/    checkpoint.json, weights.bin, optimizer.bin, tokenizer.json
//   <run>/checkpoints/latest     text file: the folder name of the newest checkpoint
//   <run>/captures/step-N.llcap  attention capture of the evaluation at step N
//   <run>/engine.pid             {pid, host, started} of the engine process; its mtime is the
//                                heartbeat (runLiveness.ts), removed when the engine ends

import * as fs from 'node:fs';
import * as path from 'node:path';
import { READ_LIMITS, readTextBounded } from './boundedRead';
import type { BackendReport, EvalMetrics, MetricsRecord, RunStatus } from './events';

export const RUN_FILES = {
  config: 'config.json',
  source: 'experiment.yaml',
  metrics: 'metrics.jsonl',
  summary: 'summary.json',
  log: 'train.log',
  testTimeScaling: 'test_time_scaling.json',   // valr: accuracy against latents per step
  testTimeScalingTable: 'test_time_scaling.md', // the same, as a Markdown table
  checkpoints: 'checkpoints',
  latest: 'latest',
  captures: 'captures',
  pid: 'engine.pid',
} as const;

/** File extension of an attention capture. */
export const CAPTURE_EXTENSION = '.llcap';

export const CHECKPOINT_FILES = {
  index: 'checkpoint.json',
  weights: 'weights.bin',
  optimizer: 'optimizer.bin',
  tokenizer: 'tokenizer.json',
} as const;

export interface RunSummary {
  name: string;
  method: string;
  status: RunStatus;
  started: string;                 // ISO
  updated: string;                 // ISO
  wall_seconds: number;
  step: number;
  total_steps: number;
  backend?: BackendReport;
  native_kernels?: string;         // which tfjs kernels ran natively (one line)
  best?: { metric: 'mean_accuracy'; value: number; step: number; split: string };
  final?: EvalMetrics;
  latest_checkpoint?: string;      // folder name under checkpoints/
  error?: string;                  // when status is 'failed'
}

export function runPaths(runDir: string) {
  const ckpts = path.join(runDir, RUN_FILES.checkpoints);
  return {
    dir: runDir,
    config: path.join(runDir, RUN_FILES.config),
    source: path.join(runDir, RUN_FILES.source),
    metrics: path.join(runDir, RUN_FILES.metrics),
    summary: path.join(runDir, RUN_FILES.summary),
    log: path.join(runDir, RUN_FILES.log),
    testTimeScaling: path.join(runDir, RUN_FILES.testTimeScaling),
    testTimeScalingTable: path.join(runDir, RUN_FILES.testTimeScalingTable),
    checkpoints: ckpts,
    latest: path.join(ckpts, RUN_FILES.latest),
    checkpoint: (step: number) => path.join(ckpts, checkpointFolderName(step)),
    captures: path.join(runDir, RUN_FILES.captures),
    capture: (step: number) => path.join(runDir, RUN_FILES.captures, `step-${step}${CAPTURE_EXTENSION}`),
    pid: path.join(runDir, RUN_FILES.pid),
  };
}

export function checkpointFolderName(step: number): string {
  return `step-${step}`;
}

const CHECKPOINT_FOLDER = /^step-(\d+)$/;

/** The step of a checkpoint folder name (`step-N`), or undefined for any other name. */
export function stepOfCheckpointFolder(name: string): number | undefined {
  const m = CHECKPOINT_FOLDER.exec(name);
  return m ? Number(m[1]) : undefined;
}

/** `runs/<YYYYMMDD-HHMMSS>-<name>` (local time), the default run folder name. */
export function runFolderName(name: string, when: Date = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const stamp = `${when.getFullYear()}${p(when.getMonth() + 1)}${p(when.getDate())}-${p(when.getHours())}${p(when.getMinutes())}${p(when.getSeconds())}`;
  const safe = name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'run';
  return `${stamp}-${safe}`;
}

/** Parses metrics.jsonl; a torn last line (a run killed mid-write) is skipped. */
export function readMetrics(runDir: string): MetricsRecord[] {
  const file = runPaths(runDir).metrics;
  if (!fs.existsSync(file)) return [];
  const out: MetricsRecord[] = [];
  for (const line of readTextBounded(file, READ_LIMITS.metrics, 'metrics file').split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as MetricsRecord);
    } catch {
      // torn line: ignore
    }
  }
  return out;
}

export function readSummary(runDir: string): RunSummary | undefined {
  const file = runPaths(runDir).summary;
  if (!fs.existsSync(file)) return undefined;
  return JSON.parse(readTextBounded(file, READ_LIMITS.runJson, 'run summary')) as RunSummary;
}

/** readSummary, or undefined when summary.json is missing or torn (a reader racing a writer). */
export function safeSummary(runDir: string): RunSummary | undefined {
  try { return readSummary(runDir); } catch { return undefined; }
}

/**
 * The newest checkpoint folder of a run (absolute), or undefined when there is none.
 * `latest` may only name a `step-N` folder of this run's checkpoints/: anything else
 * (a path, `..`) is refused, so a tampered run cannot make resume read elsewhere.
 */
export function latestCheckpoint(runDir: string): string | undefined {
  const p = runPaths(runDir);
  if (!fs.existsSync(p.latest)) return undefined;
  const name = readTextBounded(p.latest, 1024, 'checkpoints/latest file').trim();
  if (!name) return undefined;
  if (stepOfCheckpointFolder(name) === undefined) {
    throw new Error(`${p.latest} names '${name.slice(0, 80)}', which is not a checkpoint folder of this run (step-N): ` +
      `write the name of a folder under ${p.checkpoints} into it (e.g. the newest step-N), or delete it to start over`);
  }
  return path.join(p.checkpoints, name);
}

/** Is `dir` a run directory (has config.json) rather than a checkpoint folder? */
export function isRunDir(dir: string): boolean {
  return fs.existsSync(path.join(dir, RUN_FILES.config));
}

export function isCheckpointDir(dir: string): boolean {
  return fs.existsSync(path.join(dir, CHECKPOINT_FILES.index));
}

/** The run directory a checkpoint folder belongs to (`<run>/checkpoints/step-N`). */
export function runDirOfCheckpoint(ckptDir: string): string {
  return path.dirname(path.dirname(path.resolve(ckptDir)));
}

// A sweep folder holds one run directory per configuration, `NN-<label>` in the
// order of expandSweep (what `latent-lab train FILE --list-sweep` prints), plus
// what `latent-lab submit` keeps for the record:
//
//   <sweep>/sweep.json            the experiment, the runs by index, every submission (scheduler, job id)
//   <sweep>/submit.<scheduler>    the batch script as submitted (submit.slurm; a resubmission: submit.slurm.2, …)
//   <sweep>/scheduler-logs/       the scheduler's stdout/stderr per task
export const SWEEP_FILES = {
  record: 'sweep.json',
  script: (scheduler: string) => `submit.${scheduler}`,
  schedulerLogs: 'scheduler-logs',
} as const;

/** The run directory name of sweep entry `index` (two digits, then the label made file-safe). */
export function sweepRunFolderName(index: number, label: string): string {
  return `${String(index).padStart(2, '0')}-${label.replace(/[^A-Za-z0-9.=,_-]+/g, '_')}`;
}

/** A sweep run folder name read back: its index, its label (file-safe, as written) and the label's parts (`lr=0.001`, `seed=1`). */
export interface SweepRunFolder { index: number; label: string; parts: string[] }

/**
 * The one reader of sweepRunFolderName's names: `03-lr=0.001,seed=1` → index 3, label
 * `lr=0.001,seed=1`, parts [lr=0.001, seed=1]. Undefined for any other name, the `YYYYMMDD-HHMMSS-<name>` of
 * runFolderName included (a run or sweep folder of its own, not a member of a sweep).
 */
export function parseSweepRunFolder(name: string): SweepRunFolder | undefined {
  const m = /^(\d+)-(.*)$/.exec(name);
  if (!m || /^\d{8}-\d{6}-/.test(name)) return undefined;
  return { index: Number(m[1]), label: m[2], parts: m[2].split(',').filter(Boolean) };
}

/**
 * Is `name` (in a sweep folder) one of the files `submit` keeps? In an experiment
 * without a sweep the run directory is the sweep folder, and these files must not
 * make it look like "a folder of something else".
 */
export function isSweepRecordFile(name: string): boolean {
  return name === SWEEP_FILES.record || name.startsWith('submit.') || name === SWEEP_FILES.schedulerLogs;
}
