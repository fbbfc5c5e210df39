// What the extension reads and writes in a run directory, beyond the engine's own
// files (src/core/runLayout.ts): the engine's pid (so a reloaded window can tell a
// live run from a dead one), the last log lines, and marking a run failed when its
// engine process died without saying so. Pure Node: unit-tested without VS Code.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../../core/atomicWrite';
import { READ_LIMITS, readTextBounded } from '../../core/boundedRead';
import { findRunDirs } from '../../core/runLabels';
import { runPaths, safeSummary, type RunSummary } from '../../core/runLayout';
import { isProcessAlive } from '../../core/processAlive';
import { readPidFile } from '../../core/runLiveness';

/** The last `n` non-empty lines of the run's train.log. */
export function lastLogLines(runDir: string, n = 20): string[] {
  try {
    const text = readTextBounded(runPaths(runDir).log, READ_LIMITS.metrics, 'run log');
    return text.split('\n').filter((l) => l.trim()).slice(-n);
  } catch {
    return [];
  }
}

/**
 * Marks a run failed in summary.json (keeping everything else, and the directory),
 * with the reason and the last log lines, and appends the reason to train.log.
 * A run whose summary already says completed/stopped/failed is left alone: the
 * engine had the last word. Returns whether it wrote.
 */
export function markRunFailed(runDir: string, reason: string, extraLines: string[] = []): boolean {
  const p = runPaths(runDir);
  if (!fs.existsSync(runDir)) return false;
  const summary = safeSummary(runDir);   // torn summary: rewrite it
  if (summary && summary.status !== 'running') return false;
  const lines = [...lastLogLines(runDir, 20), ...extraLines].slice(-20);
  const now = new Date().toISOString();
  const next: RunSummary = {
    ...(summary ?? { name: path.basename(runDir), method: 'unknown', started: now, wall_seconds: 0, step: 0, total_steps: 0 }),
    status: 'failed',
    updated: now,
    error: lines.length ? `${reason}\nlast lines:\n${lines.join('\n')}` : reason,
  };
  writeFileAtomic(p.summary, JSON.stringify(next, null, 2) + '\n');
  fs.appendFileSync(p.log, `failed: ${reason}\n`);
  return true;
}

export type ReattachDecision =
  | { kind: 'alive'; runDir: string; pid: number }
  | { kind: 'dead'; runDir: string };

/**
 * After a window reload: the runs under `roots` whose summary says running and that
 * this extension started (they have engine.pid). A live pid is watched; a dead one
 * is marked failed. Runs without engine.pid (a terminal CLI run) are not ours: left alone.
 */
export function reattachDecisions(roots: string[], alive: (pid: number) => boolean = isProcessAlive): ReattachDecision[] {
  const out: ReattachDecision[] = [];
  for (const root of roots) {
    for (const runDir of findRunDirs(root)) {
      if (safeSummary(runDir)?.status !== 'running') continue;
      const rec = readPidFile(runDir);
      if (!rec) continue;
      out.push(alive(rec.pid) ? { kind: 'alive', runDir, pid: rec.pid } : { kind: 'dead', runDir });
    }
  }
  return out;
}

export const ENDED_WHILE_CLOSED = 'engine process ended while the window was closed';
