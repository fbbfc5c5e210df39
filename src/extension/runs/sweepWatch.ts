// Watches a submitted sweep folder so the Runs view fills in as the cluster's tasks
// write their runs. Polls (a shared cluster filesystem such as NFS sends no change
// events for writes made on other machines) and stops once every run has ended.
// Pure Node (fs + core), no vscode.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { findRunDirs } from '../../core/runLabels';
import { safeSummary, SWEEP_FILES } from '../../core/runLayout';
import { liveSummary } from '../../core/runLiveness';
import { READ_LIMITS, readTextBounded } from '../../core/boundedRead';

/** One line per run directory: folder, status and step; changes whenever the view would. */
export function sweepSnapshot(sweepDir: string): string {
  return findRunDirs(sweepDir).map((d) => {
    const s = liveSummary(d, safeSummary(d));
    return `${path.relative(sweepDir, d)} ${s?.status ?? 'starting'} ${s?.step ?? 0}`;
  }).join('\n');
}

/** True once every run the sweep record lists has completed or failed. */
export function sweepEnded(sweepDir: string): boolean {
  let runs: { folder: string }[];
  try {
    runs = (JSON.parse(readTextBounded(path.join(sweepDir, SWEEP_FILES.record), READ_LIMITS.runJson, 'sweep record')) as { runs: { folder: string }[] }).runs;
  } catch {
    return false;
  }
  if (!Array.isArray(runs) || !runs.every((r) => typeof r?.folder === 'string')) return false;   // not a record this version wrote
  return runs.every((r) => {
    const dir = path.join(sweepDir, r.folder);
    const status = liveSummary(dir, safeSummary(dir))?.status;   // a task killed on the cluster ends as failed once its heartbeat is stale
    return status === 'completed' || status === 'failed';
  });
}

export class SweepWatch {
  private last = '';
  private readonly timer: NodeJS.Timeout;
  /** False once disposed (every run ended, or the extension went away). */
  active = true;

  constructor(private readonly sweepDir: string, private readonly onChange: () => void, intervalMs = 5000) {
    this.timer = setInterval(() => this.poll(), intervalMs);
    this.timer.unref?.();
  }

  poll(): void {
    const now = sweepSnapshot(this.sweepDir);
    if (now !== this.last) {
      this.last = now;
      this.onChange();
    }
    if (sweepEnded(this.sweepDir)) this.dispose();
  }

  dispose(): void {
    this.active = false;
    clearInterval(this.timer);
  }
}
