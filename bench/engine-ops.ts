// One layer's forward + backward with a fast path of model/speedups.ts on and off, at the
// demo's shapes (B 32, T 131, d 64, 4 heads, LoRA rank 8), interleaved in one process and
// timed as the least of n tries each: on a shared machine the step bench's medians move by
// more than one of these paths is worth, the least time of an op much less.
//   npx tsc -p . && node out/bench/engine-ops.js [--threads 1] [--tries 40]
import * as fs from 'node:fs';
import { tf } from '../src/engine/backend';
import { attend, attentionContext, attentionProbs, embedRows, installNativeKernels } from '../src/engine/kernels';
import { createAttention } from '../src/engine/model/attention';
import { linear } from '../src/engine/model/linear';
import { ParamStore } from '../src/engine/model/params';
import { speedups, type Speedup } from '../src/engine/model/speedups';

const arg = (name: string, dflt: string) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? process.argv[i + 1] : dflt; };
const B = 32, T = 131, d = 64, heads = 4, r = 8;

/** The least ms of `tries` runs each of on() and off() (forward + backward; the wasm backend is synchronous, so reading the loss back waits for nothing), interleaved. */
function ab(tries: number, on: () => tf.Tensor[], off: () => tf.Tensor[]): { on: number; off: number } {
  const best = { on: Infinity, off: Infinity };
  const once = (which: 'on' | 'off') => {
    const t0 = process.hrtime.bigint();
    tf.tidy(() => { (which === 'on' ? on : off)()[0].dataSync(); });
    best[which] = Math.min(best[which], Number(process.hrtime.bigint() - t0) / 1e6);
  };
  for (let i = 0; i < tries; i++) { once('on'); once('off'); }
  return best;
}

/** f with one fast path set to `on`. */
const withPath = (path: Speedup, on: boolean, f: () => tf.Tensor[]) => () => {
  speedups[path] = on;
  try { return f(); } finally { speedups[path] = true; }
};

async function main(): Promise<void> {
  await tf.setBackend('wasm');
  await tf.ready();
  const report = installNativeKernels(tf, { mode: 'on', threads: Number(arg('threads', '1')) });
  const tries = Number(arg('tries', '40'));
  const store = new ParamStore(1);
  const attn = createAttention(store, 'attn', d, 0.02);
  const lora = (din: number, dout: number, name: string) => ({
    a: store.create(`${name}.lora_a`, [din, r], { kind: 'uniform', bound: 0.1 }), b: store.create(`${name}.lora_b`, [r, dout], { kind: 'normal', std: 0.02 }), scale: 2,
  });
  const loraQ = lora(d, d, 'q');
  const x = tf.randomNormal([B, T, d]);
  const mask = tf.tensor4d(Float32Array.from({ length: B * T * T }, (_, i) => (i % T <= Math.floor(i / T) % T ? 0 : -1e9)), [B, 1, T, T]); // causal
  const coef = tf.randomNormal([B, T, d]);
  const trainable = [loraQ.a, loraQ.b];
  const grads = (loss: () => tf.Scalar, xs: tf.Variable[]) => { const g = tf.variableGrads(loss, xs); return [g.value, ...Object.values(g.grads)]; };
  const xv = tf.variable(x);   // the layer input trains too: dx is computed, as in the model
  const rows: string[] = [];
  const line = (what: string, path: Speedup, t: { on: number; off: number }) =>
    rows.push(`${what.padEnd(44)} ${path.padEnd(16)} on ${t.on.toFixed(2).padStart(7)} ms  off ${t.off.toFixed(2).padStart(7)} ms  (${(t.on / t.off).toFixed(2)}×)`);
  const loraStep = () => grads(() => tf.sum(tf.mul(linear(xv, attn.q, loraQ), coef)), [xv, ...trainable]);
  line('LoRA linear 64→64, fwd + bwd (dx, dA, dB)', 'fusedLora', ab(tries, withPath('fusedLora', true, loraStep), withPath('fusedLora', false, loraStep)));
  const qv = tf.variable(tf.randomNormal([B, T, d], 0, 1, 'float32', 1)), kv = tf.variable(tf.randomNormal([B, T, d], 0, 1, 'float32', 2));
  const core = (flash: boolean) => () => grads(() => {
    const ctx = flash ? attend(qv, kv, xv, mask, heads) : attentionContext(attentionProbs(qv, kv, mask, heads), xv);
    return tf.sum(tf.mul(ctx, coef));
  }, [qv, kv, xv]);
  line('attention core, causal mask, fwd + bwd', 'flashAttention', ab(tries, core(true), core(false)));
  const table = tf.variable(tf.randomNormal([113, d])) as tf.Variable<tf.Rank.R2>;
  const ids = Int32Array.from({ length: B * T }, (_, i) => (i * 7) % 113);
  const oneHot = tf.cast(tf.oneHot(tf.tensor1d(ids, 'int32'), 113), 'float32') as tf.Tensor2D;
  const embCoef = tf.randomNormal([B * T, d]);
  line('token embedding [B·T] rows of [113, 64], fwd + bwd', 'gatherEmbedding', ab(tries,
    () => grads(() => tf.sum(tf.mul(embedRows(table, ids), embCoef)), [table]),
    () => grads(() => tf.sum(tf.mul(tf.matMul(oneHot, table), embCoef)), [table])));
  const load = fs.existsSync('/proc/loadavg') ? fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ') : '';
  console.log(`${report.summary}\nB ${B}, T ${T}, d ${d}, ${heads} heads, LoRA rank ${r}; least of ${tries} tries each, interleaved; load ${load}`);
  for (const l of rows) console.log(l);
}

main().catch((e) => { console.error(e); process.exit(1); });
