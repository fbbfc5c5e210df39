// Fused LayerNorm and GELU (tanh) kernels and their gradients against the same
// math in stock tfjs ops (the fallback of fusedLayerNorm / fusedGeluTanh), and
// native Adam against tf.train.adam and a float64 reference over several steps.
import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import { activeNativeKernels, createNativeAdam, fusedGeluTanh, fusedLayerNorm, installNativeKernels, uninstallNativeKernels } from '../../src/engine/kernels';
import { loadNativeAddon, type NativeAddon } from '../../src/engine/kernels/native_addon';
import { assertClose, maxAbsOf, requireAddon, useWasm } from './native_kernels_support';

type Grads = Float32Array[];
function layerNormValueAndGrads(threads: number | null): Grads {
  if (threads === null) uninstallNativeKernels(tf); else installNativeKernels(tf, { mode: 'on', threads });
  return tf.tidy(() => {
    const x = tf.randomNormal([16, 96, 128], 0.3, 2, 'float32', 1), g = tf.randomNormal([128], 1, 0.3, 'float32', 2);
    const b = tf.randomNormal([128], 0, 0.3, 'float32', 3), w = tf.randomNormal([16, 96, 128], 0, 1, 'float32', 4);
    const loss = (xx: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.mul(fusedLayerNorm(xx, gg, bb), w));
    return [fusedLayerNorm(x, g, b), ...tf.grads(loss)([x, g, b])].map((t) => t.dataSync() as Float32Array);
  });
}
function geluValueAndGrad(threads: number | null): Grads {
  if (threads === null) uninstallNativeKernels(tf); else installNativeKernels(tf, { mode: 'on', threads });
  return tf.tidy(() => {
    const x = tf.concat([tf.randomNormal([16 * 96 * 128], 0, 3, 'float32', 5), tf.tensor1d([0, -0, 1e-30, -1e-30, 12, -12, 30, -30, 1e-40])]);
    const w = tf.randomNormal(x.shape, 0, 1, 'float32', 6);
    return [fusedGeluTanh(x), tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(fusedGeluTanh(xx), w)))(x)].map((t) => t.dataSync() as Float32Array);
  });
}

describe('native fused LayerNorm / GELU(tanh) and Adam', function () {
  let addon: NativeAddon;
  before(async function () {
    requireAddon(this);
    addon = loadNativeAddon().addon as NativeAddon;
    await useWasm();
  });
  after(() => { uninstallNativeKernels(tf); addon?.selectKernels('auto'); });

  for (const threads of [1, 2]) {
    it(`LayerNorm value and dx, dg, db match the tfjs-op LayerNorm (${threads} thread(s), each SIMD variant)`, () => {
      const ref = layerNormValueAndGrads(null);
      for (const v of ['generic', 'avx2', 'avx512'] as const) {
        if (!addon.selectKernels(v)) continue;
        const got = layerNormValueAndGrads(threads);
        assert.ok(activeNativeKernels(tf).includes('LatentLabLayerNorm'));
        ['y', 'dx', 'dg', 'db'].forEach((n, i) => assertClose(`LayerNorm ${n} (${v})`, ref[i], got[i], 3e-6, Math.max(1, maxAbsOf(ref[i]))));
      }
    });
    it(`GELU(tanh) value and gradient match the tfjs-op GELU (${threads} thread(s), each SIMD variant)`, () => {
      const ref = geluValueAndGrad(null);
      for (const v of ['generic', 'avx2', 'avx512'] as const) {
        if (!addon.selectKernels(v)) continue;
        const got = geluValueAndGrad(threads);
        assertClose(`GELU y (${v})`, ref[0], got[0], 1e-6, Math.max(1, maxAbsOf(ref[0])));
        assertClose(`GELU dx (${v})`, ref[1], got[1], 2e-6, Math.max(1, maxAbsOf(ref[1])));
      }
    });
  }

  it('fusedLayerNorm names the bad shape when gain/bias do not match the last axis', () => {
    assert.throws(() => tf.tidy(() => fusedLayerNorm(tf.ones([2, 4]), tf.ones([3]), tf.zeros([4]))), /gain \[3\].*must both be \[4\]/);
  });

  it('Adam over 6 steps matches tf.train.adam and a float64 reference; AdamW decays weights', () => {
    installNativeKernels(tf, { mode: 'on', threads: 1 });
    const init = [Float32Array.from({ length: 300 }, (_, i) => Math.sin(i)), Float32Array.from({ length: 7 }, (_, i) => i - 3)];
    const gradsAt = (step: number) => init.map((w, k) => Float32Array.from(w, (_, i) => Math.cos(i * 0.7 + step + k) * (i % 5 === 0 ? 1e-6 : 0.1)));
    const lr = 0.01, b1 = 0.9, b2 = 0.999, eps = 1e-7, steps = 6;
    const runWith = (apply: (g: tf.NamedTensorMap, vars: Record<string, tf.Variable>) => void): Float32Array[] => {
      // tidy frees the initial values; the variables (their own copies) survive.
      const vars: Record<string, tf.Variable> = tf.tidy(() => ({ adamTestW0: tf.variable(tf.tensor1d(init[0]), true, `adamTestW0_${Math.random()}`), adamTestW1: tf.variable(tf.tensor1d(init[1]), true, `adamTestW1_${Math.random()}`) }));
      for (let s = 0; s < steps; s++) {
        const gs = gradsAt(s);
        tf.tidy(() => apply({ adamTestW0: tf.tensor1d(gs[0]), adamTestW1: tf.tensor1d(gs[1]) }, vars));
      }
      const out = Object.values(vars).map((v) => v.dataSync() as Float32Array);
      Object.values(vars).forEach((v) => v.dispose());
      return out;
    };
    // float64 reference
    const ref = init.map((w) => Float64Array.from(w));
    const m = init.map((w) => new Float64Array(w.length)), v = init.map((w) => new Float64Array(w.length));
    for (let s = 1; s <= steps; s++) {
      const gs = gradsAt(s - 1);
      ref.forEach((w, k) => { for (let i = 0; i < w.length; i++) {
        m[k][i] = b1 * m[k][i] + (1 - b1) * gs[k][i]; v[k][i] = b2 * v[k][i] + (1 - b2) * gs[k][i] ** 2;
        w[i] -= lr * (m[k][i] / (1 - b1 ** s)) / (Math.sqrt(v[k][i] / (1 - b2 ** s)) + eps);
      } });
    }
    const native = createNativeAdam(tf, { learningRate: lr, beta1: b1, beta2: b2, epsilon: eps });
    const gotNative = runWith((g, vars) => native.applyGradients(g, vars));
    assert.strictEqual(native.getState().step, steps);
    native.dispose();
    const stockOpt = tf.train.adam(lr, b1, b2, eps);
    const gotStock = runWith((g, vars) => stockOpt.applyGradients(Object.keys(g).map((k) => ({ name: vars[k].name, tensor: g[k] }))));
    stockOpt.dispose();
    gotNative.forEach((w, k) => {
      assertClose(`native Adam vs float64 reference, var ${k}`, ref[k], w, 2e-6);
      assertClose(`native Adam vs tf.train.adam, var ${k}`, gotStock[k], w, 2e-6);
    });
    // AdamW: decoupled decay x (1 - lr wd) on top of the same step
    const adamw = createNativeAdam(tf, { learningRate: lr, beta1: b1, beta2: b2, epsilon: eps, weightDecay: 0.5 });
    const gotW = runWith((g, vars) => adamw.applyGradients(g, vars));
    adamw.dispose();
    assert.ok(Math.abs(gotW[1][0]) < Math.abs(gotNative[1][0]), 'weight decay shrinks the weights');
  });
});
