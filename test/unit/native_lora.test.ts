// The fused LoRA linear (loraLinear: x·W + bias + s·(x·A)·B, then its GELU or plus a
// residual, kernels/lora.ts) native against the same math in stock tfjs ops (its fallback,
// the model's old code): the output and the gradients of x, A, B, the residual, and of W
// and the bias (which the native backward leaves to tfjs ops), 1 and 2 threads, each SIMD
// variant, OpenBLAS and the built-in sgemm; rows not a multiple of the 128-row block nor of
// the vector width, no bias.
import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import { activeNativeKernels, installNativeKernels, loraLinear, uninstallNativeKernels } from '../../src/engine/kernels';
import { loadNativeAddon, type NativeAddon } from '../../src/engine/kernels/native_addon';
import { assertClose, maxAbsOf, requireAddon, useWasm } from './native_kernels_support';

interface Case { N: number; din: number; dout: number; r: number; bias: boolean; then?: 'gelu' | 'residual' }

const NAMES = ['y', 'dx', 'dW', 'dbias', 'dA', 'dB', 'dres'];

/** y and d(Σ c·y)/d(x, W, bias, A, B); threads null = stock kernels. */
function valuesAndGrads(c: Case, threads: number | null): Float32Array[] {
  if (threads === null) uninstallNativeKernels(tf); else installNativeKernels(tf, { mode: 'on', threads });
  return tf.tidy(() => {
    const x = tf.randomNormal([c.N, c.din], 0, 1, 'float32', 1) as tf.Tensor2D;
    const w = tf.randomNormal([c.din, c.dout], 0, 0.3, 'float32', 2) as tf.Tensor2D;
    const bias = tf.randomNormal([c.dout], 0, 1, 'float32', 3) as tf.Tensor1D;
    const a = tf.randomNormal([c.din, c.r], 0, 0.3, 'float32', 4) as tf.Tensor2D;
    const b = tf.randomNormal([c.r, c.dout], 0, 0.3, 'float32', 5) as tf.Tensor2D;
    const coef = tf.randomNormal([c.N, c.dout], 0, 1, 'float32', 6);
    const res = tf.randomNormal([c.N, c.dout], 0, 1, 'float32', 7) as tf.Tensor2D;
    const scale = 16 / c.r;
    const layer = (xx: tf.Tensor, ww: tf.Tensor, bi: tf.Tensor | null, aa: tf.Tensor, bb: tf.Tensor, rr: tf.Tensor) =>
      loraLinear(xx as tf.Tensor2D, ww as tf.Tensor2D, bi as tf.Tensor1D | null, aa as tf.Tensor2D, bb as tf.Tensor2D, scale,
        { gelu: c.then === 'gelu', residual: c.then === 'residual' ? rr as tf.Tensor2D : undefined });
    const y = layer(x, w, c.bias ? bias : null, a, b, res);
    const loss = (yy: tf.Tensor) => tf.sum(tf.mul(yy, coef));
    // d/d(x, W, bias, A, B, res), each only where that input exists (tf.grads refuses an unused one): empty otherwise
    const inputs = [x, w, ...(c.bias ? [bias] : []), a, b, ...(c.then === 'residual' ? [res] : [])];
    const g = tf.grads((...t: tf.Tensor[]) => {
      const [xx, ww] = t;
      const bi = c.bias ? t[2] : null, k = c.bias ? 3 : 2;
      return loss(layer(xx, ww, bi, t[k], t[k + 1], c.then === 'residual' ? t[k + 2] : res));
    })(inputs);
    const none = tf.zeros([0]);
    const [dx, dW, ...rest] = g;
    const dbias = c.bias ? rest.shift()! : none;
    const [dA, dB] = rest, dres = c.then === 'residual' ? rest[2] : none;
    return [y, dx, dW, dbias, dA, dB, dres].map((t) => t.dataSync() as Float32Array);
  });
}

const CASES: Case[] = [
  { N: 300, din: 64, dout: 64, r: 8, bias: true },     // the demo's q, k, v, o shape (3 blocks, a partial one)
  { N: 130, din: 64, dout: 256, r: 8, bias: true },    // mlp.in
  { N: 77, din: 256, dout: 64, r: 8, bias: false },    // mlp.out, one partial block, no bias
  { N: 259, din: 33, dout: 19, r: 3, bias: true },     // nothing a multiple of a vector
  { N: 300, din: 64, dout: 256, r: 8, bias: true, then: 'gelu' },       // mlp.in and its GELU
  { N: 131, din: 33, dout: 19, r: 3, bias: true, then: 'gelu' },        // … a tail past whole vectors
  { N: 300, din: 256, dout: 64, r: 8, bias: true, then: 'residual' },   // mlp.out and the residual add
  { N: 77, din: 64, dout: 64, r: 8, bias: false, then: 'residual' },    // attn.o, no bias
];

describe('native fused LoRA linear', function () {
  let addon: NativeAddon;
  before(async function () {
    requireAddon(this);
    addon = loadNativeAddon().addon as NativeAddon;
    await useWasm();
  });
  after(() => { uninstallNativeKernels(tf); addon?.selectKernels('auto'); addon?.useBuiltinGemm(false); });

  for (const c of CASES) {
    it(`y and dx, dW, dbias, dA, dB${c.then === 'residual' ? ', dres' : ''} match the tfjs ops (N ${c.N}, ${c.din}→${c.dout}, r ${c.r}${c.bias ? '' : ', no bias'}${c.then ? `, ${c.then}` : ''}; 1/2 threads, SIMD variants, BLAS/built-in)`, () => {
      const ref = valuesAndGrads(c, null);
      for (const builtin of [false, true]) {
        addon.useBuiltinGemm(builtin);
        for (const v of ['generic', 'avx2', 'avx512'] as const) {
          if (!addon.selectKernels(v)) continue;
          for (const threads of [1, 2]) {
            const got = valuesAndGrads(c, threads);
            assert.ok(activeNativeKernels(tf).includes('LatentLabLoraLinear'));
            const tag = `${v}, ${threads}t, ${builtin ? 'built-in' : 'blas'}`;
            NAMES.forEach((n, i) => assertClose(`${n} (${tag})`, ref[i], got[i], 2e-6, Math.max(1, maxAbsOf(ref[i]))));
          }
        }
      }
      addon.useBuiltinGemm(false);
      addon.selectKernels('auto');
    });
  }

  it('1 and 2 threads give bit-identical dA and dB (block sums in a fixed order)', () => {
    const one = valuesAndGrads(CASES[0], 1), two = valuesAndGrads(CASES[0], 2);
    for (const i of [4, 5]) assert.deepStrictEqual(Array.from(two[i]), Array.from(one[i]), NAMES[i]);
  });

  it('numTensors is flat across forward + backward calls', () => {
    valuesAndGrads(CASES[3], 2);
    const before = tf.memory().numTensors;
    valuesAndGrads(CASES[3], 2);
    assert.strictEqual(tf.memory().numTensors, before);
  });
});
