// The run manager: starts each run's engine as a child process (never trains in
// the extension host), queues runs beyond `maxConcurrent`, speaks the typed IPC of
// src/core/events.ts, sends heartbeats and watches for silence, and marks a run
// failed (summary.json + last log lines, directory kept) when its child crashes,
// is killed or hangs. No VS Code import: the UI listens to `onChange`/`onEvent`,
// and unit tests drive it with a fake child.

import type { ChildProcess } from 'node:child_process';
import { describeEvent, isChildMessage, type ControlMessage, type EngineEvent, type EngineJob } from '../../core/events';
import { writePidFile } from '../../core/runLiveness';
import { markRunFailed } from './runFiles';
import type { LaunchSpec } from './launch';

export type ManagedStatus = 'queued' | 'running' | 'completed' | 'stopped' | 'failed' | 'cancelled';

/** The part of a ChildProcess the manager uses (a fake in unit tests). */
export type EngineChild = Pick<ChildProcess, 'pid' | 'connected' | 'send' | 'kill' | 'on' | 'stdout' | 'stderr'>;
export type ForkFn = (modulePath: string, args: string[], options: LaunchSpec['options']) => EngineChild;

export interface ManagedRun {
  id: number;
  label: string;                 // what the UI calls it: the experiment file's name
  job: EngineJob;
  status: ManagedStatus;
  pid?: number;
  runDir?: string;               // the run being written now (a sweep moves through several)
  runDirs: string[];             // every run directory this job created
  step: number;
  totalSteps: number;
  lastLines: string[];           // last log lines (events and stderr), newest last
  error?: string;
  stopRequested: boolean;
  child?: EngineChild;
  done: Promise<ManagedRun>;
}

export interface RunManagerOptions {
  fork: ForkFn;
  launch: () => LaunchSpec;               // read at each start: settings may have changed
  maxConcurrent: () => number;
  heartbeatMs?: number;                   // parent → child heartbeat period
  hangTimeoutMs?: () => number;           // no message from the child this long = hung
  log?: (line: string, run: ManagedRun) => void;
}

const LAST_LINES = 20;

export class RunManager {
  private readonly all: ManagedRun[] = [];
  private readonly resolvers = new Map<number, (r: ManagedRun) => void>();
  private readonly lastHeard = new Map<number, number>();
  private readonly changeListeners: ((r: ManagedRun) => void)[] = [];
  private readonly eventListeners: ((r: ManagedRun, e: EngineEvent) => void)[] = [];
  private nextId = 1;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly o: RunManagerOptions) {}

  onChange(listener: (r: ManagedRun) => void): void { this.changeListeners.push(listener); }
  onEvent(listener: (r: ManagedRun, e: EngineEvent) => void): void { this.eventListeners.push(listener); }

  runs(): readonly ManagedRun[] { return this.all; }
  active(): ManagedRun[] { return this.all.filter((r) => r.status === 'running'); }
  queued(): ManagedRun[] { return this.all.filter((r) => r.status === 'queued'); }
  byRunDir(dir: string): ManagedRun | undefined {
    return this.all.find((r) => r.status === 'running' && r.runDirs.includes(dir));
  }

  /** Queues a job; it starts at once when fewer than maxConcurrent runs are going. */
  enqueue(job: EngineJob, label: string): ManagedRun {
    let resolve!: (r: ManagedRun) => void;
    const done = new Promise<ManagedRun>((res) => { resolve = res; });
    const run: ManagedRun = { id: this.nextId++, label, job, status: 'queued', runDirs: [], step: 0, totalSteps: 0, lastLines: [], stopRequested: false, done };
    this.resolvers.set(run.id, resolve);
    this.all.push(run);
    this.changed(run);
    this.pump();
    return run;
  }

  /** A queued run is dropped; a running one is asked to finish its step, checkpoint and exit. */
  stop(run: ManagedRun): void {
    if (run.status === 'queued') { this.finish(run, 'cancelled'); return; }
    if (run.status !== 'running' || !run.child) return;
    run.stopRequested = true;
    this.send(run, { type: 'stop' });
    this.changed(run);
  }

  /** Stops every running run and drops the queue (the window is closing). */
  dispose(): void {
    for (const r of this.queued()) this.finish(r, 'cancelled');
    for (const r of this.active()) this.stop(r);
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private pump(): void {
    const limit = Math.max(1, Math.floor(this.o.maxConcurrent()));
    while (this.active().length < limit) {
      const next = this.queued()[0];
      if (!next) break;
      this.start(next);
    }
  }

  private start(run: ManagedRun): void {
    const spec = this.o.launch();
    let child: EngineChild;
    try {
      child = this.o.fork(spec.modulePath, [], spec.options);
    } catch (err) {
      run.error = `could not start the engine (${spec.options.execPath ?? 'node'} ${spec.modulePath}): ${(err as Error).message}`;
      this.finish(run, 'failed');
      return;
    }
    run.child = child;
    run.pid = child.pid;
    run.status = 'running';
    this.lastHeard.set(run.id, Date.now());
    const onText = (chunk: Buffer | string) => {
      for (const line of String(chunk).split('\n')) if (line.trim()) this.remember(run, line);
    };
    child.stdout?.on('data', onText);
    child.stderr?.on('data', onText);
    child.on('message', (m: unknown) => this.onMessage(run, m));
    child.on('error', (err: Error) => this.remember(run, `engine process error: ${err.message}`));
    child.on('exit', (code: number | null, signal: NodeJS.Signals | null) => this.onExit(run, code, signal));
    this.send(run, { type: 'start', job: run.job });
    this.ensureTimer();
    this.changed(run);
  }

  private onMessage(run: ManagedRun, m: unknown): void {
    this.lastHeard.set(run.id, Date.now());
    if (!isChildMessage(m) || m.type !== 'event') return;
    const e = m.event;
    if (e.runDir && !run.runDirs.includes(e.runDir) && e.type !== 'evaluation') {
      run.runDirs.push(e.runDir);
      run.runDir = e.runDir;
      if (run.pid) {
        try { writePidFile(e.runDir, run.pid); } catch { /* the folder may be gone: nothing to reattach then */ }
      }
    }
    if (e.type === 'started') { run.totalSteps = e.totalSteps; run.step = e.resumedFromStep; }
    if (e.type === 'progress') { run.step = e.step; run.totalSteps = e.totalSteps; }
    if (e.type === 'error') run.error = e.message;
    for (const line of describeEvent(e)) this.remember(run, line);
    for (const l of this.eventListeners) l(run, e);
    if (e.type === 'progress' || e.type === 'started' || e.type === 'done') this.changed(run);
  }

  private onExit(run: ManagedRun, code: number | null, signal: NodeJS.Signals | null): void {
    if (run.status !== 'running') return;   // already finished (hang kill)
    if (code === 0 && !signal) {
      this.finish(run, run.stopRequested ? 'stopped' : 'completed');
      return;
    }
    const how = signal ? `was killed (${signal})` : `exited with code ${code}`;
    this.fail(run, run.error && code === 1 ? run.error : `engine process ${how} at step ${run.step}`);
  }

  /** Marks the job and its current run directory failed, keeping the directory and its log. */
  private fail(run: ManagedRun, reason: string): void {
    run.error = reason;
    const dir = run.runDir;
    if (dir) {
      try { markRunFailed(dir, reason, run.lastLines.slice(-5)); } catch (err) { this.remember(run, `could not update ${dir}/summary.json: ${(err as Error).message}`); }
    }
    this.finish(run, 'failed');
  }

  private finish(run: ManagedRun, status: ManagedStatus): void {
    run.status = status;
    run.child = undefined;
    this.lastHeard.delete(run.id);
    this.changed(run);
    this.resolvers.get(run.id)?.(run);
    this.resolvers.delete(run.id);
    if (this.active().length === 0 && this.timer) { clearInterval(this.timer); this.timer = undefined; }
    this.pump();
  }

  private ensureTimer(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.tick(), this.o.heartbeatMs ?? 2000);
    this.timer.unref?.();
  }

  /** Heartbeat to every child; a child silent for longer than the hang timeout is killed and failed. */
  tick(now = Date.now()): void {
    const hangMs = this.o.hangTimeoutMs?.() ?? 120_000;
    for (const run of this.active()) {
      this.send(run, { type: 'heartbeat' });
      const heard = this.lastHeard.get(run.id) ?? now;
      if (hangMs > 0 && now - heard > hangMs) {
        const child = run.child;
        this.fail(run, `engine did not respond for ${Math.round((now - heard) / 1000)} s (hung) at step ${run.step}; it was killed`);
        child?.kill('SIGKILL');
      }
    }
  }

  private send(run: ManagedRun, msg: ControlMessage): void {
    const child = run.child;
    if (!child?.connected) return;
    try { child.send(msg); } catch { /* channel closed: the exit handler reports it */ }
  }

  private remember(run: ManagedRun, line: string): void {
    run.lastLines.push(line);
    if (run.lastLines.length > LAST_LINES) run.lastLines.splice(0, run.lastLines.length - LAST_LINES);
    this.o.log?.(line, run);
  }

  private changed(run: ManagedRun): void {
    for (const l of this.changeListeners) l(run);
  }
}
