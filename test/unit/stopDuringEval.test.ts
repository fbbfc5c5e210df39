// A stop request during an evaluation ends it at the next batch, records nothing of it,
// and leaves a checkpoint; a run stopped during its final evaluation resumes to that
// evaluation and completes. Before, the request waited for the whole evaluation.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import type { EngineEvent } from '../../src/core/events';
import { readMetrics, readSummary } from '../../src/core/runLayout';
import { loadExperiment } from '../../src/core/validator';
import { tf } from '../../src/engine/backend';
import { evaluate } from '../../src/engine/eval/evaluate';
import { EvalInterrupted } from '../../src/engine/eval/interrupt';
import { resumeRun, startBackend, trainExperiment } from '../../src/engine/run';
import { buildSession } from '../../src/engine/session';
import { experimentFiles } from './runFixture';

const evalSteps = (runDir: string) => readMetrics(runDir).filter((r) => r.type === 'eval').map((r) => r.step);

describe('stop during an evaluation', function () {
  this.timeout(60000);
  const { experiment, cleanup } = experimentFiles();
  after(cleanup);

  it('evaluate ends between batches when shouldStop turns true, and frees its tensors', async () => {
    // 16 val examples, batch 4: four batches; the request comes after the first.
    const cfg = loadExperiment(experiment({ eval: { diagnostics: ['drop_latents', 'answer_latent_attention'] } }));
    await startBackend(cfg);
    const session = await buildSession(cfg);
    try {
      const before = tf.memory().numTensors;
      let checks = 0;
      await assert.rejects(evaluate(session, 'val', { step: 0, maxExamples: 0, diagnostics: cfg.eval.diagnostics, batchSize: 4, shouldStop: () => ++checks > 1 }),
        EvalInterrupted);
      assert.equal(checks, 2, 'checked before each batch: the first ran, the second stopped it');
      assert.equal(tf.memory().numTensors, before);
      const whole = await evaluate(session, 'val', { step: 0, maxExamples: 0, diagnostics: cfg.eval.diagnostics, batchSize: 4, shouldStop: () => false });
      assert.equal(whole.examples, 16);
    } finally {
      session.dispose();
    }
  });

  it('a stop requested as a periodic evaluation starts: no eval record, checkpoint at that step, status stopped', async () => {
    const file = experiment({ eval: { every: 4, diagnostics: [] } });
    const stop = { requested: false };
    const logs: string[] = [];
    const onEvent = (e: EngineEvent) => {
      if (e.type === 'metrics' && e.record.step === 8) stop.requested = true;   // afterStep logs, then evaluates
      if (e.type === 'log') logs.push(e.message);
    };
    const [r] = await trainExperiment(file, { outDir: path.join(path.dirname(file), 'run'), stop, onEvent });
    assert.equal(r.status, 'stopped');
    assert.deepEqual(evalSteps(r.runDir), [4], 'the evaluation at step 4 ran; the one at step 8 was interrupted');
    assert.equal(readSummary(r.runDir)!.latest_checkpoint, 'step-8');
    assert.ok(logs.some((m) => /the evaluation at step 8 was interrupted and not recorded/.test(m)), logs.join('\n'));
  });

  it('a stop during the final evaluation leaves the run stopped at its last step; resume evaluates and completes', async () => {
    const file = experiment({ eval: { every: 0, diagnostics: [] } });
    const stop = { requested: false };
    const onEvent = (e: EngineEvent) => { if (e.type === 'metrics' && e.record.step === 16) stop.requested = true; };
    const [r] = await trainExperiment(file, { outDir: path.join(path.dirname(file), 'run'), stop, onEvent });
    assert.equal(r.status, 'stopped');
    assert.deepEqual(evalSteps(r.runDir), []);
    assert.equal(readSummary(r.runDir)!.latest_checkpoint, 'step-16');
    assert.equal(readSummary(r.runDir)!.final, undefined);
    const resumed = await resumeRun(r.runDir);
    assert.equal(resumed.status, 'completed');
    assert.deepEqual(evalSteps(r.runDir), [16]);
    assert.equal(readSummary(r.runDir)!.final!.step, 16);
  });
});
