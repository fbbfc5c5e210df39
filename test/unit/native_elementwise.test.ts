// Native Exp, Erf, Sum, Identity and Cast against the stock tfjs wasm kernels,
// including inf, -inf, NaN, denormal inputs and denormal results.
import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import { installNativeKernels, uninstallNativeKernels } from '../../src/engine/kernels';
import { loadNativeAddon, type NativeAddon } from '../../src/engine/kernels/native_addon';
import { compare, requireAddon, useWasm } from './native_kernels_support';

const SPECIAL = [0, -0, 1, -1, 0.5, -0.5, 0.49999997, 2, -3, 10, -10, 88.5, 88.8, 100, -87, -100, -103.5, -110,
  Infinity, -Infinity, NaN, 1e-40, -1e-40, 1.4e-45, 1e-38, 3.9, 4.1, -1e-7];
function inputs(): Float32Array {
  const x = new Float32Array(SPECIAL.length + 1000);
  x.set(SPECIAL);
  let s = 7;
  for (let i = SPECIAL.length; i < x.length; i++) { s = (s * 1103515245 + 12345) & 0x7fffffff; x[i] = (s / 0x7fffffff - 0.5) * 24; }
  return x;
}

// Relative error in the normal range, absolute below it (denormal results).
function assertUlpClose(name: string, x: Float32Array, ref: Float32Array, got: Float32Array, rel: number, abs: number): void {
  for (let i = 0; i < ref.length; i++) {
    const d = compare([ref[i]], [got[i]]);
    if (d.maxAbs === Infinity || d.maxAbs > Math.max(abs, rel * Math.abs(ref[i]))) {
      throw new Error(`${name}(${x[i]}): stock ${ref[i]}, native ${got[i]}`);
    }
  }
}

describe('native Exp / Erf / Sum / Identity / Cast / Slice vs stock wasm kernels', function () {
  let addon: NativeAddon;
  before(async function () {
    requireAddon(this);
    addon = loadNativeAddon().addon as NativeAddon;
    await useWasm();
  });
  after(() => { uninstallNativeKernels(tf); addon?.selectKernels('auto'); });

  const stockAndNative = <T>(f: () => T, threads = 1): [T, T] => {
    uninstallNativeKernels(tf);
    const ref = f();
    installNativeKernels(tf, { mode: 'on', threads });
    return [ref, f()];
  };

  for (const variant of ['generic', 'avx2', 'avx512'] as const) {
    it(`exp and erf match on special values and a random sweep (${variant} code path)`, function () {
      if (!addon.selectKernels(variant)) this.skip(); // this CPU lacks it
      const x = inputs();
      const [ref, got] = stockAndNative(() => tf.tidy(() => {
        const t = tf.tensor1d(x);
        return [tf.exp(t).dataSync() as Float32Array, tf.erf(t).dataSync() as Float32Array];
      }));
      assertUlpClose('exp', x, ref[0], got[0], 4e-7, 3e-45);
      assertUlpClose('erf', x, ref[1], got[1], 0, 4e-7);
      assert.strictEqual(got[0][SPECIAL.indexOf(Infinity)], Infinity);
      assert.strictEqual(got[0][SPECIAL.indexOf(-Infinity)], 0);
      assert.ok(Number.isNaN(got[1][SPECIAL.findIndex((v) => Number.isNaN(v))]));
      assert.ok(got[0][SPECIAL.indexOf(-100)] > 0 && got[0][SPECIAL.indexOf(-100)] < 1.2e-38, 'exp(-100) is a denormal, not flushed to 0');
    });
  }

  it('exp splits over 2 threads with the same result (large tensor)', () => {
    const [ref, got] = stockAndNative(() => tf.tidy(() => tf.exp(tf.randomNormal([300, 1000], 0, 3, 'float32', 5)).dataSync() as Float32Array), 2);
    const d = compare(ref, got);
    assert.ok(d.maxRel < 4e-7, `max rel ${d.maxRel}`);
  });

  it('Sum over leading, trailing, all and middle axes, with keepDims', () => {
    const shapes: [number[], number | number[], boolean][] = [
      [[6, 7, 33], -1, false], [[6, 7, 33], [1, 2], true], [[6, 7, 33], 0, false], [[6, 7, 33], [0, 1], true],
      [[6, 7, 33], 1, false], [[1000], 0, false], [[5, 4], [0, 1], false],
    ];
    for (const [shape, axis, keepDims] of shapes) {
      const [ref, got] = stockAndNative(() => tf.tidy(() => {
        const y = tf.sum(tf.randomNormal(shape, 0, 1, 'float32', 3), axis, keepDims);
        return { shape: y.shape, v: y.dataSync() as Float32Array };
      }));
      assert.deepStrictEqual(got.shape, ref.shape, `shape of sum(${shape}, ${axis})`);
      const d = compare(ref.v, got.v);
      assert.ok(d.maxAbs < 2e-5, `sum(${JSON.stringify(shape)}, ${axis}): ${d.maxAbs}`);
    }
    const intSum = stockAndNative(() => tf.tidy(() => tf.sum(tf.tensor1d([1, 2, 3], 'int32')).dataSync()[0]));
    assert.deepStrictEqual(intSum, [6, 6], 'int32 sum still goes to the stock kernel');
  });

  it('Slice copies exactly what the stock kernel does: leading-axis halves, inner windows, int32, ranks 1–5', () => {
    const cases: Array<[number[], number[], number[]]> = [
      [[32, 13, 8], [16, 0, 0], [16, 13, 8]],   // CrystaL's corrupted half: one contiguous run
      [[32, 13, 8], [0, 0, 0], [16, -1, -1]],   // the intact half (size −1: to the end)
      [[6, 7, 5], [1, 2, 1], [3, 4, 3]],        // an inner window
      [[4, 5, 6, 7], [1, 0, 2, 0], [2, 5, 3, 7]],
      [[3, 4, 2, 3, 2], [1, 1, 0, 1, 1], [2, 2, 2, 2, 1]],
      [[50], [7], [20]],
      [[9, 4], [0, 1], [9, 2]],
    ];
    for (const [shape, begin, size] of cases) {
      for (const dtype of ['float32', 'int32'] as const) {
        const [ref, got] = stockAndNative(() => tf.tidy(() => {
          const x = tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => i * 0.5 - 3), shape, 'float32');
          return Array.from(tf.slice(dtype === 'int32' ? tf.cast(x, 'int32') : x, begin, size).dataSync());
        }));
        assert.deepStrictEqual(got, ref, `slice ${JSON.stringify([shape, begin, size])} ${dtype}`);
      }
    }
  });

  it('Identity and same-dtype Cast share storage without corrupting values; other casts convert', () => {
    installNativeKernels(tf, { mode: 'on', threads: 1 });
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const x = tf.tensor1d([1.5, -2.25, 3]);
      const y = tf.clone(x), z = tf.cast(x, 'float32'), i = tf.cast(x, 'int32');
      x.dispose(); // the shared data must survive while y and z hold it
      assert.deepStrictEqual(Array.from(y.dataSync()), [1.5, -2.25, 3]);
      assert.deepStrictEqual(Array.from(z.dataSync()), [1.5, -2.25, 3]);
      assert.deepStrictEqual(Array.from(i.dataSync()), [1, -2, 3]);
      assert.strictEqual(i.dtype, 'int32');
    });
    assert.strictEqual(tf.memory().numTensors, before);
  });
});
