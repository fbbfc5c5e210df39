// REPA pieces: the negative-cosine loss, the upsampling matrix, the fixed encoders
// (shapes, and that they see the image differently), and a tfjs model loaded from disk.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { selectBackend, tf } from '../../src/engine/backend';
import { negativeCosine, repaSelection, upsampleMatrix } from '../../src/engine/methods/repa';
import { COLOR_STATS_DIM, colorStats, EDGE_ORIENTATION_DIM, edgeOrientation } from '../../src/engine/repa/fixed';
import { loadTfjsEncoder } from '../../src/engine/repa/tfjsModel';

const SIZE = 16, P_SIZE = 4, P = 16;

/** Vertical red/green stripes in every patch (a colour image with strong x-gradients). */
function stripes(): Float32Array {
  const img = new Float32Array(SIZE * SIZE * 3);
  for (let y = 0; y < SIZE; y++) for (let x = 0; x < SIZE; x++) {
    const o = (y * SIZE + x) * 3;
    if (x % 2 === 0) { img[o] = 0.9; img[o + 1] = 0.2; img[o + 2] = 0.1; } else { img[o] = 0.1; img[o + 1] = 0.3; img[o + 2] = 0.6; }
  }
  return img;
}

/** Each 4×4 patch transposed (stripes become horizontal): same pixels per patch, other edges. */
function transposePatches(img: Float32Array): Float32Array {
  const out = new Float32Array(img.length);
  for (let y = 0; y < SIZE; y++) for (let x = 0; x < SIZE; x++) {
    const py = Math.floor(y / P_SIZE) * P_SIZE, px = Math.floor(x / P_SIZE) * P_SIZE;
    const sy = py + (x - px), sx = px + (y - py);
    for (let c = 0; c < 3; c++) out[(y * SIZE + x) * 3 + c] = img[(sy * SIZE + sx) * 3 + c];
  }
  return out;
}

/** R and G swapped: grey level (mean of RGB) unchanged, colours changed. */
function swapRedGreen(img: Float32Array): Float32Array {
  const out = Float32Array.from(img);
  for (let i = 0; i < out.length; i += 3) { out[i] = img[i + 1]; out[i + 1] = img[i]; }
  return out;
}

const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

describe('REPA', function () {
  this.timeout(60000);
  let start = 0;
  before(async () => { await selectBackend('wasm', { threads: 1 }); start = tf.memory().numTensors; });
  after(() => assert.equal(tf.memory().numTensors, start, 'no tensor left behind'));

  it('loss is −1 for perfectly aligned features and above −1 otherwise', () => {
    const [aligned, misaligned, ignored] = tf.tidy(() => {
      const target = tf.randomNormal([12, 5], 0, 1, 'float32', 7) as tf.Tensor2D;
      const w = tf.ones([12, 1]) as tf.Tensor2D;
      const other = tf.randomNormal([12, 5], 0, 1, 'float32', 8) as tf.Tensor2D;
      // Rows with weight 0 (no latent block) do not count: misalign them, loss stays −1.
      const half = tf.concat([tf.ones([6, 1]), tf.zeros([6, 1])]) as tf.Tensor2D;
      const mixed = tf.concat([tf.mul(tf.slice(target, [0, 0], [6, 5]), 2.5), tf.slice(other, [6, 0], [6, 5])]) as tf.Tensor2D;
      return [negativeCosine(tf.mul(target, 3) as tf.Tensor2D, target, w), negativeCosine(other, target, w), negativeCosine(mixed, target, half)]
        .map((t) => t.dataSync()[0]);
    });
    assert.ok(Math.abs(aligned + 1) < 1e-5, `aligned: ${aligned}`);
    assert.ok(misaligned > -0.99, `misaligned: ${misaligned}`);
    assert.ok(Math.abs(ignored + 1) < 1e-5, `weighted: ${ignored}`);
  });

  it('upsampling K→P interpolates: rows sum to 1, ends copy the end latents, K = P is the identity', () => {
    const u = upsampleMatrix(4, 16);
    for (let p = 0; p < 16; p++) assert.ok(Math.abs(u.slice(p * 4, p * 4 + 4).reduce((a, b) => a + b, 0) - 1) < 1e-6);
    assert.equal(u[0], 1);
    assert.equal(u[15 * 4 + 3], 1);
    const id = upsampleMatrix(5, 5);
    for (let p = 0; p < 5; p++) for (let k = 0; k < 5; k++) assert.equal(id[p * 5 + k], p === k ? 1 : 0);
  });

  it('selection puts block s of row b at row s·B + b and weights missing blocks 0', () => {
    const T = 10;
    const s = repaSelection([[[2, 3], [6, 7]], [[4, 5]]], T, 2);   // row 0: two blocks, row 1: one
    assert.equal(s.S, 2);
    assert.deepEqual([...s.weight], [1, 1, 1, 0]);
    const at = (r: number, p: number, t: number) => s.sel[(r * 2 + p) * T + t];
    assert.equal(at(0, 0, 2), 1); assert.equal(at(0, 1, 3), 1);   // K = P = 2: identity on positions 2, 3
    assert.equal(at(1, 0, 4), 1); assert.equal(at(2, 1, 7), 1);
    assert.equal(s.sel.slice(3 * 2 * T).reduce((a, b) => a + b, 0), 0);
  });

  it('fixed encoders give [P, d] and see the image differently', () => {
    const img = stripes();
    assert.equal(colorStats(img, SIZE, P_SIZE).length, P * COLOR_STATS_DIM);
    assert.equal(edgeOrientation(img, SIZE, P_SIZE).length, P * EDGE_ORIENTATION_DIM);
    const turned = transposePatches(img);
    assert.ok(maxDiff(colorStats(img, SIZE, P_SIZE), colorStats(turned, SIZE, P_SIZE)) < 1e-5, 'colour stats ignore where pixels sit in a patch');
    assert.ok(maxDiff(edgeOrientation(img, SIZE, P_SIZE), edgeOrientation(turned, SIZE, P_SIZE)) > 0.1, 'edge histogram sees the turned stripes');
    const swapped = swapRedGreen(img);
    assert.ok(maxDiff(edgeOrientation(img, SIZE, P_SIZE), edgeOrientation(swapped, SIZE, P_SIZE)) < 1e-5, 'edges ignore a grey-preserving colour change');
    assert.ok(maxDiff(colorStats(img, SIZE, P_SIZE), colorStats(swapped, SIZE, P_SIZE)) > 0.1, 'colour stats see it');
    const e = edgeOrientation(img, SIZE, P_SIZE);
    assert.ok(e[0] > 0 && e[4] === 0, 'vertical stripes: x-gradients in bin 0, none in bin 4');
  });

  it('loads a tfjs LayersModel saved to disk and maps images to [B, P, d]', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'll-repa-'));
    try {
      const m = tf.sequential({ layers: [
        tf.layers.conv2d({ inputShape: [SIZE, SIZE, 3], filters: 6, kernelSize: P_SIZE, strides: P_SIZE, kernelInitializer: 'glorotUniform', seed: 1 } as Parameters<typeof tf.layers.conv2d>[0]),
      ] });
      await m.save(tf.io.withSaveHandler(async (art) => {
        const manifest = [{ paths: ['weights.bin'], weights: art.weightSpecs! }];
        fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify({ modelTopology: art.modelTopology, format: art.format, weightsManifest: manifest }));
        fs.writeFileSync(path.join(dir, 'weights.bin'), Buffer.from(art.weightData as ArrayBuffer));
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }));
      const enc = await loadTfjsEncoder(dir, SIZE, P);
      assert.equal(enc.dim, 6);
      const [ours, theirs] = tf.tidy(() => {
        const x = tf.tensor4d(stripes(), [1, SIZE, SIZE, 3]);
        return [enc.features(x, P).dataSync(), (m.predict(x) as tf.Tensor).reshape([1, P, 6]).dataSync()];
      });
      assert.ok(maxDiff(ours as Float32Array, theirs as Float32Array) < 1e-5, 'loaded weights equal the saved model');
      enc.dispose();
      m.dispose();
      await assert.rejects(loadTfjsEncoder(path.join(dir, 'nope'), SIZE, P), /no model\.json/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
