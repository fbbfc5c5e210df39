// init_from across sequence lengths: a base trained without latents (shorter T)
// loads into a model with latents; its decoder positions fill the first rows.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadCheckpoint } from '../../src/engine/checkpoint';
import { trainExperiment } from '../../src/engine/run';
import { stringify } from 'yaml';
import { tinyExperiment, writeExperiment } from './runFixture';

describe('init_from a base with another sequence length', function () {
  this.timeout(120000);

  it('loads the base positions into the first rows and fine-tunes with LoRA; frozen weights stay the base\'s', async () => {
    const baseFile = writeExperiment(tinyExperiment({ name: 'base', latents: { count: 0 }, method: { kind: 'sft' }, train: { max_steps: 2 } }));
    const [base] = await trainExperiment(baseFile, { outDir: path.join(path.dirname(baseFile), 'run') });
    assert.equal(base.status, 'completed');
    const baseCkpt = path.join(base.runDir, 'checkpoints', fs.readFileSync(path.join(base.runDir, 'checkpoints', 'latest'), 'utf8').trim());

    // Beside the base's file: init_from must stay inside the experiment's workspace (core/validate/confine.ts).
    const ftFile = path.join(path.dirname(baseFile), 'ft.experiment.yaml');
    fs.writeFileSync(ftFile, stringify(tinyExperiment({
      name: 'ft', latents: { count: 4 }, model: { init_from: baseCkpt, finetune: { mode: 'lora' } }, train: { max_steps: 2 }, eval: { diagnostics: [] },
    })));
    const logs: string[] = [];
    const [ft] = await trainExperiment(ftFile, {
      outDir: path.join(path.dirname(ftFile), 'run-ft'),
      onEvent: (e) => { if (e.type === 'log') logs.push(e.message); },
    });
    assert.equal(ft.status, 'completed');
    assert.ok(logs.some((m) => /decoder\.pos_embed rows \d+\.\.\d+/.test(m)), `init_from log names the new position rows: ${logs.join(' | ')}`);

    // LoRA freezes positions and the vision path: after training they are still exactly what was loaded.
    const b = loadCheckpoint(baseCkpt).weights;
    const f = loadCheckpoint(path.join(ft.runDir, 'checkpoints', fs.readFileSync(path.join(ft.runDir, 'checkpoints', 'latest'), 'utf8').trim())).weights;
    const bp = b.get('decoder.pos_embed')!, fp = f.get('decoder.pos_embed')!;
    assert.ok(fp.shape[0] > bp.shape[0], 'the model with latents has more positions');
    assert.deepEqual(Array.from(fp.data.subarray(0, bp.data.length)), Array.from(bp.data));
    assert.deepEqual(Array.from(f.get('vision.patch_embed.weight')!.data), Array.from(b.get('vision.patch_embed.weight')!.data));
  });
});
