// Is a run that says `running` really running? The engine writes <run>/engine.pid
// when it starts and touches it every few seconds (the heartbeat); it removes it
// when it ends. A run whose summary says running but whose engine process is gone
// (kill -9, a crash, a power cut) is shown as failed by the CLI and the Runs view,
// decided here and nowhere else.
import * as fs from 'node:fs';
import * as os from 'node:os';
import { writeFileAtomic } from './atomicWrite';
import { READ_LIMITS, readTextBounded } from './boundedRead';
import { isProcessAlive } from './processAlive';
import { runPaths, type RunSummary } from './runLayout';

/** How often the engine touches its pid file. */
export const HEARTBEAT_MS = 2000;
/**
 * A heartbeat older than this means the engine is gone even if its pid is taken
 * (pid reuse, or a run on another machine): long enough for the longest blocking
 * step (a checkpoint of a large model) to finish.
 */
export const HEARTBEAT_STALE_MS = 120_000;

export interface PidRecord { pid: number; started: string; host?: string }

export function writePidFile(runDir: string, pid: number): void {
  const rec: PidRecord = { pid, started: new Date().toISOString(), host: os.hostname() };
  writeFileAtomic(runPaths(runDir).pid, JSON.stringify(rec) + '\n');
}

export function readPidFile(runDir: string): PidRecord | undefined {
  try {
    const rec = JSON.parse(readTextBounded(runPaths(runDir).pid, READ_LIMITS.runJson, 'pid file')) as Partial<PidRecord>;
    if (typeof rec.pid !== 'number' || !Number.isInteger(rec.pid) || rec.pid <= 0) return undefined;
    return { pid: rec.pid, started: String(rec.started ?? ''), ...(typeof rec.host === 'string' ? { host: rec.host } : {}) };
  } catch {
    return undefined;
  }
}

/** The engine's heartbeat: touches the pid file every HEARTBEAT_MS until stopped; stop() removes the file. */
export function startHeartbeat(runDir: string): { stop(): void } {
  const file = runPaths(runDir).pid;
  writePidFile(runDir, process.pid);
  const timer = setInterval(() => {
    const t = new Date();
    try { fs.utimesSync(file, t, t); } catch { /* the folder was removed: nothing to keep alive */ }
  }, HEARTBEAT_MS);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      const rec = readPidFile(runDir);
      if (rec?.pid === process.pid) fs.rmSync(file, { force: true });
    },
  };
}

/** Why a `running` run is not running, or undefined when it may be (or is not `running` at all). */
export function deadRunReason(runDir: string, summary: RunSummary | undefined, now = Date.now(),
  alive: (pid: number) => boolean = isProcessAlive): string | undefined {
  if (summary?.status !== 'running') return undefined;
  const rec = readPidFile(runDir);
  if (!rec) return undefined;   // written by a version without heartbeats, or the first instant of a run: cannot tell
  let beat: number;
  try { beat = fs.statSync(runPaths(runDir).pid).mtimeMs; } catch { return undefined; }
  const sameHost = rec.host === undefined || rec.host === os.hostname();
  if (sameHost && !alive(rec.pid)) return `its engine process (pid ${rec.pid}) is gone: it was killed or crashed; resume it from its last checkpoint`;
  if (now - beat > HEARTBEAT_STALE_MS) {
    return `its engine (pid ${rec.pid}${sameHost ? '' : ` on ${rec.host}`}) has not been heard from for ${Math.round((now - beat) / 1000)} s; resume it from its last checkpoint`;
  }
  return undefined;
}

/** The summary as it should be shown: status `failed` (with the reason) when its engine is gone. */
export function liveSummary(runDir: string, summary: RunSummary | undefined, now = Date.now()): RunSummary | undefined {
  const reason = deadRunReason(runDir, summary, now);
  return reason && summary ? { ...summary, status: 'failed', error: `not running: ${reason}` } : summary;
}
