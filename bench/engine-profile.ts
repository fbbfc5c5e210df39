// Where one training step of the engine goes, per tfjs kernel (tf.profile):
// calls and milliseconds per kernel name, the demo config from the shipped base.
//   npx tsc -p . && node out/bench/engine-profile.js [--config examples/livr.experiment.yaml] [--threads 2] [--shapes]
// --shapes also splits each kernel by its input shapes (the top 24 entries);
// --off a,b turns those fast paths of model/speedups.ts off (e.g. --off fusedAttention).
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
  const info = await tf.profile(step);
  const by = new Map<string, { calls: number; ms: number }>();
  for (const k of info.kernels) {
    const e = by.get(k.name) ?? { calls: 0, ms: 0 };
    e.calls += 1; e.ms += Number(k.kernelTimeMs) || 0;
    by.set(k.name, e);
  }
  const rows = [...by].sort((a, b) => b[1].ms - a[1].ms);
  const total = rows.reduce((a, [, e]) => a + e.ms, 0);
  console.log(`${native}; load ${fs.readFileSync('/proc/loadavg', 'utf8').trim()}`);
  console.log(`forward + backward, ${info.kernels.length} kernel calls, ${total.toFixed(1)} ms in kernels`);
  for (const [name, e] of rows.slice(0, 14)) console.log(`${name.padEnd(24)} ${String(e.calls).padStart(5)} calls ${e.ms.toFixed(1).padStart(8)} ms`);
  if (process.argv.includes('--shapes')) printByShape(info.kernels);
  s.dispose();
}

/** Kernel name + input shapes → calls, ms (where the time of one kernel goes). */
function printByShape(kernels: Array<{ name: string; inputShapes: number[][]; kernelTimeMs: unknown }>): void {
  const by = new Map<string, { calls: number; ms: number }>();
  for (const k of kernels) {
    const key = `${k.name} ${k.inputShapes.map((s) => `[${s.join(',')}]`).join(' ')}`;
    const e = by.get(key) ?? { calls: 0, ms: 0 };
    e.calls += 1; e.ms += Number(k.kernelTimeMs) || 0;
    by.set(key, e);
  }
  console.log('by input shapes:');
  for (const [key, e] of [...by].sort((a, b) => b[1].ms - a[1].ms).slice(0, 24)) {
    console.log(`${String(e.calls).padStart(5)} calls ${e.ms.toFixed(1).padStart(8)} ms  ${key}`);
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
