// Native BatchMatMul (OpenBLAS and built-in sgemm, 1 and 2 threads, every SIMD
// variant this CPU has) against the stock tfjs wasm kernel: forward and both
// gradients, all transpose flags, equal batches and batch broadcast (1 vs N).
import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import { installNativeKernels, uninstallNativeKernels } from '../../src/engine/kernels';
import { loadNativeAddon, type NativeAddon } from '../../src/engine/kernels/native_addon';
import { assertClose, maxAbsOf, requireAddon, useWasm } from './native_kernels_support';

type Case = { a: number[]; b: number[]; tA: boolean; tB: boolean };
const CASES: Case[] = [];
for (const [tA, tB] of [[false, false], [false, true], [true, false], [true, true]]) {
  const mk = (batch: number[], M: number, K: number, N: number, shared: 'none' | 'a' | 'b'): Case => ({
    a: [...(shared === 'a' ? [] : batch), ...(tA ? [K, M] : [M, K])],
    b: [...(shared === 'b' ? [] : batch), ...(tB ? [N, K] : [K, N])],
    tA, tB,
  });
  CASES.push(mk([], 37, 19, 45, 'none'));         // plain 2-D, odd sizes (edge tiles)
  CASES.push(mk([3, 2], 24, 40, 17, 'none'));     // equal batch [3, 2]
  CASES.push(mk([5], 12, 9, 33, 'b'));            // batch N x shared B (x · W)
  CASES.push(mk([4], 10, 7, 6, 'a'));             // shared A x batch N
  CASES.push({ a: [1, ...(tA ? [8, 6] : [6, 8])], b: [3, ...(tB ? [5, 8] : [8, 5])], tA, tB }); // batch 1 vs 3
}

// tfjs 4.22's own BatchMatMul gradient does not reduce a broadcast batch (it
// throws "gradient of input 'b' has shape '5,9,33'"), so for the gradients the
// shared operand is broadcast explicitly; the forward pass broadcasts natively.
function run(c: Case): { y: Float32Array; da: Float32Array; db: Float32Array } {
  return tf.tidy(() => {
    const a = tf.randomNormal(c.a, 0, 1, 'float32', 11), b = tf.randomNormal(c.b, 0, 1, 'float32', 12);
    const y = tf.matMul(a, b, c.tA, c.tB);
    const outBatch = y.shape.slice(0, -2);
    const full = (t: tf.Tensor) => tf.broadcastTo(t, [...outBatch, ...t.shape.slice(-2)]);
    const w = tf.randomNormal(y.shape, 0, 1, 'float32', 13); // weights the loss so grads are not all-equal
    const [da, db] = tf.grads((x: tf.Tensor, z: tf.Tensor) => tf.sum(tf.mul(tf.matMul(full(x), full(z), c.tA, c.tB), w)))([a, b]);
    return { y: y.dataSync() as Float32Array, da: da.dataSync() as Float32Array, db: db.dataSync() as Float32Array };
  });
}

describe('native BatchMatMul vs stock wasm kernel', function () {
  let addon: NativeAddon;
  const stock = new Map<Case, ReturnType<typeof run>>();
  before(async function () {
    requireAddon(this);
    addon = loadNativeAddon().addon as NativeAddon;
    await useWasm();
    uninstallNativeKernels(tf);
    for (const c of CASES) stock.set(c, run(c));
  });
  after(() => { uninstallNativeKernels(tf); addon?.useBuiltinGemm(false); addon?.selectKernels('auto'); });

  const variants = ['generic', 'avx2', 'avx512'] as const;
  for (const gemm of ['blas', 'builtin'] as const) {
    for (const threads of [1, 2]) {
      it(`forward and both gradients match (${gemm} sgemm, ${threads} thread(s), every SIMD variant)`, function () {
        const report = installNativeKernels(tf, { mode: 'on', threads });
        assert.ok(report.native.includes('BatchMatMul'), report.summary);
        if (gemm === 'blas' && report.gemm === 'builtin') this.skip(); // no OpenBLAS on this machine: builtin covered below
        addon.useBuiltinGemm(gemm === 'builtin');
        const tested: string[] = [];
        for (const v of variants) {
          if (!addon.selectKernels(v)) continue; // CPU lacks it
          tested.push(v);
          for (const c of CASES) {
            const ref = stock.get(c)!, got = run(c);
            const label = `${JSON.stringify(c)} ${v}`;
            assertClose(`y ${label}`, ref.y, got.y, 2e-6, maxAbsOf(ref.y));
            assertClose(`dA ${label}`, ref.da, got.da, 2e-6, maxAbsOf(ref.da));
            assertClose(`dB ${label}`, ref.db, got.db, 2e-6, maxAbsOf(ref.db));
          }
          if (gemm === 'blas') break; // SIMD variant only matters for the built-in sgemm
        }
        assert.ok(tested.includes('generic'), 'the generic (portable) kernels must always be selectable');
      });
    }
  }

  it('leaves general broadcasting ([2,1,..] x [1,3,..]) to the stock kernel and still answers', () => {
    installNativeKernels(tf, { mode: 'on', threads: 1 });
    const got = tf.tidy(() => tf.matMul(tf.ones([2, 1, 4, 5]), tf.ones([1, 3, 5, 2])).shape);
    assert.deepStrictEqual(got, [2, 3, 4, 2]);
  });

  it('rejects a buffer too small for the given sizes instead of writing past it', () => {
    const A = new Float32Array(6), B = new Float32Array(6), C = new Float32Array(3);
    assert.throws(() => addon.gemm(1, 2, 2, 3, false, false, A, 0, 0, B, 0, 0, C, 0, 0), /array too small/);
  });
});
