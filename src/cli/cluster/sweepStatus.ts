// What `latent-lab status SWEEP_DIR` shows: per configuration index, the run's own
// state (from its run directory: the truth for what trained) beside the scheduler's
// state of the newest task that ran that index (squeue, else sacct).

import * as fs from 'node:fs';
import * as path from 'node:path';
import { isRunDir, parseSweepRunFolder, safeSummary } from '../../core/runLayout';
import { liveSummary } from '../../core/runLiveness';
import type { QueueAnswer, TaskState } from './slurmCommands';
import { expandIndices } from './slurmScript';
import type { SweepRecord } from './sweepRecord';
import { entryRunDir } from '../../core/sweepPlan';

export interface RunRow {
  index: number;
  folder: string;
  label: string;
  runDir: string;
  status: string;               // the run's summary.status, or 'not started'
  step: number;
  totalSteps: number;
  meanAccuracy?: number;        // final evaluation
  task?: { id: string } & TaskState;   // the scheduler's view, where known
}

/** The runs of a sweep folder: from its sweep.json, else every run directory in it (or the folder itself). */
export function sweepRuns(sweepDir: string, record: SweepRecord | undefined): { index: number; folder: string; label: string }[] {
  if (record) return record.runs;
  if (isRunDir(sweepDir)) return [{ index: 0, folder: '', label: '' }];
  const folders = fs.existsSync(sweepDir) ? fs.readdirSync(sweepDir).filter((n) => isRunDir(path.join(sweepDir, n))).sort() : [];
  return folders.map((folder, i) => {
    const member = parseSweepRunFolder(folder);
    return { index: member?.index ?? i, folder, label: member?.label ?? folder };
  });
}

/** Job ids that ran each index, newest submission first. */
function jobsByIndex(record: SweepRecord | undefined): Map<number, string[]> {
  const jobs = new Map<number, string[]>();
  for (const s of [...(record?.submissions ?? [])].reverse()) {
    for (const i of expandIndices(s.indices)) jobs.set(i, [...(jobs.get(i) ?? []), s.job_id]);
  }
  return jobs;
}

export function sweepStatusRows(sweepDir: string, record: SweepRecord | undefined, queue: QueueAnswer, accounting: QueueAnswer): RunRow[] {
  const jobs = jobsByIndex(record);
  return sweepRuns(sweepDir, record).map((r) => {
    const runDir = entryRunDir(sweepDir, r);
    const summary = isRunDir(runDir) ? liveSummary(runDir, safeSummary(runDir)) : undefined;   // a dead engine shows as failed
    const row: RunRow = {
      index: r.index, folder: r.folder, label: r.label, runDir,
      status: summary?.status ?? (isRunDir(runDir) ? 'starting' : 'not started'),
      step: summary?.step ?? 0, totalSteps: summary?.total_steps ?? 0,
      ...(summary?.final ? { meanAccuracy: summary.final.mean_accuracy } : {}),
    };
    const job = jobs.get(r.index)?.[0];   // the newest submission that ran this index
    if (job) {
      const id = `${job}_${r.index}`;
      const state = queue.tasks.get(id) ?? accounting.tasks.get(id);
      row.task = { id, ...(state ?? { state: 'not in squeue', detail: '' }) };
    }
    return row;
  });
}

export function formatStatus(sweepDir: string, rows: RunRow[], notes: string[]): string[] {
  const counts = new Map<string, number>();
  for (const r of rows) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
  const lines = [`${sweepDir}: ${rows.length} run${rows.length === 1 ? '' : 's'} (${[...counts].map(([s, n]) => `${n} ${s}`).join(', ')})`];
  const width = Math.max(6, ...rows.map((r) => (r.folder || '.').length));
  lines.push(`  ${'index'.padStart(5)}  ${'folder'.padEnd(width)}  ${'run'.padEnd(11)}  ${'step'.padStart(11)}  ${'accuracy'.padStart(8)}  scheduler`);
  for (const r of rows) {
    const steps = r.totalSteps ? `${r.step}/${r.totalSteps}` : '-';
    const acc = r.meanAccuracy === undefined ? '-' : `${(100 * r.meanAccuracy).toFixed(1)}%`;
    const why = r.task?.state === 'PENDING' && r.task.detail && r.task.detail !== 'None' ? ` (${r.task.detail})` : '';
    const task = r.task ? `${r.task.id} ${r.task.state}${why}` : '-';
    lines.push(`  ${String(r.index).padStart(5)}  ${(r.folder || '.').padEnd(width)}  ${r.status.padEnd(11)}  ${steps.padStart(11)}  ${acc.padStart(8)}  ${task}`);
  }
  return [...lines, ...notes.map((n) => `  note: ${n}`)];
}
