// The index contract every scheduler shares: configuration I of an experiment is
// entry I of expandSweep, and it runs in <sweep>/<sweepRunFolderName(I, label)>
// (the sweep folder itself for an experiment without a sweep). One index is one
// run, so a SLURM array task, a Kubernetes completion index or a Ray job maps to
// exactly one run directory, and running an index again continues that run.
// Pure Node (fs + path), no tfjs: `submit` and `status` load no engine.

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ExperimentConfig } from './experiment';
import { isSweepRecordFile, latestCheckpoint, runPaths, safeSummary, sweepRunFolderName } from './runLayout';
import { expandSweep } from './validator';
import { isPlainObject } from './validate/extendsChain';

export interface SweepEntry {
  index: number;
  label: string;                 // what differs: `field=value,...,seed=N`; '' without a sweep
  folder: string;                // relative to the sweep folder; '' without a sweep
  config: ExperimentConfig;
}

export function planSweep(config: ExperimentConfig): SweepEntry[] {
  const entries = expandSweep(config);
  return entries.map((e, index) => ({
    index, label: e.label, config: e.config,
    folder: entries.length === 1 ? '' : sweepRunFolderName(index, e.label),
  }));
}

export function entryRunDir(sweepDir: string, entry: Pick<SweepEntry, 'folder'>): string {
  return entry.folder ? path.join(sweepDir, entry.folder) : sweepDir;
}

/** The entry at `index`, or an error message naming the valid range. */
export function entryAt(entries: SweepEntry[], index: number, file: string): SweepEntry | string {
  if (Number.isInteger(index) && index >= 0 && index < entries.length) return entries[index];
  return `--sweep-index ${index} is out of range: ${file} has ${entries.length} configuration${entries.length === 1 ? '' : 's'}, ` +
    `indices 0 to ${entries.length - 1} (latent-lab train FILE --list-sweep lists them)`;
}

/** What running an index again must do with the run directory it finds. */
export type IndexRunState =
  | { kind: 'fresh' }                                  // nothing there yet
  | { kind: 'completed' }                              // finished: nothing to do
  | { kind: 'resume'; checkpoint: string; status: string }
  | { kind: 'restart' }                                // a run that died before its first checkpoint
  | { kind: 'foreign' };                               // a non-empty folder that is not a run directory

export function indexRunState(runDir: string): IndexRunState {
  if (!fs.existsSync(runDir)) return { kind: 'fresh' };
  const p = runPaths(runDir);
  if (!fs.existsSync(p.config)) {
    const contents = fs.readdirSync(runDir).filter((n) => !isSweepRecordFile(n));
    return contents.length === 0 ? { kind: 'fresh' } : { kind: 'foreign' };
  }
  const summary = safeSummary(runDir);
  if (summary?.status === 'completed') return { kind: 'completed' };
  const checkpoint = latestCheckpoint(runDir);
  if (checkpoint && fs.existsSync(checkpoint)) return { kind: 'resume', checkpoint, status: summary?.status ?? 'unknown' };
  return { kind: 'restart' };
}

/**
 * Dotted paths where a run's recorded config.json differs from the config an index
 * would run now (the experiment file was edited after the run started). `cluster`
 * is where and how to schedule, not what to train, so it is not compared.
 */
export function configDifferences(recorded: unknown, planned: unknown, at = ''): string[] {
  if (at === 'cluster') return [];
  if (isPlainObject(recorded) && isPlainObject(planned)) {
    const keys = [...new Set([...Object.keys(recorded), ...Object.keys(planned)])].sort();
    return keys.flatMap((k) => configDifferences(recorded[k], planned[k], at ? `${at}.${k}` : k));
  }
  return JSON.stringify(recorded) === JSON.stringify(planned) ? [] : [at || '(whole config)'];
}

/** `latent-lab train FILE --list-sweep`: one line per index, with the folder and what differs. */
export function describeSweep(entries: SweepEntry[], file: string): string[] {
  const head = `${entries.length} configuration${entries.length === 1 ? '' : 's'} in ${file} ` +
    `(latent-lab train FILE --sweep-index I --out SWEEP_DIR runs one):`;
  const width = Math.max(...entries.map((e) => (e.folder || '.').length));
  return [head, ...entries.map((e) => `  ${String(e.index).padStart(3)}  ${(e.folder || '.').padEnd(width)}  ${e.label || '(no sweep: the experiment as written)'}`)];
}
