// `latent-lab train FILE --list-sweep` and `latent-lab train FILE --sweep-index I --out SWEEP_DIR`:
// one configuration of a sweep per process, so a scheduler's array index maps to
// one run (src/core/sweepPlan.ts). Running an index again is what a requeued or
// resubmitted task does: a completed run is left alone, an unfinished one resumes
// from its last checkpoint, one that died before any checkpoint starts over.

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ExperimentConfig } from '../core/experiment';
import { InvalidExperimentError } from '../core/problems';
import { isSweepRecordFile, runPaths } from '../core/runLayout';
import { configDifferences, describeSweep, entryAt, entryRunDir, indexRunState, planSweep, type SweepEntry } from '../core/sweepPlan';
import { loadExperiment } from '../core/validator';
import type { RunOptions, RunResult } from '../engine/run';
import { printInvalid } from './trainCommand';
import { READ_LIMITS, readTextBounded } from '../core/boundedRead';

export function runListSweep(file: string): number {
  try {
    const entries = planSweep(loadExperiment(file));
    process.stdout.write(describeSweep(entries, file).join('\n') + '\n');
    return 0;
  } catch (err) {
    if (err instanceof InvalidExperimentError) return printInvalid(err);
    throw err;
  }
}

/** Runs entry `index` of FILE's sweep in SWEEP_DIR; returns the exit code (0 done or nothing to do, 1 failed). */
export async function runSweepIndex(file: string, index: number, sweepDir: string, opts: RunOptions,
  say: (line: string) => void): Promise<number> {
  let entry: SweepEntry | string;
  try {
    entry = entryAt(planSweep(loadExperiment(file)), index, file);
  } catch (err) {
    if (err instanceof InvalidExperimentError) return printInvalid(err);
    throw err;
  }
  if (typeof entry === 'string') { process.stderr.write(`latent-lab: ${entry}\n`); return 2; }
  const runDir = entryRunDir(path.resolve(sweepDir), entry);
  const what = `sweep index ${index}${entry.label ? ` (${entry.label})` : ''}`;
  const state = indexRunState(runDir);
  if (state.kind === 'completed') {
    say(`${what} already completed in ${runDir}: nothing to do`);
    return 0;
  }
  if (state.kind === 'foreign') {
    process.stderr.write(`latent-lab: ${runDir} exists and is not a run directory (no config.json): ${what} cannot run there; choose another --out\n`);
    return 1;
  }
  const engine = await import('../engine/run');
  const planned = engine.withRunOverrides(entry.config, opts);
  if (state.kind !== 'fresh') {
    const refusal = changedConfigRefusal(runDir, planned, what);
    if (refusal) { process.stderr.write(`latent-lab: ${refusal}\n`); return 1; }
  }
  let result: RunResult;
  if (state.kind === 'resume') {
    say(`${what}: resuming the ${state.status} run in ${runDir} from ${path.basename(state.checkpoint)}`);
    result = await engine.resumeRun(runDir, opts);
  } else {
    if (state.kind === 'restart') {
      say(`${what}: the run in ${runDir} stopped before its first checkpoint; starting it over`);
      clearRunFiles(runDir);
    }
    result = await engine.startRun(entry.config, readTextBounded(file, READ_LIMITS.experiment, 'experiment file'), runDir, opts);
  }
  say(`run ${result.status}: ${result.runDir}`);
  return result.status === 'failed' ? 1 : 0;
}

// A run continues only with the configuration it started with: an experiment file
// edited between submission and requeue would otherwise mix two configs in one run.
function changedConfigRefusal(runDir: string, planned: ExperimentConfig, what: string): string | undefined {
  let recorded: unknown;
  try {
    recorded = JSON.parse(readTextBounded(runPaths(runDir).config, READ_LIMITS.runJson, 'run config'));
  } catch (err) {
    return `${runPaths(runDir).config} cannot be read (${err instanceof Error ? err.message : String(err)}): delete ${runDir} to run ${what} again`;
  }
  const diff = configDifferences(recorded, planned);
  if (diff.length === 0) return undefined;
  const shown = diff.slice(0, 5).join(', ') + (diff.length > 5 ? `, … (${diff.length} fields)` : '');
  return `${runDir} was started with a different configuration than ${what} has now (differs in ${shown}): ` +
    'the experiment file or the command-line overrides changed since; run it into a new --out, or restore the file';
}

// Only the run's own files go: in an experiment without a sweep the run directory
// is the sweep folder, and what `submit` kept there stays.
function clearRunFiles(runDir: string): void {
  for (const name of fs.readdirSync(runDir)) {
    if (!isSweepRecordFile(name)) fs.rmSync(path.join(runDir, name), { recursive: true, force: true });
  }
}
