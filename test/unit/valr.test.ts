// VaLR in the engine: the interleaved layout, continuous feedback against a
// step-by-step reference, an end-to-end run from examples/valr.experiment.yaml
// (tiny override) with its test-time-scaling table, and a flat tensor count.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { selectBackend, tf } from '../../src/engine/backend';
import { forwardWithFeedback, feedbackState, latentOrder, shiftRight } from '../../src/engine/model/continuousFeedback';
import { encodeValr, interleavedLayout, latentBlocks } from '../../src/engine/model/interleaved';
import { causalMask } from '../../src/engine/model/masks';
import { SEGMENT } from '../../src/engine/model/segments';
import { SPECIAL, toBatchTensors, disposeBatch, type EncodedBatch } from '../../src/engine/model/sequence';
import { createTinyVlm, type BatchTensors, type TinyVlm } from '../../src/engine/model/tinyVlm';
import { trainExperiment } from '../../src/engine/run';
import { examples, smallLatents, smallModel, tokenizer, IMAGE_SIZE } from './modelFixtures';
import { allowExamplesFolder } from './runFixture';

const K = 3;
const T = 64;

function rationaleExamples() {
  const ex = examples(2);
  ex[0] = { ...ex[0], rationale: ['count the red dots', 'there are two', 'the blue dots are left'] };
  ex[1] = { ...ex[1], rationale: ['how many dots', 'three'] };
  return ex;
}

/** Reference: one row at a time, each latent filled by a forward over the prefix only. */
function stepByStep(model: TinyVlm, enc: EncodedBatch, b: number): Float32Array {
  const d = model.shape.d;
  const row = (a: Int32Array) => a.slice(b * enc.T, (b + 1) * enc.T);
  const ids = row(enc.tokenIds), segs = row(enc.segments);
  const one: EncodedBatch = { ...enc, B: 1, tokenIds: ids, segments: segs, patches: enc.patches.slice(b * enc.P * enc.patchDim, (b + 1) * enc.P * enc.patchDim) };
  const input = new Float32Array(enc.T * d);
  for (let t = 0; t < enc.T; t++) {
    if (segs[t] !== SEGMENT.latent) continue;
    const prefix: EncodedBatch = { ...one, T: t, tokenIds: ids.slice(0, t), segments: segs.slice(0, t) };
    const h = tf.tidy(() => {
      const batch = toBatchTensors(prefix, causalMask(prefix.segments, 1, t));
      batch.latentInput = tf.tensor3d(input.slice(0, t * d), [1, t, d]);
      return feedbackState(model.forward(batch, { returnHidden: true })).dataSync();
    });
    input.set(h.slice((t - 1) * d, t * d), t * d);
  }
  return tf.tidy(() => {
    const batch = toBatchTensors(one, causalMask(segs, 1, enc.T));
    batch.latentInput = tf.tensor3d(input, [1, enc.T, d]);
    return model.forward(batch).logits.dataSync() as Float32Array;
  });
}

describe('VaLR', function () {
  this.timeout(600000);
  allowExamplesFolder();   // the end-to-end test's temp experiment extends examples/valr.experiment.yaml
  let start = 0;
  before(async () => { await selectBackend('wasm', { threads: 1 }); start = tf.memory().numTensors; });
  after(() => assert.equal(tf.memory().numTensors, start, 'no tensor left behind'));

  it('interleaved layout: <latent> K latents </latent> before each step, no CE at latents, max_steps respected', () => {
    const ex = rationaleExamples();
    const enc = encodeValr(ex, tokenizer, interleavedLayout(T, 4, K), 2);
    const blocks = latentBlocks(enc.segments, enc.B, enc.T);
    assert.deepEqual(blocks.map((r) => r.length), [2, 2], 'row 0 cut from 3 steps to max_steps = 2');
    for (let b = 0; b < 2; b++) {
      const ids = enc.tokenIds.slice(b * T, (b + 1) * T);
      for (const [s, block] of blocks[b].entries()) {
        assert.equal(block.length, K);
        assert.equal(ids[block[0] - 1], SPECIAL.latStart);
        assert.equal(ids[block[K - 1] + 1], SPECIAL.latEnd);
        const step = tokenizer.encode(ex[b].rationale[s]);
        assert.deepEqual([...ids.slice(block[K - 1] + 2, block[K - 1] + 2 + step.length)], step, 'the step follows its block');
        for (const t of block) assert.equal(enc.lossMask[b * T + t], 0, 'no CE at a latent position');
      }
      assert.ok(blocks[b][0][0] - 1 >= enc.answerStart[b], 'the first block comes after the prompt');
      const ans = tokenizer.encode(ex[b].answer);
      const sep = [...ids].lastIndexOf(SPECIAL.sep);
      assert.deepEqual([...ids.slice(sep + 1, sep + 1 + ans.length)], ans);
      assert.equal(enc.lossMask[b * T + sep], 1, 'the answer is trained');
    }
  });

  it('continuous feedback matches a step-by-step reference', () => {
    const model = createTinyVlm(smallModel(), smallLatents({ count: K, embedding: 'shared', placement: 'interleaved', feedback: 'hidden_state' }), tokenizer.size, T, 5, IMAGE_SIZE);
    try {
      const enc = encodeValr(rationaleExamples(), tokenizer, interleavedLayout(T, 4, K), 3);
      const batched = tf.tidy(() => {
        const batch = toBatchTensors(enc, causalMask(enc.segments, enc.B, enc.T));
        return forwardWithFeedback(model, batch).logits.dataSync() as Float32Array;
      });
      const plain = tf.tidy(() => model.forward(toBatchTensors(enc, causalMask(enc.segments, enc.B, enc.T))).logits.dataSync() as Float32Array);
      const V = model.shape.vocab;
      let gap = 0, differs = 0;
      for (let b = 0; b < enc.B; b++) {
        const ref = stepByStep(model, enc, b);
        for (let t = 0; t < enc.length[b]; t++) for (let v = 0; v < V; v++) {
          const i = (b * T + t) * V + v;
          gap = Math.max(gap, Math.abs(batched[i] - ref[t * V + v]));
          differs = Math.max(differs, Math.abs(batched[i] - plain[i]));
        }
      }
      assert.ok(gap < 1e-4, `batched feedback vs step-by-step: max |Δlogit| = ${gap}`);
      assert.ok(differs > 1e-3, 'feedback changes the logits (the states really are fed back)');
    } finally {
      model.dispose();
    }
  });

  it('continuous feedback on prefixes gives the gradients of full-length passes', () => {
    const model = createTinyVlm(smallModel(), smallLatents({ count: K, embedding: 'shared', placement: 'interleaved', feedback: 'hidden_state' }), tokenizer.size, T, 5, IMAGE_SIZE);
    try {
      const enc = encodeValr(rationaleExamples(), tokenizer, interleavedLayout(T, 4, K), 3);
      const vars = model.trainableVariables();
      const gradsOf = (forward: (batch: BatchTensors) => tf.Tensor3D) => tf.tidy(() => {
        const batch = toBatchTensors(enc, causalMask(enc.segments, enc.B, enc.T));
        const { grads } = tf.variableGrads(() => tf.sum(tf.square(forward(batch))) as tf.Scalar, vars);
        return vars.map((v) => (grads[v.name]?.dataSync() ?? new Float32Array(0)) as Float32Array);   // none: unused (latent rows under hidden_state)
      });
      // The reference: every pass over the whole sequence (what forwardWithFeedback did before prefixes).
      const fullLength = (batch: BatchTensors) => {
        const order = latentOrder(batch.segments, batch.B, batch.T);
        let latentInput = tf.zeros([batch.B, batch.T, model.shape.d]) as tf.Tensor3D;
        for (let n = 0; n < Math.max(...order.map((r) => r.length)); n++) {
          const out = model.forward({ ...batch, latentInput }, { returnHidden: true });
          const m = new Float32Array(batch.B * batch.T);
          order.forEach((row, b) => { if (n < row.length) m[b * batch.T + row[n]] = 1; });
          latentInput = tf.add(latentInput, tf.mul(shiftRight(feedbackState(out)), tf.tensor3d(m, [batch.B, batch.T, 1]))) as tf.Tensor3D;
        }
        return model.forward({ ...batch, latentInput }).logits;
      };
      const got = gradsOf((batch) => forwardWithFeedback(model, batch).logits);
      const want = gradsOf(fullLength);
      let worst = 0, largest = 0;
      got.forEach((g, i) => g.forEach((x, j) => { worst = Math.max(worst, Math.abs(x - want[i][j])); largest = Math.max(largest, Math.abs(want[i][j])); }));
      assert.ok(largest > 1e-3, 'the gradients are not all zero');
      assert.ok(worst <= 1e-4 * largest, `max |Δgrad| ${worst} against max |grad| ${largest}`);
    } finally {
      model.dispose();
    }
  });

  it('trains end to end from examples/valr.experiment.yaml (tiny override), writes the test-time-scaling table, numTensors flat', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'll-valr-'));
    try {
      const file = path.join(dir, 'tiny-valr.experiment.yaml');
      fs.writeFileSync(file, stringify({
        extends: path.resolve(__dirname, '../../../examples/valr.experiment.yaml'),
        name: 'tiny-valr',
        runtime: { backend: 'wasm' },
        data: { image_size: 16, max_text_tokens: 40, tasks: [{ name: 'counting', train: 16, val: 4, test: 4 }] },
        model: { init_from: null, finetune: { mode: 'full' }, patch_size: 4, d_vision: 16, vision_layers: 1, vision_heads: 2, d_model: 16, layers: 2, heads: 2 },
        latents: { count: 2, feedback: 'hidden_state' },
        method: { valr: { max_steps: 2, stage1_epochs: 1, stage2_epochs: 2, test_time_steps: [0, 2, 3],
          repa: { encoders: [{ kind: 'own' }, { kind: 'color_stats' }, { kind: 'edge_orientation' }], projector_hidden: 8 } } },
        train: { batch_size: 8, log_every: 1, checkpoint_every: 0 },
        eval: { max_examples: 4, diagnostics: [] },
      }));
      const counts: number[] = [];
      const [r] = await trainExperiment(file, {
        outDir: path.join(dir, 'run'),
        onEvent: (e) => { if (e.type === 'metrics') counts.push(tf.memory().numTensors); },
      });
      assert.equal(r.status, 'completed', r.summary.error);
      const records = fs.readFileSync(path.join(r.runDir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      const train = records.filter((x) => x.type === 'train');
      assert.equal(train.length, 6, '2 steps per epoch × (1 + 2) epochs');
      assert.deepEqual(Object.keys(train[0].terms), ['ce'], 'stage 1: CE only');
      assert.deepEqual(Object.keys(train[5].terms).sort(), ['ce', 'repa', 'repa_color_stats', 'repa_edge_orientation', 'repa_own']);
      for (const t of train.slice(2)) {
        const mean = (t.terms.repa_own + t.terms.repa_color_stats + t.terms.repa_edge_orientation) / 3;
        assert.ok(Math.abs(t.terms.repa - mean) < 1e-5, 'repa is the mean of the per-encoder losses');
        assert.ok(t.terms.repa >= -1 && t.terms.repa <= 1);
      }
      const stage2 = counts.slice(3);
      assert.ok(stage2.every((c) => c === stage2[0]), `numTensors flat across stage-2 steps: ${counts.join(', ')}`);
      const tts = JSON.parse(fs.readFileSync(path.join(r.runDir, 'test_time_scaling.json'), 'utf8'));
      assert.deepEqual(tts.rows.map((x: { latents_per_step: number }) => x.latents_per_step), [0, 2, 3]);
      for (const row of tts.rows) assert.ok(row.mean_accuracy >= 0 && row.mean_accuracy <= 1, 'K\' > K runs with hidden_state feedback');
      const md = fs.readFileSync(path.join(r.runDir, 'test_time_scaling.md'), 'utf8');
      assert.match(md, /\| latents per step \| mean accuracy \| counting \|/);
      assert.equal(md.trim().split('\n').filter((l) => /^\| \d/.test(l)).length, 3 + 3, 'reasoning steps [1, 2, 4] (the default) and latents per step [0, 2, 3]');
      assert.deepEqual(tts.reasoning_length.map((x: { reasoning_steps: number }) => x.reasoning_steps), [1, 2, 4]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
