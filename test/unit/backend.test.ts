import * as assert from 'node:assert/strict';
import { AUTO_ORDER, selectBackend, tf } from '../../src/engine/backend';
import { describeBackend } from '../../src/core/events';
import { BACKEND_NAMES } from '../../src/core/experiment';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fastBatchMatMulInstalled, installFastBatchMatMul, uninstallFastBatchMatMul } from '../../src/engine/model/fastBatchMatMul';
import { mulberry32 } from '../../src/engine/model/params';

describe('backend selection', () => {
  it('auto skips tfjs-node-gpu, tfjs-node (not installed here) and webgpu (no GPU here) with a reason and lands on wasm with SIMD', async () => {
    const r = await selectBackend('auto', { threads: 2 });
    assert.equal(r.name, 'wasm');
    assert.equal(tf.getBackend(), 'wasm');
    assert.deepEqual(r.tried.map((t) => [t.name, t.ok]), [['tensorflow-gpu', false], ['tensorflow', false], ['webgpu', false], ['wasm', true]]);
    assert.match(r.tried[0].reason!, /MODULE_NOT_FOUND: @tensorflow\/tfjs-node-gpu/);
    assert.match(r.tried[1].reason!, /MODULE_NOT_FOUND: @tensorflow\/tfjs-node /);
    // No Vulkan loader (test:unit), no adapter, or a software one (test:webgpu's lavapipe): never a GPU on these machines.
    assert.match(r.tried[2].reason!, /no Vulkan loader|no WebGPU adapter|software adapter|not installed/);
    assert.equal(r.simd, true);
    assert.equal(r.threads, 1);
    assert.match(describeBackend(r), /^wasm \(simd, 1 thread, fast batched matmul\); skipped tensorflow-gpu: MODULE_NOT_FOUND/);
  });

  it("runtime.backend's schema enum, the CLI's --backend and auto's order list the same backends", () => {
    const schema = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../../schemas/experiment.schema.json'), 'utf8'));
    assert.deepEqual(schema.properties.runtime.properties.backend.enum, [...BACKEND_NAMES]);
    assert.deepEqual(['auto', ...AUTO_ORDER], [...BACKEND_NAMES]);
    const manifest = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../../package.json'), 'utf8'));
    assert.deepEqual(manifest.contributes.configuration.properties['latentLab.defaultBackend'].enum, ['experiment', ...BACKEND_NAMES]);
  });

  it('forcing an unavailable backend is a clear error naming the package and what to do', async () => {
    await assert.rejects(selectBackend('tensorflow', { threads: 1 }), /runtime.backend: tensorflow is not available here \(MODULE_NOT_FOUND: @tensorflow\/tfjs-node is not installed\); install it with `npm install @tensorflow\/tfjs-node@4.22.0`.*or set runtime.backend: auto/);
    await assert.rejects(selectBackend('tensorflow-gpu', { threads: 1 }), /tfjs-node-gpu/);
  });

  it('the fast batched matmul can be turned off', async () => {
    const r = await selectBackend('wasm', { threads: 1, fastBatchMatMul: false });
    assert.equal(r.fastBatchMatMul, false);
    assert.ok(!fastBatchMatMulInstalled());
    assert.ok((await selectBackend('wasm', { threads: 1 })).fastBatchMatMul);
    assert.ok(fastBatchMatMulInstalled());
  });

  it('cpu can be forced, and wasm again afterwards', async () => {
    assert.equal((await selectBackend('cpu', { threads: 1 })).name, 'cpu');
    assert.equal(tf.getBackend(), 'cpu');
    assert.equal((await selectBackend('wasm', { threads: 1 })).name, 'wasm');
  });

  it('the fast batched matmul matches the stock wasm kernel, forward and backward', async () => {
    await selectBackend('wasm', { threads: 1 });
    assert.ok(fastBatchMatMulInstalled());
    const r = mulberry32(3);
    const a = tf.tensor4d(Float32Array.from({ length: 2 * 3 * 5 * 4 }, () => r() - 0.5), [2, 3, 5, 4]);
    const b = tf.tensor4d(Float32Array.from({ length: 2 * 3 * 5 * 4 }, () => r() - 0.5), [2, 3, 5, 4]);
    const w = tf.tensor3d(Float32Array.from({ length: 4 * 6 }, () => r() - 0.5), [1, 4, 6]);
    const compute = () => tf.tidy(() => {
      const f = (x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.square(tf.matMul(tf.matMul(x as tf.Tensor4D, y as tf.Tensor4D, false, true), x as tf.Tensor4D)));
      const g = tf.grads(f)([a, b]);
      const bcast = tf.matMul(tf.reshape(a, [6, 5, 4]), tf.tile(w, [6, 1, 1]));
      const tA = tf.matMul(a, b, true, false);
      return [f(a, b), ...g, bcast, tA].map((t) => Array.from(t.dataSync()));
    });
    const fast = compute();
    uninstallFastBatchMatMul(tf);
    const stock = compute();
    installFastBatchMatMul(tf);
    fast.forEach((vals, k) => vals.forEach((v, i) => assert.ok(Math.abs(v - stock[k][i]) < 1e-4 * (1 + Math.abs(v)), `output ${k}[${i}]: ${v} vs ${stock[k][i]}`)));
    tf.dispose([a, b, w]);
  });
});
