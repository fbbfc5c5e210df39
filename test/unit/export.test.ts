// safetensors export: the file parses back to the checkpoint's weights bit for
// bit, with the documented layout (u64 header length, 8-aligned data, F32, names).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadCheckpoint } from '../../src/engine/checkpoint';
import { decodeSafetensors, encodeSafetensors, exportCheckpoint } from '../../src/engine/export';
import { trainExperiment } from '../../src/engine/run';
import { tinyExperiment, writeExperiment } from './runFixture';

describe('safetensors export', function () {
  this.timeout(60000);
  const made: string[] = [];
  after(() => { for (const d of made) fs.rmSync(d, { recursive: true, force: true }); });

  it('round-trips a trained checkpoint bit for bit, with config and tokenizer in __metadata__', async () => {
    const file = writeExperiment(tinyExperiment({ train: { batch_size: 8, max_steps: 2, checkpoint_every: 0, log_every: 1 }, eval: { diagnostics: [] } }));
    const dir = path.dirname(file);
    made.push(dir);
    const [r] = await trainExperiment(file, { outDir: path.join(dir, 'run') });
    assert.equal(r.status, 'completed', r.summary.error);
    const out = exportCheckpoint(r.runDir, path.join(dir, 'w.safetensors'));   // a run dir resolves to its latest checkpoint
    const bytes = new Uint8Array(fs.readFileSync(out));
    const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
    assert.equal((8 + n) % 8, 0, 'data section is 8-byte aligned');
    const { tensors, metadata } = decodeSafetensors(bytes);
    const ckpt = loadCheckpoint(path.join(r.runDir, 'checkpoints', 'step-2'));
    assert.deepEqual([...tensors.keys()].sort(), [...ckpt.weights.keys()].sort());
    assert.ok(tensors.has('decoder.latent_embed'));
    for (const [name, w] of ckpt.weights) {
      const t = tensors.get(name)!;
      assert.deepEqual(t.shape, w.shape, name);
      assert.deepEqual(Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength), Buffer.from(w.data.buffer, w.data.byteOffset, w.data.byteLength), `${name} differs`);
    }
    assert.equal(JSON.parse(metadata.config).name, 'tiny');
    assert.ok(Array.isArray(JSON.parse(metadata.tokenizer).words));
    assert.equal(metadata.step, '2');
  });

  it('refuses a tensor whose data does not match its shape, and a truncated file', () => {
    assert.throws(() => encodeSafetensors(new Map([['w', { shape: [2, 2], data: new Float32Array(3) }]])), /'w' has shape \[2,2\]/);
    const good = encodeSafetensors(new Map([['w', { shape: [2], data: new Float32Array([1.5, -2]) }]]));
    assert.deepEqual(Array.from(decodeSafetensors(good).tensors.get('w')!.data), [1.5, -2]);
    assert.throws(() => decodeSafetensors(good.subarray(0, good.length - 4), 'x.safetensors'), /x\.safetensors: tensor 'w' ends past the end/);
  });
});
