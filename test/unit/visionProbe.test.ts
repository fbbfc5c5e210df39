// SFT's vision probe (method.sft.vision_probe): the loss is the documented per-task CE
// on the mean image token, it trains and checkpoints with the run, and a shipped base
// leaves its heads out.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { selectBackend, tf } from '../../src/engine/backend';
import { latestCheckpoint } from '../../src/core/runLayout';
import { loadCheckpoint } from '../../src/engine/checkpoint';
import { Rng } from '../../src/engine/data/rng';
import { TASKS } from '../../src/engine/data/tasks';
import type { Example } from '../../src/engine/data/example';
import { createVisionProbe } from '../../src/engine/methods/visionProbe';
import { VISION_PROBE_PREFIX } from '../../src/engine/methods/probeHeads';
import { createTinyVlm } from '../../src/engine/model/tinyVlm';
import { pretrainBase } from '../../src/engine/pretrain';
import { smallLatents, smallModel, T, tokenizer } from './modelFixtures';
import { tinyExperiment, writeExperiment } from './runFixture';

function examples(task: 'colour' | 'shape', n: number, seed: number): Example[] {
  const rng = Rng.fromSeed(seed, 'probe-test', task);
  return Array.from({ length: n }, (_, i) => ({ ...TASKS[task].generate(rng, 16, 'open'), id: `${task}-${i}` }));
}

describe('vision probe', function () {
  this.timeout(120000);
  before(async () => { await selectBackend('wasm', { threads: 1 }); });

  it('is the mean CE of each labelled row under its own task\'s head, over the mean image token', () => {
    const model = createTinyVlm(smallModel(), smallLatents(), tokenizer.size, T, 7, 16);
    const train = [...examples('colour', 24, 1), ...examples('shape', 24, 2)];
    const probe = createVisionProbe(model, ['colour', 'shape'], train, 5);
    const batch = [...examples('colour', 3, 3), ...examples('shape', 2, 4)];
    const tokens = tf.randomNormal([batch.length, 16, 32], 0, 1, 'float32', 9) as tf.Tensor3D;   // [B, P, d]
    const labels = probe.labels(batch);
    const got = tf.tidy(() => probe.loss(tokens, labels).dataSync()[0]);
    // Direct: per row, its task's head on the mean token, −log softmax at its answer.
    const pooled = tf.tidy(() => tf.mean(tokens, 1).arraySync() as number[][]);
    let total = 0;
    batch.forEach((e, b) => {
      const W = model.variables.get(`${VISION_PROBE_PREFIX}${e.task}.weight`)!.arraySync() as number[][];
      const bias = model.variables.get(`${VISION_PROBE_PREFIX}${e.task}.bias`)!.arraySync() as number[];
      const answers = [...new Set(train.filter((x) => x.task === e.task).map((x) => x.answer))].sort();
      const logits = bias.map((c, j) => c + pooled[b].reduce((s, x, i) => s + x * W[i][j], 0));
      const max = Math.max(...logits);
      const lse = max + Math.log(logits.reduce((s, l) => s + Math.exp(l - max), 0));
      total += lse - logits[answers.indexOf(e.answer)];
    });
    assert.ok(Math.abs(got - total / batch.length) < 1e-4, `${got} vs ${total / batch.length}`);
    for (const l of labels) l.onehot.dispose();
    tokens.dispose();
    model.dispose();
  });

  it('trains with pretraining, is logged and checkpointed, and stays out of the shipped base', async () => {
    const file = writeExperiment(tinyExperiment({
      name: 'probe', kind: 'pretrain', latents: { count: 0 },
      data: { image_size: 16, max_text_tokens: 24, tasks: [{ name: 'colour', train: 32, val: 8, test: 8 }, { name: 'shape', train: 32, val: 8, test: 8 }] },
      method: { kind: 'sft', sft: { vision_probe: { weight: 1, tasks: ['colour', 'shape'] } } },
      train: { max_steps: 3, batch_size: 8, log_every: 1, checkpoint_every: 3 }, eval: { diagnostics: [], max_examples: 8 },
    }));
    const dir = path.dirname(file);
    try {
      await pretrainBase(file, { outDir: path.join(dir, 'run'), shipDir: path.join(dir, 'base') });
      const steps = fs.readFileSync(path.join(dir, 'run', 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l))
        .filter((r) => r.type === 'train');
      assert.equal(steps.length, 3);
      for (const s of steps) assert.ok(Number.isFinite(s.terms.vision_probe) && s.terms.vision_probe > 0, JSON.stringify(s.terms));
      const runCkpt = loadCheckpoint(latestCheckpoint(path.join(dir, 'run'))!);
      const heads = [...runCkpt.weights.keys()].filter((n) => n.startsWith(VISION_PROBE_PREFIX));
      assert.deepEqual(heads.sort(), ['colour.bias', 'colour.weight', 'shape.bias', 'shape.weight'].map((n) => VISION_PROBE_PREFIX + n));
      const shipped = loadCheckpoint(path.join(dir, 'base', 'checkpoint'));
      assert.deepEqual([...shipped.weights.keys()].filter((n) => n.startsWith(VISION_PROBE_PREFIX)), []);
      assert.equal(shipped.weights.size, runCkpt.weights.size - 4);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
