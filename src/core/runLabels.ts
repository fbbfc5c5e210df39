// How runs are named and grouped when compared: runs that share a label are
// seeds of one configuration. A sweep's sub-run folder `00-lr=0.001,seed=1` in
// sweep folder `<stamp>-<name>` gets the label `<name> lr=0.001`.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { readSummary, runPaths } from './runLayout';

export interface RunLabel { name: string; label: string; seed?: number }

export function runLabel(dir: string): RunLabel {
  const summary = readSummary(dir);
  let seed: number | undefined;
  try { seed = (JSON.parse(fs.readFileSync(runPaths(dir).config, 'utf8')) as { seed?: number }).seed; } catch { seed = undefined; }
  const base = path.basename(dir);
  const parent = path.basename(path.dirname(dir));
  const inSweep = /^\d+-/.test(base) && !/^\d{8}-\d{6}-/.test(base);
  const params = inSweep ? base.replace(/^\d+-/, '').split(',').filter((p) => !/^seed=/.test(p)).join(',') : '';
  const label = `${summary?.name ?? (inSweep ? parent : base)}${params ? ` ${params}` : ''}`;
  return { name: inSweep ? `${parent}/${base}` : base, label, seed };
}

/** Every run directory at or below `root` (a run, a sweep folder, or a folder of runs). */
export function findRunDirs(root: string): string[] {
  if (fs.existsSync(runPaths(root).config)) return [root];
  let entries: fs.Dirent[] = [];
  try { entries = fs.readdirSync(root, { withFileTypes: true }); } catch { return []; }
  return entries.filter((e) => e.isDirectory() && e.name !== 'checkpoints' && e.name !== 'captures')
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((e) => findRunDirs(path.join(root, e.name)));
}
