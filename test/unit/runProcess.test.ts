// The engine as a process: the IPC child honours a stop message, the CLI honours
// SIGTERM; both finish the step, write a checkpoint, record `stopped` and exit 0.
import * as assert from 'node:assert/strict';
import { execFileSync, fork, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readSummary } from '../../src/core/runLayout';
import type { ChildMessage, ControlMessage } from '../../src/core/events';
import { tinyExperiment, writeExperiment } from './runFixture';

const ROOT = path.resolve(__dirname, '../../..');
const longRun = () => tinyExperiment({ method: { kind: 'livr', livr: { stage1_epochs: 8, stage2_epochs: 8 } }, train: { batch_size: 8, log_every: 1, checkpoint_every: 0 } });

describe('engine processes (dist/)', function () {
  this.timeout(60000);
  const made: string[] = [];
  before(() => { execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, stdio: 'ignore' }); });
  after(() => { for (const d of made) fs.rmSync(d, { recursive: true, force: true }); });

  it('engine-child: a stop message checkpoints, reports done/stopped and exits 0', async () => {
    const file = writeExperiment(longRun());
    made.push(path.dirname(file));
    const out = path.join(path.dirname(file), 'run');
    const child = fork(path.join(ROOT, 'dist/engine-child.js'), [], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    const types: string[] = [];
    let stopSent = false;
    child.on('message', (m: ChildMessage) => {
      if (m.type !== 'event') return;
      types.push(m.event.type);
      if (m.event.type === 'metrics' && !stopSent) { stopSent = true; child.send({ type: 'stop' } satisfies ControlMessage); }
    });
    child.send({ type: 'start', job: { kind: 'train', experimentFile: file, outDir: out } } satisfies ControlMessage);
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(code, 0);
    assert.ok(types.includes('started') && types.includes('checkpoint') && types.includes('done'), types.join(','));
    const summary = readSummary(out)!;
    assert.equal(summary.status, 'stopped');
    assert.ok(summary.step < 128);
    assert.ok(fs.existsSync(path.join(out, 'checkpoints', `step-${summary.step}`, 'weights.bin')));
  });

  it('cli train: SIGTERM checkpoints, records stopped and exits 0; resume continues', async function () {
    // Two engine processes and ~128 steps: on a shared 2-core machine under load this
    // took over a minute. The limit is a hang guard, not a timing assertion.
    this.timeout(240000);
    const file = writeExperiment(longRun());
    made.push(path.dirname(file));
    const out = path.join(path.dirname(file), 'run');
    const cli = spawn(process.execPath, [path.join(ROOT, 'dist/cli.js'), 'train', file, '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    let signalled = false;
    cli.stdout.on('data', (d: Buffer) => {
      text += d.toString();
      if (!signalled && /step 3 epoch/.test(text)) { signalled = true; cli.kill('SIGTERM'); }
    });
    const code = await new Promise<number | null>((resolve) => cli.on('exit', resolve));
    assert.equal(code, 0, text);
    assert.match(text, /checkpoint \(stop\)/);
    const summary = readSummary(out)!;
    assert.equal(summary.status, 'stopped');
    assert.ok(fs.readFileSync(path.join(out, 'train.log'), 'utf8').includes('checkpoint (stop)'));
    const resumed = execFileSync(process.execPath, [path.join(ROOT, 'dist/cli.js'), 'resume', out, '--quiet'], { encoding: 'utf8' });
    assert.match(resumed, /completed after 128 steps/);
    assert.equal(readSummary(out)!.status, 'completed');
  });

  it('cli train refuses an invalid file with file:line:col messages, exit 1, nothing created', () => {
    const doc = longRun();
    const file = writeExperiment(doc, 'name: bad\nmodel:\n  heads: three\n');
    made.push(path.dirname(file));
    let status = 0;
    let stderr = '';
    try {
      execFileSync(process.execPath, [path.join(ROOT, 'dist/cli.js'), 'train', file], { stdio: 'pipe' });
    } catch (e) {
      const err = e as { status: number; stderr: Buffer };
      status = err.status;
      stderr = err.stderr.toString();
    }
    assert.equal(status, 1);
    assert.match(stderr, new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3:\\d+: error: .*heads`));
    assert.deepEqual(fs.readdirSync(path.dirname(file)), ['tiny.experiment.yaml']);
  });
  it('cli train --threads N overrides runtime.threads in the run\'s config; a bad value is a usage error that starts nothing', () => {
    const file = writeExperiment(longRun());
    made.push(path.dirname(file));
    const out = path.join(path.dirname(file), 'run');
    execFileSync(process.execPath, [path.join(ROOT, 'dist/cli.js'), 'train', file, '--out', out, '--threads', '1', '--max-steps', '1', '--quiet'], { stdio: 'pipe' });
    const config = JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8'));
    assert.equal(config.runtime.threads, 1);
    const bad = path.join(path.dirname(file), 'bad-run');
    let status = 0;
    let stderr = '';
    try {
      execFileSync(process.execPath, [path.join(ROOT, 'dist/cli.js'), 'train', file, '--out', bad, '--threads', 'two'], { stdio: 'pipe' });
    } catch (e) {
      const err = e as { status: number; stderr: Buffer };
      status = err.status;
      stderr = err.stderr.toString();
    }
    assert.equal(status, 2);
    assert.match(stderr, /--threads needs a whole number/);
    assert.equal(fs.existsSync(bad), false);
  });
});
