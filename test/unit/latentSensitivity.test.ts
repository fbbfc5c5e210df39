// eval.diagnostics latent_sensitivity (eval/latentProbes.ts): how far the latent
// states move when only the image changes vs when only the question changes.
// Exact invariants make the test able to fail: latents of a model that cannot see
// the image do not move with it (0 exactly), and latents placed before the
// question do not move with the question (0 exactly).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describeEval } from '../../src/core/events';
import { loadExperiment } from '../../src/core/validator';
import { tf } from '../../src/engine/backend';
import { evaluate } from '../../src/engine/eval/evaluate';
import { latentSensitivity, relativeMove } from '../../src/engine/eval/latentProbes';
import { startBackend } from '../../src/engine/run';
import { buildSession, type Session } from '../../src/engine/session';
import { tinyExperiment, writeExperiment } from './runFixture';

const dirs: string[] = [];

async function sessionWith(livr: Record<string, unknown>): Promise<Session> {
  const file = writeExperiment(tinyExperiment({
    model: { patch_size: 4, d_vision: 32, vision_layers: 1, vision_heads: 2, d_model: 32, layers: 2, heads: 2 },
    method: { kind: 'livr', livr: { stage1_epochs: 1, stage2_epochs: 1, ...livr } },
  }));
  dirs.push(path.dirname(file));
  const cfg = loadExperiment(file);
  await startBackend(cfg);
  return buildSession(cfg);
}

/** A model whose image tokens are the same for every image: the projector's output weight zeroed (output = its bias). */
function blindToImages(session: Session): void {
  const out = [...session.model.variables].filter(([name, v]) => name.startsWith('projector.out') && v.rank === 2);
  assert.equal(out.length, 1, 'the projector has one output weight');
  out[0][1].assign(tf.zerosLike(out[0][1]));
}

describe('latent sensitivity diagnostic', function () {
  this.timeout(120000);
  after(() => { for (const d of dirs) fs.rmSync(d, { recursive: true, force: true }); });

  it('relativeMove is Σ‖b−a‖ / Σ‖a‖ and 0 exactly for equal states', () => {
    const a = [Float32Array.from([3, 4]), Float32Array.from([0, 5])];
    assert.equal(relativeMove(a, a.map((x) => Float32Array.from(x))), 0);
    assert.equal(relativeMove(a, [Float32Array.from([0, 0]), Float32Array.from([0, 5])]), 5 / 10);
  });

  it('latents after the prompt move with the image and with the question; blind to the image: image 0 exactly', async () => {
    const session = await sessionWith({});
    try {
      const exs = session.splits.val;
      const before = tf.memory().numTensors;
      const seeing = await latentSensitivity(session, exs);
      assert.equal(tf.memory().numTensors, before);
      assert.ok(seeing.imagePairs > 0 && seeing.questionPairs > 0, 'the batch has pairs that differ');
      assert.ok(seeing.image > 1e-4, `image ${seeing.image}`);
      assert.ok(seeing.question > 1e-4, `question ${seeing.question}`);
      blindToImages(session);
      const blind = await latentSensitivity(session, exs);
      assert.equal(blind.imagePairs, seeing.imagePairs);
      assert.equal(blind.image, 0, 'latents that cannot see the image do not move with it');
      assert.ok(blind.question > 1e-4);
    } finally {
      session.dispose();
    }
  });

  it('latents placed before the question (prompt tuning) do not move with it: question 0 exactly', async () => {
    const session = await sessionWith({ control: 'prompt_tuning' });
    try {
      const r = await latentSensitivity(session, session.splits.val);
      assert.ok(r.questionPairs > 0);
      assert.equal(r.question, 0);
      assert.ok(r.image > 1e-4);
    } finally {
      session.dispose();
    }
  });

  it('is one eval switch: evaluate stores it, the CLI prints it; skipped without latents', async () => {
    const session = await sessionWith({});
    try {
      const r = await evaluate(session, 'val', { step: 0, maxExamples: 0, diagnostics: ['latent_sensitivity'] });
      const s = r.diagnostics.latent_sensitivity;
      assert.ok(s && s.image > 0 && s.question > 0 && s.image_pairs > 0 && s.question_pairs > 0);
      assert.ok(describeEval(r).some((l) => /latent sensitivity: +image changed \d\.\d{3}, question changed \d\.\d{3}/.test(l)));
    } finally {
      session.dispose();
    }
    const none = await sessionWith({ control: 'mask_only' });
    try {
      const r = await evaluate(none, 'val', { step: 0, maxExamples: 0, diagnostics: ['latent_sensitivity'] });
      assert.equal(r.diagnostics.latent_sensitivity, undefined);
    } finally {
      none.dispose();
    }
  });
});
