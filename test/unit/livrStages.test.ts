// Two-stage methods with train.max_steps: the stage is a fraction of the run's
// steps, so a capped run still reaches stage 2 (methods/stages.ts).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { trainExperiment } from '../../src/engine/run';
import { inStage1, stage1Steps } from '../../src/engine/methods/stages';
import { tinyExperiment, writeExperiment } from './runFixture';

describe('two-stage methods: stage by training progress', function () {
  this.timeout(120000);

  it('uncapped, the boundary is the first step of epoch stage1 (the same as counting epochs)', () => {
    for (const [s1, s2, perEpoch] of [[1, 1, 8], [2, 3, 5], [3, 1, 7], [1, 4, 1]]) {
      const total = perEpoch * (s1 + s2);
      const boundary = stage1Steps(s1, s2, total);
      assert.equal(boundary, perEpoch * s1, `stage1 ${s1}, stage2 ${s2}, ${perEpoch} steps/epoch`);
      for (let step = 0; step < total; step++) {
        const epoch = Math.floor(step / perEpoch);
        assert.equal(inStage1(s1, s2, epoch, { step, epoch, totalSteps: total }), inStage1(s1, s2, epoch), `step ${step}`);
      }
    }
  });

  it('capped, both stages keep their share, each at least one step; a zero-epoch stage gets none', () => {
    assert.equal(stage1Steps(2, 2, 6), 3);
    assert.equal(stage1Steps(3, 1, 8), 6);
    assert.equal(stage1Steps(10, 1, 3), 2);    // 2.7 → 3 would leave stage 2 nothing
    assert.equal(stage1Steps(1, 10, 3), 1);    // 0.27 → 0 would leave stage 1 nothing
    assert.equal(stage1Steps(0, 2, 5), 0);
    assert.equal(stage1Steps(2, 0, 5), 5);
  });

  it('livr with train.max_steps below the stage-1 epochs logs both stage labels in metrics.jsonl', async () => {
    // 64 train examples, batch 8 → 8 steps/epoch; stage 1 alone would be 16 steps, the cap is 6.
    const file = writeExperiment(tinyExperiment({
      method: { kind: 'livr', livr: { stage1_epochs: 2, stage2_epochs: 2 } },
      train: { batch_size: 8, log_every: 1, checkpoint_every: 0, max_steps: 6, schedule: { kind: 'cosine', warmup_steps: 2 } },
      eval: { diagnostics: [], max_examples: 4 },
    }));
    try {
      const [r] = await trainExperiment(file, { outDir: path.join(path.dirname(file), 'runs') });
      assert.equal(r.status, 'completed');
      const stages = fs.readFileSync(path.join(r.runDir, 'metrics.jsonl'), 'utf8').split('\n').filter(Boolean)
        .map((l) => JSON.parse(l) as { type: string; step?: number; stage?: string })
        .filter((m) => m.type === 'train').map((m) => m.stage!);
      assert.equal(stages.length, 6);
      assert.deepEqual(stages, [
        ...Array(3).fill('livr stage 1 (bottleneck answer_and_prompt)'),
        ...Array(3).fill('livr stage 2 (causal)'),
      ]);
    } finally {
      fs.rmSync(path.dirname(file), { recursive: true, force: true });
    }
  });
});
