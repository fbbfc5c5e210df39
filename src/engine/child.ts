// Entry point of the engine as a child process (dist/engine-child.js), forked
// by the extension's run manager with an IPC channel:
//
//   parent → child   { type: 'start', job }   once, first
//                    { type: 'stop' }         finish the step, checkpoint, exit 0
//                    { type: 'heartbeat' }    ignored (keeps the channel warm)
//   child → parent   { type: 'event', event } every EngineEvent of the run
//                    { type: 'exit', code }   last message before exiting
//
// If the parent disconnects (the editor closed), the run stops as if asked to.

import type { ChildMessage, ControlMessage, EngineEvent, EngineJob } from '../core/events';
import { isControlMessage } from '../core/events';
import { InvalidExperimentError, formatProblem } from '../core/problems';

const stop = { requested: false };
let started = false;

function send(msg: ChildMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send || !process.connected) { resolve(); return; }
    process.send(msg, undefined, undefined, () => resolve());
  });
}

function errorEvent(message: string, runDir = ''): EngineEvent {
  return { type: 'error', runDir, time: new Date().toISOString(), message, step: 0 };
}

async function runJob(job: EngineJob): Promise<number> {
  const run = await import('./run');
  const onEvent = (event: EngineEvent) => { void send({ type: 'event', event }); };
  try {
    if (job.kind === 'train') {
      const results = await run.trainExperiment(job.experimentFile, { outDir: job.outDir, backend: job.backend, maxSteps: job.maxSteps, onEvent, stop });
      return results.some((r) => r.status === 'failed') ? 1 : 0;
    }
    if (job.kind === 'resume') {
      const r = await run.resumeRun(job.runDir, { onEvent, stop });
      return r.status === 'failed' ? 1 : 0;
    }
    const record = await run.evaluateTarget(job.target, { split: job.split ?? 'test' });
    onEvent({ type: 'evaluation', runDir: job.target, time: new Date().toISOString(), record });
    return 0;
  } catch (err) {
    const message = err instanceof InvalidExperimentError
      ? err.problems.filter((p) => p.severity === 'error').map(formatProblem).join('\n')
      : err instanceof Error ? err.message : String(err);
    onEvent(errorEvent(message));
    return 1;
  }
}

async function finish(code: number): Promise<void> {
  await send({ type: 'exit', code });
  // Exit explicitly: wasm worker threads (if any) would keep the loop alive.
  process.exit(code);
}

process.on('message', (raw: unknown) => {
  if (!isControlMessage(raw)) return;
  const msg: ControlMessage = raw;
  if (msg.type === 'stop') { stop.requested = true; return; }
  if (msg.type === 'heartbeat') return;
  if (started) return;
  started = true;
  runJob(msg.job).then(finish, (err: unknown) => {
    void send({ type: 'event', event: errorEvent(String(err)) }).then(() => finish(1));
  });
});
// SIGTERM / SIGINT and a vanished parent all mean: stop cleanly.
process.on('SIGTERM', () => { stop.requested = true; });
process.on('SIGINT', () => { stop.requested = true; });
process.on('disconnect', () => { stop.requested = true; if (!started) process.exit(0); });

if (!process.send) {
  process.stderr.write('engine-child: must be started with an IPC channel (child_process.fork); use dist/cli.js from a terminal\n');
  process.exit(2);
}
