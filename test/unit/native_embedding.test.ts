// Embedding rows (embedRows: table[idx], a zero row at −1, kernels/embedding.ts) native against
// its fallback, the one-hot product the model used before: values bit for bit, and the table's
// gradient (a scatter-add, repeated indices summed), 1 and 2 threads.
import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import { activeNativeKernels, embedRows, installNativeKernels, oneHotRows, uninstallNativeKernels } from '../../src/engine/kernels';
import { assertClose, maxAbsOf, requireAddon, useWasm } from './native_kernels_support';

const V = 37, d = 24;
const IDX = Int32Array.from({ length: 301 }, (_, i) => (i % 7 === 3 ? -1 : (i * 11) % V));   // repeats, −1 rows, row 0

/** rows and d(Σ c·rows)/d table; threads null = stock kernels (the one-hot product). */
function rowsAndGrad(threads: number | null): Float32Array[] {
  if (threads === null) uninstallNativeKernels(tf); else installNativeKernels(tf, { mode: 'on', threads });
  return tf.tidy(() => {
    const table = tf.randomNormal([V, d], 0, 1, 'float32', 1) as tf.Tensor2D;
    const coef = tf.randomNormal([IDX.length, d], 0, 1, 'float32', 2);
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(embedRows(t as tf.Tensor2D, IDX), coef)))(table);
    return [embedRows(table, IDX), g].map((t) => t.dataSync() as Float32Array);
  });
}

describe('native embedding rows', function () {
  before(async function () {
    requireAddon(this);
    await useWasm();
  });
  after(() => uninstallNativeKernels(tf));

  it('rows equal the one-hot product exactly, −1 rows are zero; the table gradient matches (1/2 threads)', () => {
    const ref = rowsAndGrad(null);
    for (const threads of [1, 2]) {
      const got = rowsAndGrad(threads);
      assert.ok(activeNativeKernels(tf).includes('LatentLabEmbedRows'));
      assert.deepStrictEqual(Array.from(got[0]), Array.from(ref[0]), 'rows');
      assert.ok(got[0].subarray(3 * d, 4 * d).every((x) => x === 0), 'row of index −1');
      assertClose(`dtable (${threads}t)`, ref[1], got[1], 2e-6, Math.max(1, maxAbsOf(ref[1])));
    }
  });

  it('an index outside [−1, V) is refused; numTensors is flat', () => {
    installNativeKernels(tf, { mode: 'on', threads: 2 });
    assert.throws(() => tf.tidy(() => embedRows(tf.zeros([V, d]) as tf.Tensor2D, Int32Array.from([V]))), /outside/);
    rowsAndGrad(2);
    const before = tf.memory().numTensors;
    rowsAndGrad(2);
    assert.strictEqual(tf.memory().numTensors, before);
  });

  it('a one-row table (a shared latent row) works on the stock path, where tf.oneHot refuses depth 1', () => {
    uninstallNativeKernels(tf);
    const idx = Int32Array.from([0, -1, 0, 0, -1]);
    assert.deepStrictEqual(Array.from(oneHotRows(idx, 1).dataSync()), [1, 0, 1, 1, 0]);
    const got = tf.tidy(() => {
      const table = tf.tensor2d([[0.5, -2, 3]]);
      const g = tf.grad((t: tf.Tensor) => tf.sum(embedRows(t as tf.Tensor2D, idx)))(table);
      return [embedRows(table, idx), g].map((t) => Array.from(t.dataSync()));
    });
    assert.deepStrictEqual(got[0], [0.5, -2, 3, 0, 0, 0, 0.5, -2, 3, 0.5, -2, 3, 0, 0, 0]);
    assert.deepStrictEqual(got[1], [3, 3, 3], 'each use of the row adds to its gradient');
  });
});
