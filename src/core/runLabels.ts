// How runs are named and grouped when compared: runs that share a label are
// seeds of one configuration. A sweep's sub-run folder `00-lr=0.001,seed=1` in
// sweep folder `<stamp>-<name>` gets the label `<name> lr=0.001`.
// readCompareRun is one run as every comparison reads it (CLI compare, Compare Runs panel).

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CompareRun } from './compareStats';
import type { MetricRecord } from './metricRecords';
import { READ_LIMITS, readTextBounded } from './boundedRead';
import { parseSweepRunFolder, readMetrics, RUN_FILES, runPaths, safeSummary } from './runLayout';
import { liveSummary } from './runLiveness';

export interface RunLabel { name: string; label: string; seed?: number; params?: Record<string, string> }

export function runLabel(dir: string): RunLabel {
  // The experiment's name and seed from the run's config.json (written once, before training).
  let config: { name?: string; seed?: number } = {};
  try { config = JSON.parse(readTextBounded(runPaths(dir).config, READ_LIMITS.runJson, 'run config')) as typeof config; } catch { config = {}; }
  const base = path.basename(dir);
  const parent = path.basename(path.dirname(dir));
  const member = parseSweepRunFolder(base);
  const params = member ? member.parts.filter((p) => !p.startsWith('seed=')).join(',') : '';
  const label = `${config.name ?? (member ? parent : base)}${params ? ` ${params}` : ''}`;
  const swept = params ? Object.fromEntries(params.split(',').map((p) => p.split('=')).filter((kv) => kv.length === 2)) as Record<string, string> : undefined;
  return { name: member ? `${parent}/${base}` : base, label, seed: config.seed, ...(swept ? { params: swept } : {}) };
}

/** The sweep folder holding a run (`<stamp>-<name>/NN-lr=0.001,seed=1`), or undefined for a run of its own. */
export function sweepOf(dir: string): string | undefined {
  return parseSweepRunFolder(path.basename(dir)) ? path.dirname(dir) : undefined;
}

/** What tells a sweep's runs apart, from the sub-run folder name: `lr=0.001 · seed 1`. */
export function sweepMemberLabel(dir: string): string {
  return (parseSweepRunFolder(path.basename(dir))?.parts ?? [])
    .map((p) => (p.startsWith('seed=') ? `seed ${p.slice(5)}` : p)).join(' · ');
}

/** Every run directory at or below `root` (a run, a sweep folder, or a folder of runs). */
export function findRunDirs(root: string): string[] {
  if (fs.existsSync(runPaths(root).config)) return [root];
  let entries: fs.Dirent[] = [];
  try { entries = fs.readdirSync(root, { withFileTypes: true }); } catch { return []; }
  return entries.filter((e) => e.isDirectory() && e.name !== RUN_FILES.checkpoints && e.name !== RUN_FILES.captures)
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((e) => findRunDirs(path.join(root, e.name)));
}

/**
 * The runs once each: the same run reached by two paths (a symlinked runs folder,
 * `a/../a`, a sweep folder and its sub-run both picked) counts once, by real path.
 * First-seen order; a path that no longer exists is dropped.
 */
export function uniqueRunDirs(dirs: string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const dir of dirs) {
    let real: string;
    try { real = fs.realpathSync(dir); } catch { continue; }
    if (!seen.has(real)) { seen.add(real); out.push(dir); }
  }
  return out;
}

/** A run for comparison: its label, seed, status, metrics.jsonl, and its test-time-scaling table as final metrics. */
export function readCompareRun(dir: string): CompareRun {
  const { name, label, seed, params } = runLabel(dir);
  const status = liveSummary(dir, safeSummary(dir))?.status;   // a running run whose engine is gone is failed
  const final = testTimeScalingMetrics(dir);
  return { name, label, seed, status, metrics: readMetrics(dir) as MetricRecord[], ...(params ? { params } : {}), ...(final ? { final } : {}) };
}

/**
 * `test_time_scaling.steps=n`: mean accuracy with at most n reasoning steps at inference (the paper's axis),
 * `test_time_scaling.K=k`: with k latents per step (valr runs).
 */
function testTimeScalingMetrics(dir: string): Record<string, number> | undefined {
  const file = runPaths(dir).testTimeScaling;
  if (!fs.existsSync(file)) return undefined;
  type Row = { latents_per_step?: number; reasoning_steps?: number; mean_accuracy: number | null };
  let report: { rows?: Row[]; reasoning_length?: Row[] };
  try { report = JSON.parse(readTextBounded(file, READ_LIMITS.runJson, 'test-time scaling table')) as typeof report; } catch { return undefined; }
  const out: Record<string, number> = {};
  for (const r of Array.isArray(report.reasoning_length) ? report.reasoning_length : []) {
    if (typeof r.mean_accuracy === 'number') out[`test_time_scaling.steps=${r.reasoning_steps}`] = r.mean_accuracy;
  }
  for (const r of Array.isArray(report.rows) ? report.rows : []) if (typeof r.mean_accuracy === 'number') out[`test_time_scaling.K=${r.latents_per_step}`] = r.mean_accuracy;
  return out;
}
