// Pretraining benchmark: examples per second and wall time of each stage of the
// base's curriculum (scripts/pretrain-base.sh), run as that script runs it
// (`latent-lab pretrain`, each stage from the previous stage's base).
//
//   node scripts/build.mjs && npx tsc -p . && node out/bench/pretrain.js              # 100 steps per stage
//   node out/bench/pretrain.js --steps 0                                               # the whole rebuild (~25 min)
// Wall time is the run's own (training, its periodic evaluations and the final val evaluation),
// not the card's test evaluation, so a short run understates examples/s a little.
// Every row records os.loadavg() before and after: the machine is shared.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** The curriculum's stage files, in the order scripts/pretrain-base.sh runs them (its one definition). */
function stagesOf(root: string): string[] {
  const script = fs.readFileSync(path.join(root, 'scripts', 'pretrain-base.sh'), 'utf8');
  return [...script.matchAll(/dist\/cli\.js pretrain (examples\/[\w-]+\.experiment\.yaml)/g)].map((m) => m[1]);
}
const arg = (name: string, dflt: string) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? process.argv[i + 1] : dflt; };

interface StageSummary { wall_seconds: number; step: number }

function main(): void {
  const steps = Number(arg('steps', '100'));   // 0: each file's own budget
  const root = path.resolve(__dirname, '..', '..');
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'll-bench-pretrain-'));
  const rows: string[] = [];
  let initFrom: string | undefined;
  let totalWall = 0, totalExamples = 0;
  const stages = stagesOf(root);
  if (stages.length === 0) throw new Error('no `dist/cli.js pretrain examples/….experiment.yaml` line in scripts/pretrain-base.sh');
  try {
    stages.forEach((file, i) => {
      const out = path.join(work, `stage${i + 1}`);
      const args = ['dist/cli.js', 'pretrain', file, '--out', out, '--ship', path.join(out, 'base'), '--quiet',
        ...(initFrom ? ['--init-from', initFrom] : []), ...(steps > 0 ? ['--max-steps', String(steps)] : [])];
      const loadBefore = os.loadavg()[0];
      const r = spawnSync('node', args, { cwd: root, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`${file}: latent-lab pretrain exited ${r.status}\n${r.stderr}`);
      const summary = JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8')) as StageSummary;
      const config = JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8')) as { train: { batch_size: number } };
      const examples = summary.step * config.train.batch_size;
      totalWall += summary.wall_seconds;
      totalExamples += examples;
      rows.push(`| ${i + 1} | ${path.basename(file)} | ${summary.step} | ${summary.wall_seconds.toFixed(1)} | ${(examples / summary.wall_seconds).toFixed(1)} | ${loadBefore.toFixed(2)} → ${os.loadavg()[0].toFixed(2)} |`);
      initFrom = path.join(out, 'base', 'checkpoint');
    });
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  console.log(`pretraining, ${steps > 0 ? `${steps} steps per stage` : 'each stage\'s full budget'}, ${os.cpus().length} cores`);
  console.log('| stage | file | steps | wall s | examples/s | load 1 min (before → after) |');
  console.log('|---|---|---|---|---|---|');
  for (const row of rows) console.log(row);
  console.log(`| all | | | ${totalWall.toFixed(1)} | ${(totalExamples / totalWall).toFixed(1)} | |`);
}

main();
