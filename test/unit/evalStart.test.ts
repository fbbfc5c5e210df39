// `latent-lab eval FILE.experiment.yaml`: the model a run would start from, evaluated
// without training. From a checkpoint of the same config it must score exactly what
// evaluating that checkpoint scores; without init_from it refuses, naming the field.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { latestCheckpoint } from '../../src/core/runLayout';
import { loadExperiment } from '../../src/core/validator';
import { tf } from '../../src/engine/backend';
import { majorityByTask } from '../../src/engine/eval/chance';
import { generateSplits } from '../../src/engine/data/splits';
import { evaluateStartingPoint } from '../../src/engine/eval/startingPoint';
import { evaluateTarget, trainExperiment } from '../../src/engine/run';
import { tinyExperiment, writeExperiment } from './runFixture';

describe('eval of an experiment file (the starting point)', function () {
  this.timeout(60000);
  const made: string[] = [];
  after(() => { for (const d of made) fs.rmSync(d, { recursive: true, force: true }); });

  it('scores what evaluating the init_from checkpoint scores, per sweep seed, and leaves no tensor', async () => {
    // LIVR with the answer→latent attention diagnostic: a float that only the same weights reproduce.
    const doc = tinyExperiment({ train: { max_steps: 3 }, eval: { diagnostics: ['answer_latent_attention'] } });
    const file = writeExperiment(doc);
    made.push(path.dirname(file));
    const [run] = await trainExperiment(file, { outDir: path.join(path.dirname(file), 'run') });
    assert.equal(run.status, 'completed', run.summary.error);
    const ckpt = latestCheckpoint(run.runDir)!;
    const direct = await evaluateTarget(ckpt, { split: 'test' });

    const from = path.join(path.dirname(file), 'from.experiment.yaml');
    fs.writeFileSync(from, stringify({ ...doc, model: { ...(doc.model as object), init_from: ckpt }, sweep: { fields: {}, seeds: [3, 4] } }));
    const before = tf.memory().numTensors;
    const points = await evaluateStartingPoint(from, { split: 'test' });
    assert.equal(tf.memory().numTensors, before);
    assert.deepEqual(points.map((p) => p.seed), [3, 4]);
    assert.deepEqual(points[0].record.accuracy, direct.accuracy, 'seed 3 is the checkpoint\'s own config and data');
    assert.ok(direct.diagnostics.answer_latent_attention! > 0);
    assert.equal(points[0].record.diagnostics.answer_latent_attention, direct.diagnostics.answer_latent_attention);
    assert.ok(points.every((p) => Object.keys(p.record.accuracy).length === 2));
    // The majority baseline is counted from the examples evaluated: the whole test split (8 per task).
    const splits = await generateSplits(loadExperiment(file).data, 3, path.dirname(file));
    assert.deepEqual(direct.majority, majorityByTask(splits.test));
    assert.deepEqual(Object.keys(direct.majority!).sort(), Object.keys(direct.accuracy).sort());
  });

  it('refuses a file without model.init_from, naming the field', async () => {
    const file = writeExperiment(tinyExperiment());
    made.push(path.dirname(file));
    await assert.rejects(evaluateStartingPoint(file, { split: 'test' }), /model\.init_from is not set/);
  });
});
