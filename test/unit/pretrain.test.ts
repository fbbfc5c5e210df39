// latent-lab pretrain on a tiny model, two curriculum stages: the shipped folder has a
// weights-only checkpoint, safetensors and a card whose stage history, source and
// init_from come from the stages themselves (relative paths, no machine paths).
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadCheckpoint } from '../../src/engine/checkpoint';
import { pretrainBase, type BaseCard } from '../../src/engine/pretrain';
import { tinyExperiment, writeExperiment } from './runFixture';

describe('pretrain (two stages)', function () {
  this.timeout(120000);
  let dir = '';
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('ships each stage with a card; stage 2\'s card lists both stages and a relative init_from', async () => {
    const doc = (name: string) => tinyExperiment({ name, kind: 'pretrain', latents: { count: 0 }, method: { kind: 'sft' }, train: { max_steps: 2 }, eval: { diagnostics: [] } });
    const easy = writeExperiment(doc('easy'));
    dir = path.dirname(easy);
    const full = path.join(dir, 'full.experiment.yaml');
    fs.copyFileSync(easy, full);
    fs.writeFileSync(full, fs.readFileSync(full, 'utf8').replace('name: easy', 'name: full'));
    const cwd = process.cwd();
    process.chdir(dir);   // the card names paths relative to where the command runs
    try {
      const one = await pretrainBase(easy, { outDir: path.join(dir, 'run-easy'), shipDir: path.join(dir, 'easy-base') });
      assert.equal(one.card.training.stages, undefined, 'a first stage has no history');
      const two = await pretrainBase(full, { outDir: path.join(dir, 'run-full'), shipDir: path.join(dir, 'base'), initFrom: path.join(dir, 'easy-base', 'checkpoint'), reproduce: 'bash build.sh' });
      const card = JSON.parse(fs.readFileSync(path.join(dir, 'base', 'card.json'), 'utf8')) as BaseCard;
      assert.deepEqual(card, JSON.parse(JSON.stringify(two.card)));
      assert.deepEqual(card.training.stages!.map((s) => [s.name, s.source, s.steps]), [['easy', 'tiny.experiment.yaml', 2], ['full', 'full.experiment.yaml', 2]]);
      assert.equal(card.source, 'tiny.experiment.yaml, then full.experiment.yaml');
      assert.equal(card.model.init_from, path.join('easy-base', 'checkpoint'));
      assert.equal(card.reproduce, 'bash build.sh');
      assert.deepEqual(Object.keys(card.test).sort(), ['counting', 'spatial_relation']);
      assert.ok(fs.existsSync(path.join(dir, 'base', 'model.safetensors')));
      assert.match(fs.readFileSync(path.join(dir, 'base', 'MODEL_CARD.md'), 'utf8'), /stage 1 \(tiny\.experiment\.yaml\) 2 steps.*then stage 2 \(full\.experiment\.yaml\) 2 steps/);
      const ckpt = loadCheckpoint(path.join(dir, 'base', 'checkpoint'));
      assert.ok(ckpt.weights.size > 10);
    } finally {
      process.chdir(cwd);
    }
  });
  it('the CLI records the command that made the base, with --init-from and --max-steps', () => {
    const file = writeExperiment(tinyExperiment({ name: 'cli', kind: 'pretrain', latents: { count: 0 }, method: { kind: 'sft' }, train: { max_steps: 2 }, eval: { diagnostics: [] } }));
    const tmp = path.dirname(file);
    try {
      const root = path.resolve(__dirname, '../../..');
      const first = path.join(tmp, 'first');
      execFileSync(process.execPath, [path.join(root, 'dist/cli.js'), 'pretrain', file, '--out', path.join(tmp, 'r1'), '--ship', first, '--quiet'], { stdio: 'pipe' });
      execFileSync(process.execPath, [path.join(root, 'dist/cli.js'), 'pretrain', file, '--out', path.join(tmp, 'r2'), '--ship', path.join(tmp, 'second'),
        '--init-from', path.join(first, 'checkpoint'), '--max-steps', '1', '--quiet'], { stdio: 'pipe' });
      const card = JSON.parse(fs.readFileSync(path.join(tmp, 'second', 'card.json'), 'utf8')) as BaseCard;
      assert.match(card.reproduce, /^node dist\/cli\.js pretrain \S+ --init-from \S+first\/checkpoint --max-steps 1 --ship \S+second$/);
      assert.equal(card.training.steps, 1);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});
