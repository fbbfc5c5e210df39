// Faults end in a true state: a tampered checkpoint index is refused with its path,
// `latest` cannot leave the run, a full disk names the file and the space and leaves
// no temp file, temp files of dead writers are cleaned, and a run whose engine is
// gone is reported failed. Also the bounded reader every file goes through.
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DiskFullError, writeFileAtomic } from '../../src/core/atomicWrite';
import { readBounded } from '../../src/core/boundedRead';
import { latestCheckpoint, runPaths, type RunSummary } from '../../src/core/runLayout';
import { deadRunReason, liveSummary, writePidFile } from '../../src/core/runLiveness';
import { CorruptCheckpointError, loadCheckpoint, saveCheckpoint, type CheckpointContent } from '../../src/engine/checkpoint';
import { loadImageFile } from '../../src/engine/data/image';

function content(step: number): CheckpointContent {
  const a = new Float32Array([1.5, -2.25, Math.PI, 1e-30]);
  const b = new Float32Array(12).map((_, i) => Math.sin(i * 7.3));
  return {
    step, epoch: 2, positionInEpoch: 48,
    weights: new Map([['enc/w', { shape: [4], data: a }], ['dec/b', { shape: [3, 4], data: b }]]),
    optimizer: { kind: 'adamw', step, slots: [{ name: 'dec/b', shape: [3, 4], m: b.map((x) => x / 3), v: b.map((x) => x * x) }] },
    rng: { train: [1, 2, 3, 4, 5] },
    tokenizer: { version: 1, words: ['a', 'b'] },
    meta: { name: 'test' },
  };
}

// The module object itself (the namespace import is a read-only view of it).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const nodeFs = require('node:fs') as { writeSync: unknown };

/** Makes fs.writeSync fail with ENOSPC for writes larger than `bytes` until the returned function is called. */
function diskFullAbove(bytes: number): () => void {
  const original = nodeFs.writeSync;
  nodeFs.writeSync = (fd: number, buf: unknown, ...rest: unknown[]) => {
    const length = typeof buf === 'string' ? Buffer.byteLength(buf) : (buf as Uint8Array).byteLength;
    if (length > bytes) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    return (original as (...a: unknown[]) => number)(fd, buf, ...rest);
  };
  return () => { nodeFs.writeSync = original; };
}

describe('faults: checkpoint index, latest, disk full, orphans, dead engines', () => {
  let dir: string;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'll-faults-')); });
  afterEach(() => { fs.rmSync(dir, { recursive: true, force: true }); });

  const indexEdits: [string, (index: Record<string, any>) => void][] = [
    ['RNG state', (i) => { i.rng.train[0] = 9; }],
    ['epoch position', (i) => { i.position_in_epoch = 0; }],
    ['swapped tensor offsets', (i) => { [i.tensors[0].offset, i.tensors[1].offset] = [i.tensors[1].offset, i.tensors[0].offset]; }],
    ['step', (i) => { i.step = 99; }],
  ];
  for (const [what, edit] of indexEdits) {
    it(`refuses a checkpoint whose index was edited (${what}), naming checkpoint.json and what to do`, () => {
      const folder = saveCheckpoint(path.join(dir, 'checkpoints'), content(5));
      const file = path.join(folder, 'checkpoint.json');
      const index = JSON.parse(fs.readFileSync(file, 'utf8'));
      edit(index);
      fs.writeFileSync(file, JSON.stringify(index, null, 1));
      assert.throws(() => loadCheckpoint(folder), (e: unknown) => e instanceof CorruptCheckpointError && e.file === file
        && /was changed after it was written/.test(e.message) && /Delete this checkpoint folder/.test(e.message));
    });
  }

  it('every single-bit flip in checkpoint.json is refused as corrupt, never a TypeError', () => {
    const folder = saveCheckpoint(path.join(dir, 'checkpoints'), content(5));
    const file = path.join(folder, 'checkpoint.json');
    const original = fs.readFileSync(file);
    for (let k = 0; k < 24; k++) {
      const flipped = Buffer.from(original);
      const at = Math.floor((k + 0.5) * flipped.length / 24);
      flipped[at] ^= 1 << (k % 7);
      fs.writeFileSync(file, flipped);
      assert.throws(() => loadCheckpoint(folder), (e: unknown) => e instanceof CorruptCheckpointError && e.file === file, `flip at byte ${at}`);
    }
  });

  it('`latest` naming anything but a step-N folder of the run is refused', () => {
    const run = path.join(dir, 'run');
    saveCheckpoint(runPaths(run).checkpoints, content(3));
    assert.equal(latestCheckpoint(run), runPaths(run).checkpoint(3));
    for (const name of ['../../elsewhere', '/etc', 'step-3/../../x']) {
      fs.writeFileSync(runPaths(run).latest, name + '\n');
      assert.throws(() => latestCheckpoint(run), /is not a checkpoint folder of this run \(step-N\)/, name);
    }
  });

  it('a full disk: DiskFullError with the path and the bytes, no temp file or folder left', () => {
    const target = path.join(dir, 'summary.json');
    fs.writeFileSync(target, '{"old": true}\n');
    const restore = diskFullAbove(100);
    try {
      assert.throws(() => writeFileAtomic(target, 'x'.repeat(500)), (e: unknown) => e instanceof DiskFullError && e.file === target
        && /disk full: could not write .*summary\.json \(needs 500 bytes/.test(e.message));
      assert.deepEqual(fs.readdirSync(dir), ['summary.json'], 'no temp file');
      assert.equal(fs.readFileSync(target, 'utf8'), '{"old": true}\n', 'the old file is intact');
      assert.throws(() => saveCheckpoint(path.join(dir, 'checkpoints'), content(4)), (e: unknown) => e instanceof DiskFullError && /step-4/.test(e.message));
      assert.deepEqual(fs.readdirSync(path.join(dir, 'checkpoints')), [], 'no partial checkpoint folder');
    } finally {
      restore();
    }
  });

  it('temp files and folders of writers that died are removed by the next write', () => {
    const ckpts = path.join(dir, 'checkpoints');
    fs.mkdirSync(path.join(ckpts, '.tmp-step-3-999999'), { recursive: true });
    fs.writeFileSync(path.join(dir, '.summary.json.999999.tmp'), '');
    saveCheckpoint(ckpts, content(4));
    writeFileAtomic(path.join(dir, 'summary.json'), '{}\n');
    assert.deepEqual(fs.readdirSync(ckpts).sort(), ['latest', 'step-4']);
    assert.deepEqual(fs.readdirSync(dir).sort(), ['checkpoints', 'summary.json']);
  });

  it('a run whose engine process is gone is reported failed; a live one stays running', async function () {
    this.timeout(20_000);
    const run = path.join(dir, 'run');
    fs.mkdirSync(run);
    const summary = { name: 'r', method: 'sft', status: 'running', started: '', updated: '', wall_seconds: 0, step: 3, total_steps: 9 } as RunSummary;
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    await new Promise((r) => child.once('spawn', r));
    writePidFile(run, child.pid!);
    assert.equal(deadRunReason(run, summary), undefined);
    assert.equal(liveSummary(run, summary)?.status, 'running');
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    assert.match(deadRunReason(run, summary) ?? '', new RegExp(`engine process \\(pid ${child.pid}\\) is gone`));
    assert.equal(liveSummary(run, summary)?.status, 'failed');
    assert.match(liveSummary(run, summary)?.error ?? '', /resume it/);
    assert.equal(liveSummary(run, { ...summary, status: 'completed' })?.status, 'completed', 'a finished run is left as it is');
  });

  it('reads only regular files, never past the limit', function () {
    assert.throws(() => readBounded('/dev/zero', 1024, 'test file'), /is a device, not a regular file/);
    assert.throws(() => readBounded(dir, 1024, 'test file'), /folder/);
    const fifo = path.join(dir, 'pipe');
    const r = spawnSync('mkfifo', [fifo]);
    if (r.status === 0) assert.throws(() => readBounded(fifo, 1024, 'test file'), /a pipe \(FIFO\)/);
    fs.writeFileSync(path.join(dir, 'big'), Buffer.alloc(2048));
    assert.throws(() => readBounded(path.join(dir, 'big'), 1024, 'test file'), /big: the test file is larger than the 1024 bytes limit/);
    assert.equal(readBounded(path.join(dir, 'big'), 4096).length, 2048);
    assert.ok(readBounded('/proc/self/status', 1 << 20).length > 0, '/proc files report size 0 but are read');
    assert.throws(() => loadImageFile('/dev/zero', 8), /a device/);
  });
});
