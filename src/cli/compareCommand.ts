// `latent-lab compare DIR...`: final metrics of runs side by side, mean ± std
// over the seeds of each configuration, as a Markdown table (what the README's
// evidence tables are made with). The same grouping as the Compare Runs panel.

import * as path from 'node:path';
import { findRunDirs, readCompareRun } from '../core/runLabels';
import { formatMeanStd, groupByLabel, selectMetrics } from '../core/compareStats';
import { parse, usageError } from './trainCommand';

const HELP = `usage: latent-lab compare DIR... [--metrics m1,m2,...]

Finds every run at or below each DIR (a run, a sweep folder, a folder of runs),
groups runs that differ only in their seed, and prints one Markdown row per
group with each final metric as mean ± std (n = number of seeds).

  --metrics LIST   comma-separated metric names to show, e.g.
                   mean_accuracy,accuracy.counting,diagnostics.drop_latents.mean_accuracy,
                   test_time_scaling.steps=4 (a valr run's accuracy with at most 4 reasoning steps),
                   test_time_scaling.K=0 (a valr run's accuracy with 0 latents per step);
                   PREFIX.* shows every metric under PREFIX (chance.*: each task's chance)
                   (default: every metric the runs report)
`;

export async function runCompareCommand(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) { process.stdout.write(HELP); return 0; }
  const parsed = parse(args, ['metrics'], []);
  if (typeof parsed === 'string') return usageError(parsed, HELP);
  if (parsed.positional.length === 0) return usageError('compare needs at least one DIR', HELP);
  const dirs = parsed.positional.flatMap((d) => findRunDirs(path.resolve(d)));
  if (dirs.length === 0) {
    process.stderr.write(`latent-lab: no run directories (folders with config.json) under ${parsed.positional.join(', ')}\n`);
    return 1;
  }
  const { metrics, groups } = groupByLabel(dirs.map(readCompareRun));
  const wanted = parsed.flags.get('metrics');
  const { shown, unknown } = typeof wanted === 'string'
    ? selectMetrics(metrics, wanted.split(',').map((m) => m.trim()).filter(Boolean)) : { shown: metrics, unknown: [] };
  if (unknown.length) process.stderr.write(`latent-lab: no run reports ${unknown.join(', ')}; known metrics: ${metrics.join(', ')}\n`);
  const lines = [
    `| config | runs | ${shown.join(' | ')} |`,
    `|---|---|${shown.map(() => '---').join('|')}|`,
    ...groups.map((g) => `| ${g.label} | ${g.runs.length} | ${shown.map((m) => formatMeanStd(g.stats[m])).join(' | ')} |`),
  ];
  process.stdout.write(lines.join('\n') + '\n');
  return 0;
}
