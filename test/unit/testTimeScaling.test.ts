// VaLR test-time scaling on the paper's axis (seeds/002, Figure 2: accuracy vs
// reasoning length): at most N' reasoning steps at inference, K latents each.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadExperiment } from '../../src/core/validator';
import { tf } from '../../src/engine/backend';
import { scalingMarkdown, testTimeScaling } from '../../src/engine/eval/testTimeScaling';
import { generateBatch } from '../../src/engine/eval/valrGenerate';
import { valrSequenceLengthOf } from '../../src/engine/methods/valr';
import { SPECIAL } from '../../src/engine/model/sequence';
import { startBackend } from '../../src/engine/run';
import { buildSession, type Session } from '../../src/engine/session';
import { tinyExperiment, writeExperiment } from './runFixture';

const dirs: string[] = [];

async function valrSession(reasoningSteps: number[]): Promise<Session> {
  const file = writeExperiment(tinyExperiment({
    data: { image_size: 16, max_text_tokens: 40, tasks: [{ name: 'counting', train: 8, val: 4, test: 4 }] },
    latents: { count: 2, placement: 'interleaved' },
    method: { kind: 'valr', valr: { max_steps: 2, stage1_epochs: 1, stage2_epochs: 1, test_time_reasoning_steps: reasoningSteps, test_time_steps: [1], repa: { enabled: false } } },
    eval: { diagnostics: [] },
  }));
  dirs.push(path.dirname(file));
  const cfg = loadExperiment(file);
  await startBackend(cfg);
  return buildSession(cfg);
}

/** Makes `<latent>` the argmax at every position: ln_f outputs a fixed direction e₀ and the <latent> row points along it. */
function alwaysChoosesLatent(session: Session): void {
  const v = session.model.variables;
  const d = session.model.shape.d;
  const e0 = tf.oneHot(0, d).cast('float32');
  v.get('decoder.ln_f.weight')!.assign(tf.zeros([d]));
  v.get('decoder.ln_f.bias')!.assign(e0);
  const embed = v.get('decoder.token_embed')!;
  const rows = embed.shape[0];
  const mask = tf.oneHot(SPECIAL.latStart, rows).cast('float32').reshape([rows, 1]);                 // [V, 1]
  const forced = tf.add(tf.mul(embed, tf.sub(1, mask)), tf.mul(mask, tf.mul(e0, 100).reshape([1, d])));   // [V, d]
  embed.assign(forced);
  tf.dispose([e0, mask, forced]);
}

describe('VaLR test-time scaling: accuracy vs reasoning length', function () {
  this.timeout(120000);
  after(() => { for (const d of dirs) fs.rmSync(d, { recursive: true, force: true }); });

  it('the sequence length fits the largest N\' (or max_steps)', async () => {
    const s = await valrSession([1, 2]);
    try {
      const patches = 16;
      const at = (steps: number[]) => valrSequenceLengthOf({ ...s.config, method: { ...s.config.method, valr: { ...s.config.method.valr, test_time_reasoning_steps: steps } } }, patches);
      assert.equal(at([1]), at([2]), 'max_steps 2 already fits N\' ≤ 2');
      assert.equal(at([5]) - at([2]), 3 * (2 + 2), 'three more blocks of <latent> K=2 </latent>');
      assert.equal(s.layout.T, at([1, 2]));
    } finally {
      s.dispose();
    }
  });

  it('at most N\' steps: a model that always wants a latent block gets exactly N\' of them, and the generation grows with N\'', async () => {
    const s = await valrSession([1, 2, 4]);
    try {
      alwaysChoosesLatent(s);
      const exs = s.splits.val;
      const before = tf.memory().numTensors;
      const lengths: number[] = [];
      for (const n of [1, 2, 4]) {
        const gen = await generateBatch(s, exs, { latentsPerStep: 2, maxSteps: n, feedback: 'embedding' });
        for (const g of gen) assert.equal(g.tokens.filter((t) => t === SPECIAL.latStart).length, n, `N'=${n}`);
        lengths.push(gen[0].length);
      }
      assert.equal(tf.memory().numTensors, before);
      // The sequence fills up either way (the forced model never writes <eos>): the same length.
      assert.ok(lengths.every((l) => l === lengths[0] && l > 0), lengths.join(', '));
    } finally {
      s.dispose();
    }
  });

  it('the report sweeps N\' first (the paper\'s axis) and keeps latents per step second', async () => {
    const s = await valrSession([1, 2]);
    try {
      const r = await testTimeScaling(s, 'val', 0, 0);
      assert.deepEqual(r.reasoning_length.map((x) => x.reasoning_steps), [1, 2]);
      for (const row of r.reasoning_length) assert.ok(row.mean_accuracy >= 0 && row.mean_accuracy <= 1 && row.mean_generated_length > 0);
      assert.deepEqual(r.rows.map((x) => x.latents_per_step), [1]);
      assert.equal(r.trained_reasoning_steps, 2);
      const md = scalingMarkdown(r);
      assert.match(md, /## Accuracy vs reasoning length \(VaLR Figure 2\)/);
      assert.match(md, /\| reasoning steps \| mean length \| mean accuracy \| counting \|/);
      assert.ok(md.indexOf('reasoning steps |') < md.indexOf('latents per step |'));
    } finally {
      s.dispose();
    }
  });
});
