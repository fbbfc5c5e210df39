// <sweep>/sweep.json: what `latent-lab submit` sent where, for `latent-lab status`
// and for the record. One submission per line of history; a resubmission of the
// same sweep folder appends to it.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { SWEEP_FILES } from '../../core/runLayout';
import type { SweepEntry } from '../../core/sweepPlan';
import { writeFileAtomic } from '../../core/atomicWrite';
import { READ_LIMITS, readTextBounded } from '../../core/boundedRead';

export interface SweepSubmission {
  scheduler: 'slurm';
  job_id: string;
  indices: string;              // array spec as submitted
  script: string;               // file name in the sweep folder
  time: string;                 // ISO
}

export interface SweepRecord {
  experiment: string;           // absolute path of the experiment file
  name: string;
  runs: { index: number; folder: string; label: string }[];
  submissions: SweepSubmission[];
}

export function sweepRecordPath(sweepDir: string): string {
  return path.join(sweepDir, SWEEP_FILES.record);
}

/** The record, undefined when there is none; a corrupt one is an error naming the file. */
export function readSweepRecord(sweepDir: string): SweepRecord | undefined {
  const file = sweepRecordPath(sweepDir);
  if (!fs.existsSync(file)) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(readTextBounded(file, READ_LIMITS.runJson, 'sweep record'));
  } catch (err) {
    throw new Error(`${file} is not valid JSON (${err instanceof Error ? err.message : String(err)}): restore it or delete it (the run directories are unaffected)`);
  }
  const r = value as Partial<SweepRecord>;
  if (typeof r !== 'object' || r === null || !Array.isArray(r.runs) || !Array.isArray(r.submissions) || typeof r.experiment !== 'string') {
    throw new Error(`${file} is not a sweep record (needs experiment, runs and submissions): restore it or delete it`);
  }
  return r as SweepRecord;
}

export function newSweepRecord(experiment: string, name: string, entries: SweepEntry[]): SweepRecord {
  return { experiment, name, runs: entries.map((e) => ({ index: e.index, folder: e.folder, label: e.label })), submissions: [] };
}

export function writeSweepRecord(sweepDir: string, record: SweepRecord): void {
  fs.mkdirSync(sweepDir, { recursive: true });
  writeFileAtomic(sweepRecordPath(sweepDir), JSON.stringify(record, null, 2) + '\n');
}
