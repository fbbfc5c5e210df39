// How many threads the native kernels split work over. `threads: 0` adapts to
// the cores actually free right now: a fixed two-way split was measured 2.2x
// slower when another process kept one of two cores busy, while one thread
// barely suffers. /proc/stat is sampled for ~120 ms (os.loadavg() elsewhere).
import * as fs from 'fs';
import * as os from 'os';

export interface ThreadChoice { threads: number; reason: string }

const MAX_ADAPTIVE_THREADS = 4;

function readCpuTimes(): { idle: number; total: number } | null {
  try {
    const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]; // "cpu  user nice system idle iowait ..."
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    if (v.length < 5 || v.some((n) => !Number.isFinite(n))) return null;
    return { idle: v[3] + v[4], total: v.reduce((s, n) => s + n, 0) };
  } catch {
    return null;
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Cores kept busy by OTHER processes over a short sample window (this
 *  process's own background threads, e.g. V8 compiling the wasm module, are
 *  subtracted via process.cpuUsage()). */
export function measureBusyCores(sampleMs = 120): { busy: number; source: string } {
  const cores = os.cpus().length;
  const a = readCpuTimes();
  if (a) {
    const own0 = process.cpuUsage(), t0 = process.hrtime.bigint();
    sleepSync(sampleMs);
    const b = readCpuTimes();
    const own = process.cpuUsage(own0), wallUs = Number(process.hrtime.bigint() - t0) / 1e3;
    if (b && b.total > a.total) {
      const busyFraction = 1 - (b.idle - a.idle) / (b.total - a.total);
      const ownCores = (own.user + own.system) / wallUs;
      return { busy: Math.max(0, busyFraction * cores - ownCores), source: `/proc/stat over ${sampleMs} ms` };
    }
  }
  return { busy: os.loadavg()[0], source: 'os.loadavg 1 min' };
}

export function chooseThreads(requested: number): ThreadChoice {
  const cores = os.cpus().length;
  if (!Number.isInteger(requested) || requested < 0) {
    throw new Error(`runtime.threads must be a whole number >= 0 (0 = adapt to free cores), got ${requested}`);
  }
  const env = process.env.LATENT_LAB_THREADS;
  if (env !== undefined && env !== '') {
    const n = Number(env);
    if (!Number.isInteger(n) || n < 1) throw new Error(`LATENT_LAB_THREADS must be a whole number >= 1, got "${env}"`);
    return { threads: n, reason: `env LATENT_LAB_THREADS=${n}` };
  }
  if (requested > 0) return { threads: requested, reason: `runtime.threads: ${requested}` };
  const { busy, source } = measureBusyCores();
  const free = cores - busy;
  const threads = Math.max(1, Math.min(Math.round(free), cores, MAX_ADAPTIVE_THREADS));
  return { threads, reason: `runtime.threads: 0 (adaptive): ${free.toFixed(1)} of ${cores} cores free (${source})` };
}
