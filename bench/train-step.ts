// Train-step benchmark: stock tfjs wasm vs native kernels (OpenBLAS / built-in
// sgemm, 1 and 2 threads) vs the PyTorch twin (bench/torch_train_step.py),
// interleaved, medians of 20 steps after 3 warm-ups, single and dual path.
// Reference model built inline from tf ops (d 128, 4 layers, 4 heads, MLP 512,
// T 96 = 64 image patches + 32 text, B 16); the same shapes as the twin.
//
//   npx tsc -p . && node out/bench/train-step.js [--modes single,dual] [--variants ...] [--prof]
//   node out/bench/train-step.js --child --variant native-blas-t2 --mode single   (one run, prints RESULT)
// PyTorch twin: apt-get install -y python3-torch libopenblas0-pthread (skipped, with a note, if missing).
// Every row records os.loadavg() before and after the run: the machine is shared.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { createNativeAdam, fusedGeluTanh, fusedLayerNorm, installNativeKernels, type NativeKernelReport } from '../src/engine/kernels';

const V = 64, D = 128, L = 4, H = 4, F = 512, T = 96, NIMG = 64, PD = 48, B = 16, NANS = 8, NLAT = 16;
const NTXT = T - NIMG, DH = D / H;
const arg = (name: string, dflt: string) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? process.argv[i + 1] : dflt; };
const median = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1];

// ------------------------------------------------------------------ model (child)
function buildModel() {
  const p: Record<string, tf.Variable> = {};
  let seed = 1234;
  const P = (name: string, shape: number[], std: number) => {
    p[name] = tf.variable(std === 0 ? tf.zeros(shape) : std === 1 ? tf.ones(shape) : tf.randomNormal(shape, 0, std, 'float32', seed++), true, name);
  };
  P('patch_w', [PD, D], 0.02); P('patch_b', [D], 0); P('tok_emb', [V, D], 0.02); P('pos_emb', [T, D], 0.02);
  for (let l = 0; l < L; l++) {
    P(`l${l}_ln1_g`, [D], 1); P(`l${l}_ln1_b`, [D], 0);
    for (const n of ['q', 'k', 'v', 'o']) { P(`l${l}_w${n}`, [D, D], 0.02); P(`l${l}_b${n}`, [D], 0); }
    P(`l${l}_ln2_g`, [D], 1); P(`l${l}_ln2_b`, [D], 0);
    P(`l${l}_w1`, [D, F], 0.02); P(`l${l}_b1`, [F], 0); P(`l${l}_w2`, [F, D], 0.02); P(`l${l}_b2`, [D], 0);
  }
  P('lnf_g', [D], 1); P('lnf_b', [D], 0); P('w_out', [D, V], 0.02);
  const linear = (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor | null) => { // x [..., K] -> [..., N]
    const y = tf.matMul(tf.reshape(x, [-1, x.shape[x.shape.length - 1]]), w);
    return tf.reshape(b ? tf.add(y, b) : y, [...x.shape.slice(0, -1), w.shape[1] as number]);
  };
  const forward = (patches: tf.Tensor, tokOneHot: tf.Tensor, mask: tf.Tensor) => {
    const img = linear(patches, p.patch_w, p.patch_b); // [B, NIMG, D]
    const txt = tf.reshape(tf.matMul(tokOneHot, p.tok_emb), [B, NTXT, D]);
    let x = tf.add(tf.concat([img, txt], 1), p.pos_emb); // [B, T, D]
    const attn: tf.Tensor[] = [];
    const heads = (t: tf.Tensor) => tf.transpose(tf.reshape(t, [B, T, H, DH]), [0, 2, 1, 3]); // [B, H, T, dh]
    for (let l = 0; l < L; l++) {
      const h = fusedLayerNorm(x, p[`l${l}_ln1_g`], p[`l${l}_ln1_b`]);
      const q = heads(linear(h, p[`l${l}_wq`], p[`l${l}_bq`])), k = heads(linear(h, p[`l${l}_wk`], p[`l${l}_bk`]));
      const v = heads(linear(h, p[`l${l}_wv`], p[`l${l}_bv`]));
      const probs = tf.softmax(tf.add(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(DH)), mask)); // [B, H, T, T]
      attn.push(probs);
      const ctx = tf.reshape(tf.transpose(tf.matMul(probs, v), [0, 2, 1, 3]), [B, T, D]);
      x = tf.add(x, linear(ctx, p[`l${l}_wo`], p[`l${l}_bo`]));
      const m = fusedGeluTanh(linear(fusedLayerNorm(x, p[`l${l}_ln2_g`], p[`l${l}_ln2_b`]), p[`l${l}_w1`], p[`l${l}_b1`]));
      x = tf.add(x, linear(m, p[`l${l}_w2`], p[`l${l}_b2`]));
    }
    x = fusedLayerNorm(x, p.lnf_g, p.lnf_b);
    const logits = tf.reshape(linear(tf.slice(x, [0, T - NANS, 0], [B, NANS, D]), p.w_out, null), [B * NANS, V]);
    return { logits, attn };
  };
  return { p, forward };
}

function makeData() {
  let s = 42;
  const rnd = () => { s = (s * 1103515245 + 12345) & 0x7fffffff; return s / 0x7fffffff; };
  const patches = tf.tensor3d(Float32Array.from({ length: B * NIMG * PD }, () => rnd() * 2 - 1), [B, NIMG, PD]);
  const oneHot = (n: number) => tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(Int32Array.from({ length: n }, () => Math.floor(rnd() * V)), 'int32'), V), 'float32'));
  const tokOneHot = oneHot(B * NTXT), target = oneHot(B * NANS);
  const mask = (bottleneck: boolean) => {
    const m = new Float32Array(T * T);
    for (let i = 0; i < T; i++) for (let j = 0; j < T; j++) {
      const ok = i < NIMG ? j < NIMG : j <= i && !(bottleneck && i >= T - NANS && j < NIMG);
      m[i * T + j] = ok ? 0 : -1e9;
    }
    return tf.tensor4d(m, [1, 1, T, T]);
  };
  return { patches, tokOneHot, target, maskA: mask(false), maskB: mask(true) };
}

// Per-kernel wall time per step: wraps every wasm kernel (after the native ones are installed).
function installProfiler(): { reset(): void; report(steps: number): string[] } {
  const acc = new Map<string, { ms: number; calls: number }>();
  for (const k of tf.getKernelsForBackend('wasm')) {
    const inner = k.kernelFunc;
    tf.unregisterKernel(k.kernelName, 'wasm');
    tf.registerKernel({ ...k, kernelFunc: (args) => {
      const t0 = process.hrtime.bigint();
      const r = inner(args);
      const e = acc.get(k.kernelName) ?? { ms: 0, calls: 0 };
      e.ms += Number(process.hrtime.bigint() - t0) / 1e6; e.calls++;
      acc.set(k.kernelName, e);
      return r;
    } });
  }
  return {
    reset: () => acc.clear(),
    report: (steps) => [...acc.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 12)
      .map(([n, e]) => `${n} ${(e.ms / steps).toFixed(1)}ms/${Math.round(e.calls / steps)}`),
  };
}

async function child(): Promise<void> {
  const variant = arg('variant', 'stock'), mode = arg('mode', 'single'), steps = Number(arg('steps', '20')), warmup = 3;
  if (variant.includes('builtin')) process.env.LATENT_LAB_BLAS = 'builtin';
  await tf.setBackend('wasm');
  await tf.ready();
  const threads = Number((/-t(\d)$/.exec(variant) ?? ['', '1'])[1]);
  const report: NativeKernelReport = installNativeKernels(tf, { mode: variant === 'stock' ? 'off' : 'on', threads });
  const { p, forward } = buildModel();
  const data = makeData();
  const profile = process.argv.includes('--prof') ? installProfiler() : null;
  const ce = (logits: tf.Tensor) => tf.neg(tf.mean(tf.sum(tf.mul(data.target, tf.logSoftmax(logits)), -1)));
  const lossFn = (): tf.Scalar => {
    const A = forward(data.patches, data.tokOneHot, data.maskA);
    if (mode === 'single') return ce(A.logits) as tf.Scalar;
    const Bp = forward(data.patches, data.tokOneHot, data.maskB);
    const lpA = tf.logSoftmax(A.logits), lpB = tf.logSoftmax(Bp.logits);
    const kl = tf.mean(tf.sum(tf.mul(tf.exp(lpA), tf.sub(lpA, lpB)), -1));
    const sl = (t: tf.Tensor) => tf.slice(t, [0, 0, T - NANS, NIMG], [B, H, NANS, NLAT]);
    const frob = tf.div(tf.addN(A.attn.map((a, l) => tf.sum(tf.square(tf.sub(sl(a), sl(Bp.attn[l])))))), B);
    return tf.addN([ce(A.logits), ce(Bp.logits), kl, frob]) as tf.Scalar;
  };
  const opt = report.native.includes('Adam') ? createNativeAdam(tf, { learningRate: 1e-3 }) : tf.train.adam(1e-3);
  const times: number[] = [], losses: number[] = [];
  for (let i = 0; i < warmup + steps; i++) {
    if (i === warmup) profile?.reset();
    const t0 = process.hrtime.bigint();
    const loss = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(lossFn, Object.values(p));
      if ('setLearningRate' in opt) opt.applyGradients(grads, p); else (opt as tf.Optimizer).applyGradients(grads as Parameters<tf.Optimizer['applyGradients']>[0]);
      return value;
    });
    losses.push(loss.dataSync()[0]);
    loss.dispose();
    if (i >= warmup) times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  console.log('RESULT ' + JSON.stringify({
    variant, mode, stepMsMedian: +median(times).toFixed(1), stepMsMin: +Math.min(...times).toFixed(1),
    losses: [+losses[0].toFixed(4), +losses[losses.length - 1].toFixed(4)], numTensors: tf.memory().numTensors,
    native: report.summary, profile: profile ? profile.report(steps) : undefined, maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
  }));
  process.exit(0);
}

// ------------------------------------------------------------------ parent
function runOne(variant: string, mode: string, prof: boolean): Record<string, unknown> {
  const load0 = os.loadavg()[0];
  const torchThreads = String((/-t(\d)$/.exec(variant) ?? ['', '2'])[1]);
  const cmd = variant.startsWith('torch')
    ? ['/usr/bin/python3', [path.resolve(__dirname, '../../bench/torch_train_step.py'), '--mode', mode, '--threads', torchThreads]] as const
    : [process.execPath, [__filename, '--child', '--variant', variant, '--mode', mode, ...(prof ? ['--prof'] : [])]] as const;
  const env = { ...process.env, LD_LIBRARY_PATH: '/usr/lib/x86_64-linux-gnu/openblas-pthread', OMP_WAIT_POLICY: 'PASSIVE', ...(variant.startsWith('torch') ? { OPENBLAS_NUM_THREADS: torchThreads } : {}) };
  const r = spawnSync(cmd[0], [...cmd[1]], { encoding: 'utf8', env, timeout: 300000 });
  const line = (r.stdout ?? '').split('\n').find((l) => l.startsWith('RESULT '));
  const res = line ? JSON.parse(line.slice(7)) : { error: (r.stderr || r.error?.message || 'no RESULT').split('\n').slice(-3).join(' ') };
  return { variant, mode, ...res, loadavg: [+load0.toFixed(2), +os.loadavg()[0].toFixed(2)] };
}

function parent(): void {
  const modes = arg('modes', 'single,dual').split(',');
  const variants = arg('variants', 'torch-t2,stock,native-blas-t2,native-builtin-t2,torch-t1,native-blas-t1,native-builtin-t1,torch-t2').split(',');
  const hasTorch = spawnSync('/usr/bin/python3', ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
  if (!hasTorch) console.log('PyTorch twin skipped: apt-get install -y python3-torch libopenblas0-pthread');
  const rows: Record<string, unknown>[] = [];
  for (const mode of modes) {
    for (const v of variants) {
      if (v.startsWith('torch') && !hasTorch) continue;
      const row = runOne(v, mode, process.argv.includes('--prof') && v.startsWith('native'));
      rows.push(row);
      console.log(JSON.stringify(row));
    }
  }
  const out = arg('out', '');
  if (out) fs.writeFileSync(out, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  printRatios(rows);
}

/** Median ms per step of each variant beside the PyTorch twin at the same thread count (mean of its runs). */
function printRatios(rows: Record<string, unknown>[]): void {
  const ms = (r: Record<string, unknown>) => r.stepMsMedian as number;
  console.log('\n| mode | variant | ms/step | × PyTorch (same threads) | peak RSS MB |\n|---|---|---|---|---|');
  for (const r of rows) {
    const threads = String(r.variant).endsWith('-t1') ? 't1' : 't2';
    const torch = rows.filter((x) => x.mode === r.mode && x.variant === `torch-${threads}`).map(ms);
    const ref = torch.length ? torch.reduce((a, b) => a + b, 0) / torch.length : NaN;
    const ratio = String(r.variant).startsWith('torch') || Number.isNaN(ref) ? '' : (ms(r) / ref).toFixed(2);
    console.log(`| ${String(r.mode)} | ${String(r.variant)} | ${ms(r).toFixed(1)} | ${ratio} | ${String(r.maxRssMB ?? '')} |`);
  }
}

if (process.argv.includes('--child')) void child(); else parent();
