// Where one training step of the engine goes, per tfjs kernel (tf.profile):
// calls and milliseconds per kernel name, the demo config from the shipped base.
//   npx tsc -p . && node out/bench/engine-profile.js [--config examples/livr.experiment.yaml] [--threads 2] [--shapes] [--repeat 5]
// --shapes also splits each kernel by its input shapes (the top 24 entries);
// --off a,b turns those fast paths of model/speedups.ts off (e.g. --off fusedAttention);
// --repeat n profiles n steps and keeps, per kernel (and per shape), the least time of
// the n: on a shared machine a step's kernel time is mostly time spent preempted, and
// the minimum over steps filters that out (the sums are then sums of per-kernel minima).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadExperiment } from '../src/core/validator';
import { tf } from '../src/engine/backend';
import { startBackend } from '../src/engine/run';
import { buildSession } from '../src/engine/session';
import { speedups, type Speedup } from '../src/engine/model/speedups';

const arg = (name: string, dflt: string) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? process.argv[i + 1] : dflt; };

async function main(): Promise<void> {
  const cfg = loadExperiment(path.resolve(arg('config', 'examples/livr.experiment.yaml')));
  cfg.runtime.threads = Number(arg('threads', '2'));
  for (const name of arg('off', '').split(',').filter(Boolean)) {
    if (!(name in speedups)) throw new Error(`--off: unknown fast path ${name} (${Object.keys(speedups).join(', ')})`);
    speedups[name as Speedup] = false;
  }
  const { native } = await startBackend(cfg);
  const s = await buildSession(cfg);
  const params = [...s.method.trainableVariables(s.model).values()];
  const examples = s.epochOrder(0).slice(0, cfg.train.batch_size).map((i) => s.splits.train[i]);
  const step = () => {
    const b = s.method.prepareBatch(examples, 0);
    const { value, grads } = tf.variableGrads(() => s.method.loss(s.model, b, { step: 0, epoch: 0, totalSteps: 1, config: cfg }).loss, params);
    value.dataSync();
    value.dispose(); for (const g of Object.values(grads)) g.dispose();
    b.dispose();
  };
  step(); step();   // warm-up (and the image-token cache)
  const repeat = Number(arg('repeat', '1'));
  const loadBefore = fs.readFileSync('/proc/loadavg', 'utf8').trim();
  const steps: Kernel[][] = [];
  for (let r = 0; r < repeat; r++) steps.push((await tf.profile(step)).kernels);
  const rows = [...leastOver(steps, (k) => k.name)].sort((a, b) => b[1].ms - a[1].ms);
  const total = rows.reduce((a, [, e]) => a + e.ms, 0);
  console.log(`${native}; load ${loadBefore} … ${fs.readFileSync('/proc/loadavg', 'utf8').trim()}`);
  console.log(`forward + backward, ${steps[0].length} kernel calls, ${total.toFixed(1)} ms in kernels${repeat > 1 ? ` (per kernel the least of ${repeat} steps)` : ''}`);
  for (const [name, e] of rows.slice(0, 14)) console.log(`${name.padEnd(24)} ${String(e.calls).padStart(5)} calls ${e.ms.toFixed(1).padStart(8)} ms`);
  if (process.argv.includes('--shapes')) {
    console.log('by input shapes:');
    const byShape = leastOver(steps, (k) => `${k.name} ${k.inputShapes.map((sh) => `[${sh.join(',')}]`).join(' ')}`);
    for (const [key, e] of [...byShape].sort((a, b) => b[1].ms - a[1].ms).slice(0, 24)) {
      console.log(`${String(e.calls).padStart(5)} calls ${e.ms.toFixed(1).padStart(8)} ms  ${key}`);
    }
  }
  s.dispose();
}

type Kernel = { name: string; inputShapes: number[][]; kernelTimeMs: unknown };

/** Per key: calls and ms within each profiled step, then the step with the least ms for that key. */
function leastOver(steps: Kernel[][], key: (k: Kernel) => string): Map<string, { calls: number; ms: number }> {
  const least = new Map<string, { calls: number; ms: number }>();
  for (const kernels of steps) {
    const by = new Map<string, { calls: number; ms: number }>();
    for (const k of kernels) {
      const e = by.get(key(k)) ?? { calls: 0, ms: 0 };
      e.calls += 1; e.ms += Number(k.kernelTimeMs) || 0;
      by.set(key(k), e);
    }
    for (const [k, e] of by) if (!least.has(k) || e.ms < least.get(k)!.ms) least.set(k, e);
  }
  return least;
}

main().catch((e) => { console.error(e); process.exit(1); });
