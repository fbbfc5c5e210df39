// Checkpoints: bit-identical round trip, atomic `latest`, and corrupt files refused by name.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CorruptCheckpointError, loadCheckpoint, saveCheckpoint, type CheckpointContent } from '../../src/engine/checkpoint';
import { latestCheckpoint } from '../../src/core/runLayout';

function content(step: number): CheckpointContent {
  const a = new Float32Array([1.5, -2.25, Math.PI, 1e-30, -0]);
  const b = new Float32Array(12).map((_, i) => Math.sin(i * 7.3));
  return {
    step, epoch: 2, positionInEpoch: 48,
    weights: new Map([['enc/w', { shape: [5], data: a }], ['dec/b', { shape: [3, 4], data: b }]]),
    optimizer: { kind: 'adamw', step, slots: [{ name: 'dec/b', shape: [3, 4], m: b.map((x) => x / 3), v: b.map((x) => x * x) }] },
    rng: { train: [1, 2, 3, 4, 5] },
    tokenizer: { words: ['<pad>', 'a', 'b'] },
    meta: { name: 'test' },
  };
}

describe('checkpoint', () => {
  let dir: string;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'll-ckpt-')); });
  afterEach(() => { fs.rmSync(dir, { recursive: true, force: true }); });

  it('round-trips weights, optimizer moments and RNG state bit-identically', () => {
    const c = content(7);
    const folder = saveCheckpoint(path.join(dir, 'checkpoints'), c);
    const back = loadCheckpoint(folder);
    assert.equal(back.step, 7);
    assert.equal(back.epoch, 2);
    assert.equal(back.positionInEpoch, 48);
    for (const [name, t] of c.weights) {
      assert.deepEqual(back.weights.get(name)!.shape, t.shape);
      assert.deepEqual(Buffer.from(back.weights.get(name)!.data.buffer), Buffer.from(t.data.buffer), name);
    }
    const slot = back.optimizer!.slots[0];
    assert.deepEqual(Buffer.from(slot.m!.buffer), Buffer.from(c.optimizer!.slots[0].m!.buffer));
    assert.deepEqual(Buffer.from(slot.v!.buffer), Buffer.from(c.optimizer!.slots[0].v!.buffer));
    assert.deepEqual(back.rng, c.rng);
    assert.deepEqual(back.tokenizer, c.tokenizer);
  });

  it('points latest at the newest checkpoint and leaves no temp folders', () => {
    saveCheckpoint(path.join(dir, 'checkpoints'), content(3));
    saveCheckpoint(path.join(dir, 'checkpoints'), content(9));
    saveCheckpoint(path.join(dir, 'checkpoints'), content(9));   // re-written in place
    assert.equal(latestCheckpoint(dir), path.join(dir, 'checkpoints', 'step-9'));
    const names = fs.readdirSync(path.join(dir, 'checkpoints')).sort();
    assert.deepEqual(names, ['latest', 'step-3', 'step-9']);
  });

  it('refuses a flipped byte in weights.bin, naming the file', () => {
    const folder = saveCheckpoint(path.join(dir, 'checkpoints'), content(1));
    const w = path.join(folder, 'weights.bin');
    const bytes = fs.readFileSync(w);
    bytes[5] ^= 0xff;
    fs.writeFileSync(w, bytes);
    assert.throws(() => loadCheckpoint(folder), (e: Error) => e instanceof CorruptCheckpointError && e.message.includes(w) && /sha256/.test(e.message));
  });

  it('refuses a truncated optimizer.bin and a torn checkpoint.json', () => {
    const folder = saveCheckpoint(path.join(dir, 'checkpoints'), content(1));
    const o = path.join(folder, 'optimizer.bin');
    fs.truncateSync(o, 10);
    assert.throws(() => loadCheckpoint(folder), (e: Error) => e.message.includes(o) && /truncated/.test(e.message));
    const idx = path.join(folder, 'checkpoint.json');
    fs.writeFileSync(idx, fs.readFileSync(idx, 'utf8').slice(0, 40));
    assert.throws(() => loadCheckpoint(folder), (e: Error) => e.message.includes(idx) && /JSON/.test(e.message));
  });
});
