// The fused attention core (attentionProbs: scale + mask + softmax with q·kᵀ;
// attentionContext: probs·v) and the fused weighted cross-entropy, native
// against the same math in stock tfjs ops (their fallback, the model's old
// code): values and every input gradient, 1 and 2 threads, each SIMD variant,
// OpenBLAS and the built-in sgemm, masks per example / shared / none, Tq ≠ Tk
// (cached decoding), rows not a multiple of the vector width, a fully blocked row.
import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import { activeNativeKernels, attend, attentionContext, attentionProbs, installNativeKernels, uninstallNativeKernels, weightedCrossEntropy } from '../../src/engine/kernels';
import { loadNativeAddon, type NativeAddon } from '../../src/engine/kernels/native_addon';
import { assertClose, maxAbsOf, requireAddon, useWasm } from './native_kernels_support';

interface Case { B: number; heads: number; Tq: number; Tk: number; d: number; mask: 'batched' | 'shared' | 'none' }

/** Additive mask [Bm, 1, Tq, Tk]: causal over the last Tq of Tk columns, random blocks, row 0 of example 0 fully blocked. */
function maskOf(c: Case): tf.Tensor | null {
  if (c.mask === 'none') return null;
  const Bm = c.mask === 'batched' ? c.B : 1;
  const m = new Float32Array(Bm * c.Tq * c.Tk);
  for (let b = 0; b < Bm; b++) {
    for (let i = 0; i < c.Tq; i++) {
      for (let j = 0; j < c.Tk; j++) {
        const causal = j <= c.Tk - c.Tq + i;
        const blocked = !causal || ((i * 7 + j * 3 + b) % 5 === 0 && j !== c.Tk - c.Tq + i) || (b === 0 && i === 0);
        m[(b * c.Tq + i) * c.Tk + j] = blocked ? -1e9 : 0;
      }
    }
  }
  return tf.tensor4d(m, [Bm, 1, c.Tq, c.Tk]);
}

/** probs, ctx and d(Σ w1·ctx + Σ w2·probs)/d(q, k, v); threads null = stock kernels. */
function attentionValuesAndGrads(c: Case, threads: number | null): Float32Array[] {
  if (threads === null) uninstallNativeKernels(tf); else installNativeKernels(tf, { mode: 'on', threads });
  return tf.tidy(() => {
    const q = tf.randomNormal([c.B, c.Tq, c.d], 0, 1.5, 'float32', 1), k = tf.randomNormal([c.B, c.Tk, c.d], 0, 1.5, 'float32', 2);
    const v = tf.randomNormal([c.B, c.Tk, c.d], 0, 1, 'float32', 3), mask = maskOf(c);
    const w1 = tf.randomNormal([c.B, c.Tq, c.d], 0, 1, 'float32', 4), w2 = tf.randomNormal([c.B, c.heads, c.Tq, c.Tk], 0, 1, 'float32', 5);
    const run = (qq: tf.Tensor, kk: tf.Tensor, vv: tf.Tensor) => {
      const probs = attentionProbs(qq, kk, mask, c.heads);
      return { probs, ctx: attentionContext(probs, vv) };
    };
    const { probs, ctx } = run(q, k, v);
    const loss = (qq: tf.Tensor, kk: tf.Tensor, vv: tf.Tensor) => {
      const r = run(qq, kk, vv);
      return tf.add(tf.sum(tf.mul(r.ctx, w1)), tf.sum(tf.mul(r.probs, w2)));
    };
    return [probs, ctx, ...tf.grads(loss)([q, k, v])].map((t) => t.dataSync() as Float32Array);
  });
}

/** attend's ctx and d(Σ w1·ctx)/d(q, k, v): threads null = the stock tfjs ops of its fallback. */
function attendValuesAndGrads(c: Case, threads: number | null): Float32Array[] {
  if (threads === null) uninstallNativeKernels(tf); else installNativeKernels(tf, { mode: 'on', threads });
  return tf.tidy(() => {
    const q = tf.randomNormal([c.B, c.Tq, c.d], 0, 1.5, 'float32', 1), k = tf.randomNormal([c.B, c.Tk, c.d], 0, 1.5, 'float32', 2);
    const v = tf.randomNormal([c.B, c.Tk, c.d], 0, 1, 'float32', 3), mask = maskOf(c);
    const w1 = tf.randomNormal([c.B, c.Tq, c.d], 0, 1, 'float32', 4);
    const loss = (qq: tf.Tensor, kk: tf.Tensor, vv: tf.Tensor) => tf.sum(tf.mul(attend(qq, kk, vv, mask, c.heads), w1));
    return [attend(q, k, v, mask, c.heads), ...tf.grads(loss)([q, k, v])].map((t) => t.dataSync() as Float32Array);
  });
}

/** CE and its logits gradient; some rows weight 0, or every weight 0 (the max(Σ w, 1) floor). */
function crossEntropyAndGrad(threads: number | null, allZero: boolean): Float32Array[] {
  if (threads === null) uninstallNativeKernels(tf); else installNativeKernels(tf, { mode: 'on', threads });
  const N = 300, V = 37;
  return tf.tidy(() => {
    const x = tf.randomNormal([N, V], 0, 3, 'float32', 7) as tf.Tensor2D;
    const t = tf.oneHot(tf.tensor1d(Array.from({ length: N }, (_, i) => (i * 13) % V), 'int32'), V).toFloat() as tf.Tensor2D;
    const w = tf.tensor2d(Array.from({ length: N }, (_, i) => (allZero || i % 4 !== 0 ? 0 : 1 + (i % 3))), [N, 1]);
    const f = (xx: tf.Tensor) => tf.mul(weightedCrossEntropy(xx as tf.Tensor2D, t, w), 2.5);
    return [weightedCrossEntropy(x, t, w), tf.grad(f)(x)].map((r) => r.dataSync() as Float32Array);
  });
}

const CASES: Case[] = [
  { B: 3, heads: 4, Tq: 37, Tk: 37, d: 64, mask: 'batched' },   // the model's self-attention (odd T)
  { B: 2, heads: 2, Tq: 5, Tk: 41, d: 32, mask: 'batched' },    // a cached-decoding chunk: L rows over T columns
  { B: 2, heads: 4, Tq: 33, Tk: 33, d: 64, mask: 'shared' },    // one mask for every example
  { B: 2, heads: 4, Tq: 16, Tk: 16, d: 64, mask: 'none' },      // the vision encoder (bidirectional)
  { B: 2, heads: 3, Tq: 70, Tk: 70, d: 60, mask: 'batched' },   // dh 20: not a power of two
  { B: 1, heads: 4, Tq: 131, Tk: 131, d: 64, mask: 'batched' }, // the demo's T: row extents of every length mod 4 vectors
];

describe('native fused attention core and cross-entropy', function () {
  let addon: NativeAddon;
  before(async function () {
    requireAddon(this);
    addon = loadNativeAddon().addon as NativeAddon;
    await useWasm();
  });
  after(() => { uninstallNativeKernels(tf); addon?.selectKernels('auto'); addon?.useBuiltinGemm(false); });

  for (const c of CASES) {
    it(`attention probs, ctx and dq, dk, dv match the tfjs ops (B ${c.B}, h ${c.heads}, ${c.Tq}×${c.Tk}, mask ${c.mask}; 1/2 threads, SIMD variants, BLAS/built-in)`, () => {
      const ref = attentionValuesAndGrads(c, null);
      for (const builtin of [false, true]) {
        addon.useBuiltinGemm(builtin);
        for (const v of ['generic', 'avx2', 'avx512'] as const) {
          if (!addon.selectKernels(v)) continue;
          for (const threads of [1, 2]) {
            const got = attentionValuesAndGrads(c, threads);
            assert.ok(activeNativeKernels(tf).includes('LatentLabAttnProbs'));
            const tag = `${v}, ${threads}t, ${builtin ? 'built-in' : 'blas'}`;
            ['probs', 'ctx', 'dq', 'dk', 'dv'].forEach((n, i) => assertClose(`${n} (${tag})`, ref[i], got[i], 2e-6, Math.max(1, maxAbsOf(ref[i]))));
          }
        }
      }
      addon.useBuiltinGemm(false);
      addon.selectKernels('auto');
    });
  }

  for (const c of CASES) {
    it(`attend (probabilities never written): ctx and dq, dk, dv match the tfjs ops (B ${c.B}, h ${c.heads}, ${c.Tq}×${c.Tk}, mask ${c.mask}; 1/2 threads, SIMD variants)`, () => {
      const ref = attendValuesAndGrads(c, null);
      for (const v of ['generic', 'avx2', 'avx512'] as const) {
        if (!addon.selectKernels(v)) continue;
        for (const threads of [1, 2]) {
          const got = attendValuesAndGrads(c, threads);
          assert.ok(activeNativeKernels(tf).includes('LatentLabAttend'));
          ['ctx', 'dq', 'dk', 'dv'].forEach((n, i) => assertClose(`${n} (${v}, ${threads}t)`, ref[i], got[i], 2e-6, Math.max(1, maxAbsOf(ref[i]))));
        }
      }
      addon.selectKernels('auto');
    });
  }

  it('a fully blocked row is uniform, as in tfjs; a blocked column gets exactly 0', () => {
    const c = CASES[0];
    const got = attentionValuesAndGrads(c, 1);
    const row0 = got[0].subarray(0, c.Tk);                  // example 0, head 0, row 0: every column blocked
    for (const p of row0) assert.ok(Math.abs(p - 1 / c.Tk) < 1e-6, `fully blocked row: ${p}`);
    assert.strictEqual(got[0][c.Tk + c.Tk - 1], 0);        // row 1 cannot see the last column (causal)
  });

  for (const allZero of [false, true]) {
    it(`weighted cross-entropy and its gradient match the tfjs ops (${allZero ? 'every weight 0' : 'rows of weight 0 skipped'})`, () => {
      const ref = crossEntropyAndGrad(null, allZero);
      const got = crossEntropyAndGrad(1, allZero);
      assert.ok(activeNativeKernels(tf).includes('LatentLabCrossEntropy'));
      assertClose('CE', ref[0], got[0], 2e-6, Math.max(1, maxAbsOf(ref[0])));
      assertClose('dCE/dx', ref[1], got[1], 1e-7, Math.max(1, maxAbsOf(ref[1])));
    });
  }

  it('numTensors is flat across forward + backward calls', () => {
    installNativeKernels(tf, { mode: 'on', threads: 2 });
    attentionValuesAndGrads(CASES[1], 2);
    const before = tf.memory().numTensors;
    attentionValuesAndGrads(CASES[1], 2);
    attendValuesAndGrads(CASES[0], 2);
    crossEntropyAndGrad(2, false);
    assert.strictEqual(tf.memory().numTensors, before);
  });
});
