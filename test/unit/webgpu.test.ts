import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { selectBackend, tf } from '../../src/engine/backend';
import { describeBackend, type AdapterInfo } from '../../src/core/events';
import { autoWebGpuObstacle, classifyAdapter, probeWebGpu } from '../../src/engine/webgpu';

const adapter = (o: Partial<AdapterInfo>): AdapterInfo => ({ vendor: '', architecture: '', device: '', description: '', fallback: false, ...o });

describe('webgpu adapter classification', () => {
  it("refuses Dawn's null adapter and software adapters, accepts a GPU", () => {
    assert.equal(classifyAdapter(adapter({ device: 'null-backend' })).hardware, false);
    const lavapipe = adapter({ vendor: 'mesa', architecture: 'software', device: 'llvmpipe-llvm-15-0-6-256-bits-', fallback: true });
    assert.equal(classifyAdapter(lavapipe).hardware, false);
    assert.match(classifyAdapter(lavapipe).why!, /software/);
    assert.equal(classifyAdapter(adapter({ vendor: 'google', device: 'swiftshader device' })).hardware, false);
    assert.equal(classifyAdapter(adapter({ vendor: 'nvidia', architecture: 'hopper', device: 'NVIDIA H200' })).hardware, true);
  });

  it('auto does not load Dawn without a Vulkan loader, or with only software Vulkan drivers', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vk-'));
    try {
      if (!fs.existsSync('/usr/lib/x86_64-linux-gnu/libvulkan.so.1') && !fs.existsSync('/usr/lib64/libvulkan.so.1')) {
        assert.match(autoWebGpuObstacle({}) ?? '', /no Vulkan loader/);
      }
      fs.writeFileSync(path.join(dir, 'libvulkan.so.1'), '');
      const lvp = path.join(dir, 'lvp_icd.x86_64.json');
      assert.match(autoWebGpuObstacle({ LD_LIBRARY_PATH: dir, VK_DRIVER_FILES: lvp }) ?? '', /only software Vulkan drivers \(lvp_icd\.x86_64\.json\)/);
      assert.equal(autoWebGpuObstacle({ LD_LIBRARY_PATH: dir, VK_DRIVER_FILES: `${lvp}:${path.join(dir, 'nvidia_icd.json')}` }), null);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the report and the log line name the adapter and say when it is a software one', () => {
    const line = describeBackend({ name: 'webgpu', adapter: adapter({ vendor: 'mesa', architecture: 'software', device: 'llvmpipe' }), softwareAdapter: true, tried: [{ name: 'webgpu', ok: true }] });
    assert.equal(line, 'webgpu (adapter mesa / software / llvmpipe, software adapter: slower than wasm, for checks only)');
  });
});

describe('webgpu backend (Dawn)', function () {
  this.timeout(180000);
  let info: AdapterInfo | null = null;
  let why = '';
  before(async () => {
    try { info = await probeWebGpu(); } catch (e) { why = (e as Error).message; }
  });
  after(async () => { await selectBackend('wasm', { threads: 1 }); });

  it('asked for by name, runs on the adapter Dawn finds and agrees with wasm; or says clearly why it cannot', async function () {
    if (info === null) {
      // `npm run test:webgpu` provides a (software) adapter and sets this: there a missing adapter is a failure.
      if (process.env.LATENT_LAB_EXPECT_WEBGPU === '1') assert.fail(`LATENT_LAB_EXPECT_WEBGPU=1 but Dawn found no adapter: ${why}`);
      await assert.rejects(selectBackend('webgpu', { threads: 1 }), /runtime.backend: webgpu is not available here .*docs\/gpu.md/);
      console.log(`      (no WebGPU adapter here: ${why}; the numeric comparison is skipped)`);
      return;
    }
    const r = await selectBackend('webgpu', { threads: 1 });
    assert.equal(r.name, 'webgpu');
    assert.equal(tf.getBackend(), 'webgpu');
    assert.equal(r.softwareAdapter === true, !classifyAdapter(info).hardware);
    const a = Float32Array.from({ length: 24 * 40 }, (_, i) => Math.sin(i) * 0.5);
    const b = Float32Array.from({ length: 40 * 16 }, (_, i) => Math.cos(i * 0.7) * 0.5);
    const run = async () => {
      const x = tf.tensor2d(a, [24, 40]);
      const y = tf.tensor2d(b, [40, 16]);
      const [out, grad, sum] = tf.tidy(() => {
        const f = (t: tf.Tensor) => tf.sum(tf.tanh(tf.matMul(t as tf.Tensor2D, y)));
        // 20 addends: more than the 8 storage buffers WebGPU guarantees one AddN dispatch (webgpuKernels.ts)
        const terms = Array.from({ length: 20 }, (_, k) => tf.mul(x, k + 1));
        return [tf.softmax(tf.matMul(x, y)), tf.grad(f)(x), tf.addN(terms)];
      });
      const res = [Float32Array.from(await out.data()), Float32Array.from(await grad.data()), Float32Array.from(await sum.data())];
      tf.dispose([x, y, out, grad, sum]);
      return res;
    };
    const gpu = await run();
    await selectBackend('wasm', { threads: 1 });
    const cpu = await run();
    gpu.forEach((vals, k) => Array.from(vals).forEach((v, i) => assert.ok(Math.abs(v - cpu[k][i]) < 1e-5 * (1 + Math.abs(v)), `output ${k}[${i}]: webgpu ${v} vs wasm ${cpu[k][i]}`)));
  });
});
