// The run manager with a fake engine child: queueing beyond maxConcurrent, the start
// and stop messages, completion, a killed child and a hung child marking the run
// failed in summary.json with its last lines (directory kept), reattach decisions,
// and the launch spec (execPath, ELECTRON_RUN_AS_NODE, --max-old-space-size).
import * as assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ChildMessage, ControlMessage, EngineEvent } from '../../src/core/events';
import { readSummary, runPaths } from '../../src/core/runLayout';
import { allowPathsValue } from '../../src/core/allowPathsEnv';
import { engineLaunch } from '../../src/extension/runs/launch';
import { RunManager, type EngineChild } from '../../src/extension/runs/runManager';
import { readPidFile, writePidFile } from '../../src/core/runLiveness';
import { ENDED_WHILE_CLOSED, markRunFailed, reattachDecisions } from '../../src/extension/runs/runFiles';

let nextPid = 5000;
class FakeChild extends EventEmitter {
  pid = nextPid++;
  connected = true;
  sent: ControlMessage[] = [];
  killedWith: string | undefined;
  stdout = new EventEmitter();
  stderr = new EventEmitter();
  send(msg: ControlMessage): boolean { this.sent.push(msg); return true; }
  kill(sig?: string): boolean { this.killedWith = sig ?? 'SIGTERM'; this.exit(null, (sig ?? 'SIGTERM') as NodeJS.Signals); return true; }
  emitEvent(e: EngineEvent): void { this.emit('message', { type: 'event', event: e } satisfies ChildMessage); }
  exit(code: number | null, signal: NodeJS.Signals | null = null): void { this.connected = false; this.emit('exit', code, signal); }
}

const time = () => new Date().toISOString();

/** A run directory as the engine leaves it mid-run: summary running, a few log lines. */
function fakeRunDir(root: string, name: string): string {
  const dir = path.join(root, name);
  fs.mkdirSync(path.join(dir, 'checkpoints'), { recursive: true });
  fs.writeFileSync(runPaths(dir).config, '{}\n');
  fs.writeFileSync(runPaths(dir).summary, JSON.stringify({ name, method: 'sft', status: 'running', started: time(), updated: time(), wall_seconds: 1, step: 3, total_steps: 10 }));
  fs.writeFileSync(runPaths(dir).log, 'line one\nstep 3 epoch 1 [sft] loss 3.2\n');
  return dir;
}

describe('run manager (fake engine child)', () => {
  let tmp: string;
  let children: FakeChild[];
  let limit: number;
  let manager: RunManager;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'll-runmgr-'));
    children = [];
    limit = 1;
    manager = new RunManager({
      fork: () => { const c = new FakeChild(); children.push(c); return c as unknown as EngineChild; },
      launch: () => engineLaunch('/ext/dist/engine-child.js', { nodePath: '', memoryLimitMb: 0 }),
      maxConcurrent: () => limit,
      hangTimeoutMs: () => 5000,
    });
  });
  afterEach(() => { manager.dispose(); fs.rmSync(tmp, { recursive: true, force: true }); });

  it('starts up to maxConcurrent runs, queues the rest and starts them as others finish', async () => {
    const a = manager.enqueue({ kind: 'train', experimentFile: '/a.experiment.yaml' }, 'a');
    const b = manager.enqueue({ kind: 'train', experimentFile: '/b.experiment.yaml' }, 'b');
    assert.equal(a.status, 'running');
    assert.equal(b.status, 'queued');
    assert.equal(children.length, 1);
    assert.deepEqual(children[0].sent[0], { type: 'start', job: { kind: 'train', experimentFile: '/a.experiment.yaml' } });
    children[0].exit(0);
    assert.equal((await a.done).status, 'completed');
    assert.equal(b.status, 'running');
    assert.equal(children.length, 2);
    limit = 3;
    const c = manager.enqueue({ kind: 'resume', runDir: '/r' }, 'c');
    assert.equal(c.status, 'running');
  });

  it('stop sends the stop message; a clean exit after it is "stopped"; a queued run is cancelled', async () => {
    const a = manager.enqueue({ kind: 'train', experimentFile: '/a' }, 'a');
    const b = manager.enqueue({ kind: 'train', experimentFile: '/b' }, 'b');
    manager.stop(b);
    assert.equal(b.status, 'cancelled');
    manager.stop(a);
    assert.deepEqual(children[0].sent.at(-1), { type: 'stop' });
    children[0].exit(0);
    assert.equal((await a.done).status, 'stopped');
    assert.equal(children.length, 1, 'the cancelled run never started');
  });

  it('follows events: run directory (pid file written), progress, and a killed child marks the run failed with its log kept', async () => {
    const dir = fakeRunDir(tmp, 'r1');
    const a = manager.enqueue({ kind: 'train', experimentFile: '/a' }, 'a');
    const child = children[0];
    child.emitEvent({ type: 'log', runDir: dir, time: time(), level: 'info', message: 'building data' });
    child.emitEvent({ type: 'progress', runDir: dir, time: time(), step: 4, totalSteps: 10, epoch: 0, totalEpochs: 1, stage: 'sft', loss: 3, lr: 1e-3, examplesPerSecond: 10, etaSeconds: 1 });
    assert.equal(a.runDir, dir);
    assert.equal(a.step, 4);
    assert.equal(readPidFile(dir)?.pid, child.pid);
    child.stderr.emit('data', Buffer.from('Segmentation fault\n'));
    child.exit(null, 'SIGKILL');
    const r = await a.done;
    assert.equal(r.status, 'failed');
    const s = readSummary(dir)!;
    assert.equal(s.status, 'failed');
    assert.match(s.error!, /killed \(SIGKILL\) at step 4/);
    assert.match(s.error!, /loss 3\.2/, 'the last log lines are in the summary');
    assert.match(s.error!, /Segmentation fault/, 'stderr lines are kept too');
    assert.match(fs.readFileSync(runPaths(dir).log, 'utf8'), /^line one\n[\s\S]*failed: engine process was killed/);
    assert.ok(fs.existsSync(path.join(dir, 'checkpoints')), 'the run directory is kept');
  });

  it('a child silent past the hang timeout is killed and its run failed', async () => {
    const dir = fakeRunDir(tmp, 'r2');
    const a = manager.enqueue({ kind: 'train', experimentFile: '/a' }, 'a');
    children[0].emitEvent({ type: 'log', runDir: dir, time: time(), level: 'info', message: 'x' });
    manager.tick(Date.now() + 1000);
    assert.equal(a.status, 'running');
    assert.deepEqual(children[0].sent.at(-1), { type: 'heartbeat' });
    manager.tick(Date.now() + 6000);
    assert.equal((await a.done).status, 'failed');
    assert.equal(children[0].killedWith, 'SIGKILL');
    assert.match(readSummary(dir)!.error!, /did not respond for \d+ s \(hung\)/);
  });

  it('an engine error (exit 1) keeps the engine\'s message; a finished summary is not overwritten', async () => {
    const dir = fakeRunDir(tmp, 'r3');
    const a = manager.enqueue({ kind: 'train', experimentFile: '/a' }, 'a');
    children[0].emitEvent({ type: 'error', runDir: dir, time: time(), message: 'loss is NaN at step 3', step: 3 });
    children[0].exit(1);
    assert.equal((await a.done).error, 'loss is NaN at step 3');
    assert.match(readSummary(dir)!.error!, /^loss is NaN at step 3/);
    fs.writeFileSync(runPaths(dir).summary, JSON.stringify({ ...readSummary(dir)!, status: 'completed' }));
    assert.equal(markRunFailed(dir, 'late'), false);
    assert.equal(readSummary(dir)!.status, 'completed');
  });
});

describe('reattach and launch', () => {
  it('reattach: a live pid is watched, a dead one reported, a run without engine.pid left alone', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'll-reattach-'));
    try {
      const live = fakeRunDir(tmp, 'live');
      const dead = fakeRunDir(path.join(tmp, 'sweep'), '00-seed=0');
      fakeRunDir(tmp, 'cli-run');
      writePidFile(live, 111);
      writePidFile(dead, 222);
      const d = reattachDecisions([tmp], (pid) => pid === 111);
      assert.deepEqual(d.map((x) => [x.kind, path.relative(tmp, x.runDir)]).sort(), [['alive', 'live'], ['dead', path.join('sweep', '00-seed=0')]]);
      assert.ok(markRunFailed(dead, ENDED_WHILE_CLOSED));
      assert.match(readSummary(dead)!.error!, /ended while the window was closed/);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('launch spec: the allowed folders reach the engine in the environment\'s LATENT_LAB_ALLOW_PATHS; allowPathsValue adds folders, relative ones dropped', () => {
    const none = engineLaunch('/x/engine-child.js', { nodePath: '', memoryLimitMb: 0 }, { PATH: '/bin' });
    assert.equal(none.options.env?.LATENT_LAB_ALLOW_PATHS, undefined);
    const value = allowPathsValue({ PATH: '/bin', LATENT_LAB_ALLOW_PATHS: '/data/shared' }, ['/work/ws', 'relative/dir', '/data/shared']);
    assert.equal(value, ['/data/shared', '/work/ws'].join(path.delimiter));
    const some = engineLaunch('/x/engine-child.js', { nodePath: '', memoryLimitMb: 0 }, { PATH: '/bin', LATENT_LAB_ALLOW_PATHS: value });
    assert.equal(some.options.env?.LATENT_LAB_ALLOW_PATHS, value);
  });

  it('launch spec: editor runtime as Node, a configured Node, a memory limit', () => {
    const a = engineLaunch('/x/engine-child.js', { nodePath: '', memoryLimitMb: 0 }, { PATH: '/bin' }, '/opt/code/code');
    assert.equal(a.options.execPath, '/opt/code/code');
    assert.equal(a.options.env?.ELECTRON_RUN_AS_NODE, '1');
    assert.deepEqual(a.options.execArgv, []);
    const b = engineLaunch('/x/engine-child.js', { nodePath: '/usr/bin/node', memoryLimitMb: 2048 }, { PATH: '/bin', ELECTRON_RUN_AS_NODE: '1' });
    assert.equal(b.options.execPath, '/usr/bin/node');
    assert.equal(b.options.env?.ELECTRON_RUN_AS_NODE, undefined);
    assert.deepEqual(b.options.execArgv, ['--max-old-space-size=2048']);
  });
});
