// The training run end to end on a tiny model: determinism, exact resume,
// flat tensor count, NaN handling, refusal of invalid files and corrupt checkpoints, eval.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tf } from '../../src/engine/backend';
import { InvalidExperimentError } from '../../src/core/problems';
import { readMetrics, readSummary } from '../../src/core/runLayout';
import { evaluateTarget, resumeRun, trainExperiment } from '../../src/engine/run';
import { loadCheckpoint } from '../../src/engine/checkpoint';
import type { EngineEvent } from '../../src/core/events';
import { experimentFiles, trainLosses } from './runFixture';

function weightsOf(ckptDir: string): Buffer {
  return fs.readFileSync(path.join(ckptDir, 'weights.bin'));
}

describe('training run (tiny model)', function () {
  this.timeout(60000);
  const { experiment, cleanup } = experimentFiles();
  after(cleanup);

  it('writes the run directory and is deterministic: two runs give identical metrics', async () => {
    const file = experiment();
    const [a] = await trainExperiment(file, { outDir: path.join(path.dirname(file), 'a') });
    const [b] = await trainExperiment(file, { outDir: path.join(path.dirname(file), 'b') });
    assert.equal(a.status, 'completed');
    for (const f of ['config.json', 'experiment.yaml', 'metrics.jsonl', 'summary.json', 'train.log', 'checkpoints/latest', 'checkpoints/step-16/weights.bin']) {
      assert.ok(fs.existsSync(path.join(a.runDir, f)), `missing ${f}`);
    }
    const la = trainLosses(a.runDir);
    assert.equal(la.length, 16);
    assert.deepEqual(trainLosses(b.runDir), la);
    assert.ok(la[la.length - 1] < la[0], `loss should fall: ${la[0]} → ${la[la.length - 1]}`);
    assert.deepEqual(weightsOf(path.join(b.runDir, 'checkpoints/step-16')), weightsOf(path.join(a.runDir, 'checkpoints/step-16')));
    const summary = readSummary(a.runDir)!;
    assert.equal(summary.status, 'completed');
    assert.equal(summary.backend?.name, 'wasm');
    assert.ok(summary.final && summary.final.diagnostics.drop_latents && summary.final.diagnostics.answer_latent_attention! > 0);
  });

  it('resumes exactly: 8 steps + stop + resume equals 16 straight steps', async () => {
    const file = experiment();
    const dir = path.dirname(file);
    const [straight] = await trainExperiment(file, { outDir: path.join(dir, 'straight') });
    const stop = { requested: false };
    const onEvent = (e: EngineEvent) => { if (e.type === 'metrics' && e.record.step === 6) stop.requested = true; };
    const [first] = await trainExperiment(file, { outDir: path.join(dir, 'split'), stop, onEvent });
    assert.equal(first.status, 'stopped');
    assert.equal(readSummary(first.runDir)!.latest_checkpoint, 'step-6');
    const resumed = await resumeRun(first.runDir);
    assert.equal(resumed.status, 'completed');
    assert.deepEqual(trainLosses(resumed.runDir), trainLosses(straight.runDir));
    assert.deepEqual(weightsOf(path.join(resumed.runDir, 'checkpoints/step-16')), weightsOf(path.join(straight.runDir, 'checkpoints/step-16')));
    const ckA = loadCheckpoint(path.join(straight.runDir, 'checkpoints/step-16'));
    const ckB = loadCheckpoint(path.join(resumed.runDir, 'checkpoints/step-16'));
    for (const s of ckA.optimizer!.slots) {
      const other = ckB.optimizer!.slots.find((x) => x.name === s.name)!;
      assert.deepEqual(Buffer.from(other.v!.buffer), Buffer.from(s.v!.buffer), `optimizer v of ${s.name}`);
    }
  });

  it('keeps tf.memory().numTensors flat across training steps (model, optimizer, batches)', async () => {
    const file = experiment({ method: { kind: 'sft' }, train: { epochs: 2, batch_size: 8, log_every: 1, checkpoint_every: 0 } });
    const counts: number[] = [];
    // Tensors other test files left alive are not this run's: compare before and after it.
    // (engine state, not tf.memory(): it needs no backend yet.)
    const before = tf.engine().state.numTensors;
    await trainExperiment(file, { outDir: path.join(path.dirname(file), 'mem'), onEvent: (e) => { if (e.type === 'metrics') counts.push(tf.memory().numTensors); } });
    assert.equal(counts.length, 16);
    assert.equal(new Set(counts.slice(1)).size, 1, `numTensors per step: ${counts}`);
    assert.equal(tf.engine().state.numTensors - before, 0, 'everything the run made is disposed after it');
  });

  it('stops on a NaN loss with a message naming the step and keeps the last good checkpoint', async () => {
    const file = experiment();
    const [r] = await trainExperiment(file, { outDir: path.join(path.dirname(file), 'nan'), nanLossAtStep: 7 });
    assert.equal(r.status, 'failed');
    const summary = readSummary(r.runDir)!;
    assert.match(summary.error!, /step 7/);
    assert.match(summary.error!, /lr/);
    assert.equal(summary.latest_checkpoint, 'step-4');
    assert.ok(!fs.existsSync(path.join(r.runDir, 'checkpoints/step-7')));
    assert.ok(Math.max(...readMetrics(r.runDir).map((m) => m.step)) <= 6);
  });

  it('refuses an invalid experiment with the validator messages and creates no run directory', async () => {
    const file = experiment({ train: { batch_size: 0 } });
    await assert.rejects(trainExperiment(file), (e: Error) => e instanceof InvalidExperimentError && e.message.includes(file) && /batch_size/.test(e.message));
    assert.deepEqual(fs.readdirSync(path.dirname(file)), ['tiny.experiment.yaml']);
  });

  it('refuses to resume from a corrupt checkpoint, naming the file', async () => {
    const file = experiment();
    const stop = { requested: false };
    const [r] = await trainExperiment(file, { outDir: path.join(path.dirname(file), 'corrupt'), stop, onEvent: (e) => { if (e.type === 'metrics' && e.record.step === 4) stop.requested = true; } });
    const w = path.join(r.runDir, 'checkpoints/step-4/weights.bin');
    const bytes = fs.readFileSync(w);
    fs.writeFileSync(w, bytes.subarray(0, bytes.length - 8));
    const resumed = await resumeRun(r.runDir);
    assert.equal(resumed.status, 'failed');
    assert.ok(resumed.summary.error!.includes(w), resumed.summary.error);
  });

  it('evaluates a run directory and appends the record to metrics.jsonl', async () => {
    const file = experiment({ train: { batch_size: 8, max_steps: 4, log_every: 2, checkpoint_every: 0 } });
    const [r] = await trainExperiment(file, { outDir: path.join(path.dirname(file), 'ev') });
    const before = readMetrics(r.runDir).length;
    const rec = await evaluateTarget(r.runDir, { split: 'test' });
    assert.equal(rec.split, 'test');
    assert.equal(rec.step, 4);
    assert.deepEqual(Object.keys(rec.accuracy).sort(), ['counting', 'spatial_relation']);
    assert.ok(rec.diagnostics.bottleneck_mask && rec.diagnostics.drop_latents);
    assert.equal(readMetrics(r.runDir).length, before + 1);
  });
});
