// LIVR §4.4.1's diagnostics as the evaluation computes them (src/engine/eval/evaluate.ts):
// "latents removed" is the sequence without the latent rows and columns, and under
// the bottleneck with the latents removed the answer cannot depend on the image,
// exactly, for every mask variant that promises it (the paper's sanity check).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { LivrMask } from '../../src/core/experiment';
import { loadExperiment } from '../../src/core/validator';
import { tf } from '../../src/engine/backend';
import { evaluate, variantInputs, variantsFor } from '../../src/engine/eval/evaluate';
import { latentDiversity, latentSwap, swapLogits } from '../../src/engine/eval/latentProbes';
import { bottleneckMask } from '../../src/engine/model/masks';
import { SEGMENT } from '../../src/engine/model/segments';
import { startBackend } from '../../src/engine/run';
import { buildSession, type Session } from '../../src/engine/session';
import { tinyExperiment, writeExperiment } from './runFixture';

async function sessionWith(mask: LivrMask): Promise<{ session: Session; dir: string }> {
  // Two layers: the image reaches a latent in layer 1 and the answer reads that latent in layer 2.
  const file = writeExperiment(tinyExperiment({
    model: { patch_size: 4, d_vision: 32, vision_layers: 1, vision_heads: 2, d_model: 32, layers: 2, heads: 2 },
    method: { kind: 'livr', livr: { mask, stage1_epochs: 1, stage2_epochs: 1 } },
  }));
  const cfg = loadExperiment(file);
  await startBackend(cfg);
  return { session: await buildSession(cfg), dir: path.dirname(file) };
}

/** Logits at the rows that predict the answer, for the examples and for the same examples with other images. */
function answerLogits(session: Session, name: 'bottleneck_drop_latents' | 'bottleneck' | 'drop_latents'): { same: Float32Array; other: Float32Array } {
  const examples = session.splits.val.slice(0, 6);
  const shuffled = examples.map((e, i) => ({ ...e, image: examples[(i + 1) % examples.length].image }));
  const run = (exs: typeof examples) => {
    const { enc, mask } = variantInputs(session, exs, name);
    const V = enc.vocabSize;
    return tf.tidy(() => {
      const logits = session.model.forward(session.tensors(enc, mask)).logits.dataSync() as Float32Array;
      const rows: number[] = [];
      for (let i = 0; i < enc.B * enc.T; i++) if (enc.lossMask[i] > 0) rows.push(...logits.subarray(i * V, (i + 1) * V));
      return Float32Array.from(rows);
    });
  };
  return { same: run(examples), other: run(shuffled) };
}

const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0);

describe('LIVR §4.4.1 diagnostics', function () {
  this.timeout(120000);
  const dirs: string[] = [];
  after(() => { for (const d of dirs) fs.rmSync(d, { recursive: true, force: true }); });

  it('bottleneck + latents removed: other images change no answer logit, exactly (answer_and_prompt, …latent_to_prompt)', async () => {
    for (const mask of ['answer_and_prompt', 'answer_prompt_latent_to_prompt'] as const) {
      const { session, dir } = await sessionWith(mask);
      dirs.push(dir);
      try {
        const blind = answerLogits(session, 'bottleneck_drop_latents');
        assert.ok(blind.same.length > 0);
        assert.equal(maxDiff(blind.same, blind.other), 0, `${mask}: the answer saw the image`);
        // Not vacuous: with the latents in place the image reaches the answer through them.
        const through = answerLogits(session, 'bottleneck');
        assert.ok(maxDiff(through.same, through.other) > 1e-5, `${mask}: the latents carry nothing`);
      } finally {
        session.dispose();
      }
    }
  });

  it('answer_only does not promise it: the <sep> that predicts the answer still sees the image', async () => {
    const { session, dir } = await sessionWith('answer_only');
    dirs.push(dir);
    try {
      const leak = answerLogits(session, 'bottleneck_drop_latents');
      assert.ok(maxDiff(leak.same, leak.other) > 1e-5);
    } finally {
      session.dispose();
    }
  });

  it('latents removed means rows and columns: no latent position in the sequence, the answer right after <sep>', async () => {
    const { session, dir } = await sessionWith('answer_and_prompt');
    dirs.push(dir);
    try {
      const exs = session.splits.val.slice(0, 3);
      const full = variantInputs(session, exs, 'causal').enc;
      const removed = variantInputs(session, exs, 'drop_latents').enc;
      assert.ok(full.segments.includes(SEGMENT.latent));
      assert.ok(!removed.segments.includes(SEGMENT.latent));
      const K = session.layout.latentCount;
      for (let b = 0; b < 3; b++) assert.equal(removed.length[b], full.length[b] - K);
      assert.deepEqual(variantsFor(['drop_latents', 'bottleneck_mask'], true), ['causal', 'drop_latents', 'bottleneck', 'bottleneck_drop_latents']);
      assert.deepEqual(variantsFor(['drop_latents', 'bottleneck_mask'], false), ['causal', 'bottleneck']);
    } finally {
      session.dispose();
    }
  });

  it('evaluate reports the four diagnostics with the majority beside them and leaves no tensor', async () => {
    const { session, dir } = await sessionWith('answer_and_prompt');
    dirs.push(dir);
    try {
      const before = tf.memory().numTensors;
      const r = await evaluate(session, 'val', { step: 0, maxExamples: 0, diagnostics: ['drop_latents', 'bottleneck_mask', 'answer_latent_attention', 'latent_swap', 'latent_diversity'] });
      assert.equal(tf.memory().numTensors, before);
      const d = r.diagnostics;
      for (const k of ['drop_latents', 'bottleneck_mask', 'bottleneck_drop_latents'] as const) assert.ok(d[k] && d[k]!.mean_accuracy >= 0 && d[k]!.mean_accuracy <= 1, k);
      assert.ok(d.answer_latent_attention! > 0 && d.answer_latent_attention! < 1);
      assert.ok(r.majority && Object.keys(r.majority).length === 2);
      assert.ok(d.latent_swap && d.latent_swap.followed >= 0 && d.latent_swap.followed <= 1);
      assert.ok(d.latent_diversity && Math.abs(d.latent_diversity.across_examples) <= 1 + 1e-6 && Math.abs(d.latent_diversity.across_positions) <= 1 + 1e-6);
    } finally {
      session.dispose();
    }
  });

  it('latent swap: A with the latents of (A\'s text, C\'s image) answers as (A\'s text, C\'s image), up to rounding, under the bottleneck, not under the causal mask', async () => {
    // Under answer_and_prompt the answer-predicting rows see the image only through the latents.
    const { session, dir } = await sessionWith('answer_and_prompt');
    dirs.push(dir);
    try {
      const exs = session.splits.val.slice(0, 8);
      const before = tf.memory().numTensors;
      // The same session, every forward under the bottleneck instead of the causal mask.
      const bottleneck: Session = { ...session, tensors: (enc) => session.tensors(enc, bottleneckMask(enc.segments, enc.B, enc.T, 'answer_and_prompt')) };
      const b = await swapLogits(bottleneck, exs);
      const c = await swapLogits(session, exs);
      assert.equal(tf.memory().numTensors, before);
      for (let i = 0; i < exs.length; i++) {
        // Equal up to float32 rounding of rows computed at other batch positions (|logit| ≈ 1, a few ulp),
        // while the other image itself moves these logits by ~3e-5 at init.
        assert.ok(maxDiff(b.swapped[i], b.other[i]) <= 1e-6, `example ${i}: the answer follows the latents' image (max diff ${maxDiff(b.swapped[i], b.other[i])})`);
        assert.ok(maxDiff(b.other[i], b.own[i]) > 1e-5, `example ${i}: the other image changes the answer logits`);
      }
      // Under the causal mask the answer also reads A's own image: it does not follow exactly.
      assert.ok(c.swapped.some((x, i) => maxDiff(x, c.other[i]) > 1e-5));
      const count = await latentSwap(bottleneck, exs);
      assert.equal(count.followed, count.differing, 'every differing answer follows');
      const div = await latentDiversity(session, exs);
      assert.equal(div.examplePairs, session.layout.latentCount * (8 * 7) / 2);
      assert.equal(div.positionPairs, 8 * (session.layout.latentCount * (session.layout.latentCount - 1)) / 2);
      assert.ok(Math.abs(div.acrossExamples / div.examplePairs) <= 1 + 1e-6);
      assert.equal(tf.memory().numTensors, before);
    } finally {
      session.dispose();
    }
  });
});
