import * as assert from 'node:assert/strict';
import { selectBackend, tf } from '../../src/engine/backend';
import { describeBackend, type AdapterInfo } from '../../src/core/events';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { classifyAdapter, probeWebGpu, vulkanLoaderMissing } from '../../src/engine/webgpu';
import { compareKernelOutputs, kernelCheckOutputs, KERNEL_TOLERANCE } from '../../src/engine/webgpuCheck';

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

  it('finds a Vulkan loader in LD_LIBRARY_PATH without loading Dawn (auto checks this first)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'll-vk-'));
    const saved = process.env.LD_LIBRARY_PATH;
    try {
      fs.writeFileSync(path.join(dir, 'libvulkan.so.1'), '');
      process.env.LD_LIBRARY_PATH = dir;
      assert.equal(vulkanLoaderMissing(), null);
    } finally {
      if (saved === undefined) delete process.env.LD_LIBRARY_PATH; else process.env.LD_LIBRARY_PATH = saved;
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
    assert.match(r.tried[0].reason!, /^asked for by name; /);
    const gpu = await kernelCheckOutputs(tf);
    await selectBackend('wasm', { threads: 1 });
    const cpu = await kernelCheckOutputs(tf);
    const { worst, where } = compareKernelOutputs(gpu, cpu);
    assert.ok(worst <= KERNEL_TOLERANCE, `webgpu vs wasm: ${where}`);
  });

  it('auto takes the adapter only when it is a GPU; a software one is skipped with its name and the reason', async function () {
    if (info === null) { console.log(`      SKIPPED: no WebGPU adapter here (${why})`); this.skip(); }
    const r = await selectBackend('auto', { threads: 1 });
    const attempt = r.tried.find((t) => t.name === 'webgpu')!;
    if (classifyAdapter(info!).hardware) {
      assert.equal(r.name, 'webgpu');
      assert.match(attempt.reason!, /GPU adapter/);
      return;
    }
    assert.notEqual(r.name, 'webgpu');
    assert.equal(attempt.ok, false);
    assert.ok(attempt.reason!.includes(info!.device), attempt.reason);
    assert.match(attempt.reason!, /software adapter.*auto takes a GPU adapter only/);
  });
});
