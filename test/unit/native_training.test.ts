// A short training run of a tiny 2-layer transformer built inline from tf ops:
// the same 20 losses to 4 decimals with and without native kernels. Plus the
// fallbacks: mode 'off', addon missing (child process), tfjs internals check.
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import {
  backendInternalsProblem, createNativeAdam, fusedGeluTanh, fusedLayerNorm, installNativeKernels, TFJS_VERSION_PINNED, uninstallNativeKernels,
} from '../../src/engine/kernels';
import { requireAddon, useWasm } from './native_kernels_support';

const V = 16, D = 32, H = 2, T = 12, B = 4, L = 2, STEPS = 20;

/** Losses of STEPS Adam steps; native: fused ops + native kernels + native Adam. */
function trainTiny(native: boolean): number[] {
  const report = native ? installNativeKernels(tf, { mode: 'on', threads: 2 }) : installNativeKernels(tf, { mode: 'off', threads: 0 });
  assert.strictEqual(report.native.length > 0, native, report.summary);
  const p: Record<string, tf.Variable> = {};
  let seed = 100;
  const param = (name: string, shape: number[], init: 'normal' | 'zeros' | 'ones') => {
    // tidy frees the initial value; the variable (its own copy) survives.
    p[name] = tf.tidy(() => tf.variable(init === 'normal' ? tf.randomNormal(shape, 0, 0.2, 'float32', seed++) : init === 'zeros' ? tf.zeros(shape) : tf.ones(shape), true, `tiny_${native}_${name}`));
  };
  param('emb', [V, D], 'normal'); param('pos', [T, D], 'normal');
  for (let l = 0; l < L; l++) {
    param(`ln1g${l}`, [D], 'ones'); param(`ln1b${l}`, [D], 'zeros'); param(`wqkv${l}`, [D, 3 * D], 'normal'); param(`wo${l}`, [D, D], 'normal');
    param(`ln2g${l}`, [D], 'ones'); param(`ln2b${l}`, [D], 'zeros'); param(`w1${l}`, [D, 4 * D], 'normal'); param(`w2${l}`, [4 * D, D], 'normal');
  }
  param('lnfg', [D], 'ones'); param('lnfb', [D], 'zeros');
  const ids = tf.tensor2d(Array.from({ length: B * T }, (_, i) => (i * 7 + 3) % V), [B, T], 'int32');
  const targets = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(Array.from({ length: B * T }, (_, i) => (i * 5 + 1) % V), 'int32'), V), 'float32')); // [B*T, V]
  const mask = tf.tidy(() => tf.mul(tf.sub(1, tf.linalg.bandPart(tf.ones([T, T]), -1, 0)), -1e9)); // [T, T] causal, additive
  const lossFn = () => {
    const oneHot = tf.cast(tf.oneHot(tf.reshape(ids, [-1]), V), 'float32'); // [B*T, V]
    let x = tf.add(tf.reshape(tf.matMul(oneHot, p.emb), [B, T, D]), p.pos); // [B, T, D]
    const heads = (t: tf.Tensor) => tf.transpose(tf.reshape(t, [B, T, H, D / H]), [0, 2, 1, 3]); // [B, H, T, dh]
    for (let l = 0; l < L; l++) {
      const h = fusedLayerNorm(x, p[`ln1g${l}`], p[`ln1b${l}`]);
      const qkv = tf.matMul(tf.reshape(h, [B * T, D]), p[`wqkv${l}`]); // [B*T, 3D]
      const [q, k, v] = tf.split(tf.reshape(qkv, [B, T, 3 * D]), 3, 2).map(heads);
      const att = tf.softmax(tf.add(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(D / H)), mask)); // [B, H, T, T]
      const ctx = tf.reshape(tf.transpose(tf.matMul(att, v), [0, 2, 1, 3]), [B * T, D]);
      x = tf.add(x, tf.reshape(tf.matMul(ctx, p[`wo${l}`]), [B, T, D]));
      const m = fusedGeluTanh(tf.matMul(tf.reshape(fusedLayerNorm(x, p[`ln2g${l}`], p[`ln2b${l}`]), [B * T, D]), p[`w1${l}`]));
      x = tf.add(x, tf.reshape(tf.matMul(m, p[`w2${l}`]), [B, T, D]));
    }
    const logits = tf.matMul(tf.reshape(fusedLayerNorm(x, p.lnfg, p.lnfb), [B * T, D]), p.emb, false, true); // [B*T, V], tied
    return tf.neg(tf.mean(tf.sum(tf.mul(targets, tf.logSoftmax(logits)), -1))) as tf.Scalar;
  };
  const opt = native ? createNativeAdam(tf, { learningRate: 3e-3, epsilon: 1e-7 }) : tf.train.adam(3e-3, 0.9, 0.999, 1e-7);
  const losses: number[] = [];
  const tensorsBefore = tf.memory().numTensors;
  for (let s = 0; s < STEPS; s++) {
    const loss = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(lossFn, Object.values(p));
      if ('setLearningRate' in opt) opt.applyGradients(grads, p);
      else (opt as tf.Optimizer).applyGradients(grads as Parameters<tf.Optimizer['applyGradients']>[0]);
      return value;
    });
    losses.push(loss.dataSync()[0]);
    loss.dispose();
    if (s === 1) assert.ok(tf.memory().numTensors - tensorsBefore < 200);
  }
  opt.dispose();
  Object.values(p).forEach((v) => v.dispose());
  [ids, targets, mask].forEach((t) => t.dispose());
  return losses;
}

describe('native kernels in a short training run, and the fallbacks', function () {
  before(useWasm);
  after(() => uninstallNativeKernels(tf));

  it('20 steps of a tiny 2-layer transformer give the same losses (4 decimals) with and without native kernels', function () {
    requireAddon(this);
    const stock = trainTiny(false), native = trainTiny(true);
    assert.ok(stock[STEPS - 1] < stock[0] - 0.1, `the run should learn: ${stock[0]} -> ${stock[STEPS - 1]}`);
    // "equal to 4 decimals" as in assertAlmostEqual: round(a - b, 4) == 0
    const worst = Math.max(...native.map((x, i) => Math.abs(x - stock[i])));
    assert.ok(worst < 5e-5, `max |loss diff| ${worst.toExponential(2)}\nstock  ${stock.map((x) => x.toFixed(5))}\nnative ${native.map((x) => x.toFixed(5))}`);
  });

  it("mode 'off' keeps every stock kernel, says why, and training still works", () => {
    const report = installNativeKernels(tf, { mode: 'off', threads: 0 });
    assert.deepStrictEqual(report.native, []);
    assert.strictEqual(report.stock.BatchMatMul, 'runtime.native_kernels: off');
    assert.strictEqual(tf.getKernel('LatentLabLayerNorm', 'wasm'), undefined);
    const losses = trainTiny(false);
    assert.ok(losses.every(Number.isFinite));
  });

  it('with the addon missing, auto falls back to stock kernels (and says why) and on fails with a clear error', function () {
    this.timeout(120000);
    const fake = fs.mkdtempSync(path.join(os.tmpdir(), 'latent-lab-native-absent-'));
    const nativeDir = path.resolve(__dirname, '../../../native');
    fs.copyFileSync(path.join(nativeDir, 'index.js'), path.join(fake, 'index.js'));
    fs.copyFileSync(path.join(nativeDir, 'package.json'), path.join(fake, 'package.json'));
    const script = `
      const tf = require('@tensorflow/tfjs'); require('@tensorflow/tfjs-backend-wasm');
      const k = require(${JSON.stringify(path.resolve(__dirname, '../../src/engine/kernels'))});
      (async () => {
        await tf.setBackend('wasm'); await tf.ready();
        const report = k.installNativeKernels(tf, { mode: 'auto', threads: 0 });
        let onError = '';
        try { k.installNativeKernels(tf, { mode: 'on', threads: 0 }); } catch (e) { onError = e.message; }
        const y = tf.tidy(() => k.fusedGeluTanh(k.fusedLayerNorm(tf.matMul(tf.ones([2, 3, 4]), tf.ones([4, 4])), tf.ones([4]), tf.zeros([4]))).sum().dataSync()[0]);
        console.log(JSON.stringify({ report, onError, y }));
      })();`;
    const r = spawnSync(process.execPath, ['-e', script], {
      cwd: path.resolve(__dirname, '../../..'), encoding: 'utf8', env: { ...process.env, LATENT_LAB_NATIVE: undefined, LATENT_LAB_NATIVE_DIR: fake },
    });
    fs.rmSync(fake, { recursive: true, force: true });
    assert.strictEqual(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout.trim().split('\n').pop() as string);
    assert.deepStrictEqual(out.report.native, []);
    assert.match(out.report.stock.BatchMatMul, /addon not built/);
    assert.match(out.onError, /native_kernels is 'on' but native kernels cannot be used: addon not built/);
    assert.ok(Number.isFinite(out.y));
  });

  it(`tfjs is exactly ${TFJS_VERSION_PINNED} and the wasm backend still has dataIdMap, wasm.HEAPU8, makeOutput, incRef`, () => {
    assert.strictEqual(tf.version.tfjs, TFJS_VERSION_PINNED, 'native kernels use tfjs-backend-wasm internals: re-check them before moving tfjs');
    const pkg = JSON.parse(fs.readFileSync(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'), 'utf8'));
    assert.strictEqual(pkg.version, TFJS_VERSION_PINNED);
    const be = tf.backend() as unknown as { dataIdMap: Map<unknown, { memoryOffset: number }>; wasm: { HEAPU8: Uint8Array }; makeOutput: unknown; incRef: unknown };
    assert.strictEqual(backendInternalsProblem(tf, be), null);
    // The layout the kernels read: a float32 tensor's bytes at memoryOffset on HEAPU8.
    const t = tf.tensor1d([1.25, -7.5, 3]);
    const off = be.dataIdMap.get(t.dataId)?.memoryOffset as number;
    assert.deepStrictEqual(Array.from(new Float32Array(be.wasm.HEAPU8.buffer, off, 3)), [1.25, -7.5, 3]);
    t.dispose();
    assert.match(backendInternalsProblem(tf, { dataIdMap: new Map(), wasm: {} }) ?? '', /HEAPU8/);
  });
});
