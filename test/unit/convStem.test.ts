// The conv stem (docs/model.md §2) against a direct loop over the documented formula.
import * as assert from 'node:assert/strict';
import { selectBackend, tf } from '../../src/engine/backend';
import { convStem, imageToPatches, patchesToImage, type ConvStemParams } from '../../src/engine/model/convStem';
import { patchify } from '../../src/engine/model/sequence';
import { createTinyVlm } from '../../src/engine/model/tinyVlm';
import { IMAGE_SIZE, smallLatents, smallModel, T, tokenizer } from './modelFixtures';

const gelu = (x: number) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));

function randomImage(size: number, seed: number): Float32Array {
  const img = new Float32Array(size * size * 3);
  let s = seed;
  for (let i = 0; i < img.length; i++) { s = (s * 1103515245 + 12345) % 2147483648; img[i] = s / 2147483648; }
  return img;
}

describe('conv stem', () => {
  before(async () => { await selectBackend('wasm', { threads: 1 }); });

  it('patchesToImage inverts patchify, and imageToPatches inverts patchesToImage', () => {
    const size = 12, p = 4, P = (size / p) ** 2;
    const img = randomImage(size, 3);
    const patches = new Float32Array(P * p * p * 3);
    patchify(img, size, p, patches, 0);
    tf.tidy(() => {
      const back = patchesToImage(tf.tensor3d(patches, [1, P, p * p * 3]), p, 3);
      assert.deepEqual([...back.dataSync()], [...img]);
      assert.deepEqual([...imageToPatches(back, p).dataSync()], [...patches]);
    });
  });

  it('computes the documented 3×3 convolution, GELU and regrouping into patches', () => {
    const size = 8, p = 4, C = 5, P = (size / p) ** 2;
    const img = randomImage(size, 11);
    const W = randomImage(3, 5).map((v) => v - 0.5), bias = [0.1, -0.2, 0.05, 0, 0.3];
    const weight = new Float32Array(27 * C);
    for (let i = 0; i < weight.length; i++) weight[i] = W[i % W.length] * (1 + (i % 7) / 7) * (i % 2 ? 1 : -1);
    const patches = new Float32Array(P * p * p * 3);
    patchify(img, size, p, patches, 0);
    const got = tf.tidy(() => {
      const s: ConvStemParams = { conv: { weight: tf.variable(tf.tensor2d(weight, [27, C])), bias: tf.variable(tf.tensor1d(bias)) }, channels: C, patchSize: p };
      const out = convStem(tf.tensor3d(patches, [1, P, p * p * 3]), s).dataSync().slice();
      s.conv.weight.dispose(); s.conv.bias!.dispose();
      return out;
    });
    const pix = (y: number, x: number, c: number) => (y < 0 || x < 0 || y >= size || x >= size ? 0 : img[(y * size + x) * 3 + c]);
    for (let n = 0; n < P; n++) {
      const py = Math.floor(n / (size / p)), px = n % (size / p);
      for (let dy = 0; dy < p; dy++) for (let dx = 0; dx < p; dx++) for (let k = 0; k < C; k++) {
        const y = py * p + dy, x = px * p + dx;
        let acc = bias[k];
        for (let ky = 0; ky < 3; ky++) for (let kx = 0; kx < 3; kx++) for (let c = 0; c < 3; c++) {
          acc += pix(y + ky - 1, x + kx - 1, c) * weight[((ky * 3 + kx) * 3 + c) * C + k];
        }
        const index = n * p * p * C + (dy * p + dx) * C + k;
        assert.ok(Math.abs(got[index] - gelu(acc)) < 1e-5, `patch ${n} (${dy},${dx}) channel ${k}: ${got[index]} vs ${gelu(acc)}`);
      }
    }
  });

  it('adds vision.stem to the model with the documented shapes, and trains it with the vision encoder', () => {
    const cfg = { ...smallModel(), stem_channels: 6 };
    const model = createTinyVlm(cfg, smallLatents(), tokenizer.size, T, 7, IMAGE_SIZE);
    assert.deepEqual(model.variables.get('vision.stem.weight')!.shape, [27, 6]);
    assert.deepEqual(model.variables.get('vision.stem.bias')!.shape, [6]);
    assert.deepEqual(model.variables.get('vision.patch_embed.weight')!.shape, [4 * 4 * 6, 32]);
    const before = tf.memory().numTensors;
    const grads = tf.tidy(() => {
      const patches = tf.randomUniform([2, (IMAGE_SIZE / 4) ** 2, 48], 0, 1, 'float32', 1) as tf.Tensor3D;
      const g = tf.variableGrads(() => tf.sum(tf.square(model.imageTokens(patches))) as tf.Scalar, [model.variables.get('vision.stem.weight')!]);
      g.value.dispose();
      return tf.keep(Object.values(g.grads)[0]);
    });
    assert.ok(tf.tidy(() => tf.sum(tf.abs(grads)).dataSync()[0]) > 0, 'the stem gets a gradient');
    grads.dispose();
    assert.equal(tf.memory().numTensors, before);
    model.dispose();
  });
});
