// Picks the tfjs backend and exports the ONE `tf` instance the engine uses.
//
// `auto` tries, in order: @tensorflow/tfjs-node-gpu, @tensorflow/tfjs-node (both
// optionalDependencies: they only install where npm may download libtensorflow,
// and trying them costs a failed require), webgpu through Dawn on a GPU adapter only
// (webgpu.ts: never Dawn's null adapter, never a software one such as lavapipe),
// wasm (SIMD when the runtime has it), then the pure-JS cpu backend. Every
// attempt is recorded in the report so a run can say why it landed where it did.
// `webgpu` asked for by name also takes a software adapter, flagged softwareAdapter
// (how CI checks the route without a GPU: scripts/lavapipe.sh; docs/gpu.md).
//
// `@tensorflow/tfjs` (not tfjs-core alone) is imported because it registers the
// gradients; tfjs-core's engine and kernel registry live on globalThis, so a
// tfjs-node loaded at run time registers into this same instance.
import * as tf from '@tensorflow/tfjs';
import * as tfWasm from '@tensorflow/tfjs-backend-wasm';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BackendName } from '../core/experiment';
import { installFastBatchMatMul, uninstallFastBatchMatMul } from './model/fastBatchMatMul';

export { tf };

import type { AdapterInfo, BackendAttempt, BackendReport, ResolvedBackend } from '../core/events';
import { installWebGpuKernels } from './webgpuKernels';
import { classifyAdapter, describeAdapter, loadWebGpuBackend, probeWebGpu, vulkanLoaderMissing } from './webgpu';

export interface BackendOptions {
  threads: number;             // requested; the wasm backend runs single-threaded under Node (see docs/model.md)
  fastBatchMatMul?: boolean;   // default true on wasm
}

const WASM_FILES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'];

/** Folder holding the .wasm binaries: beside the bundle (dist/), else the npm package. */
export function wasmBinaryFolder(): string {
  if (WASM_FILES.every((f) => fs.existsSync(path.join(__dirname, f)))) return __dirname + path.sep;
  const manifest = '@tensorflow/tfjs-backend-wasm/package.json'; // not a literal: bundlers leave the resolve to run time
  const pkg = path.dirname(require.resolve(manifest));
  return path.join(pkg, 'dist') + path.sep;
}

let wasmPathsSet = false;

async function tryWasm(opts: BackendOptions): Promise<{ simd: boolean; threads: number; fast: boolean }> {
  if (!wasmPathsSet) {
    tfWasm.setWasmPaths(wasmBinaryFolder());
    wasmPathsSet = true;
  }
  // Single-threaded on purpose: tfjs disables wasm threads under Node and the
  // known patch is flaky (≈1 run in 8 stays single-threaded) and keeps the
  // process alive. Multi-core speed comes from native kernels instead.
  const ok = await tf.setBackend('wasm');
  if (!ok) throw new Error('tf.setBackend("wasm") returned false');
  await tf.ready();
  const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
  const fast = opts.fastBatchMatMul !== false;
  if (fast) installFastBatchMatMul(tf);
  else uninstallFastBatchMatMul(tf);
  return { simd, threads: tfWasm.getThreadsCount(), fast };
}

/** Loads an optional native package; returns the reason it is unusable, or null when it registered. */
function tryNative(pkg: '@tensorflow/tfjs-node-gpu' | '@tensorflow/tfjs-node'): string | null {
  try {
    // Literal requires so bundlers keep them as run-time requires (they are external).
    if (pkg === '@tensorflow/tfjs-node-gpu') require('@tensorflow/tfjs-node-gpu');
    else require('@tensorflow/tfjs-node');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'MODULE_NOT_FOUND') return `MODULE_NOT_FOUND: ${pkg} is not installed`;
    return `${pkg} failed to load: ${err.message.split('\n')[0]}`;
  }
  if (tf.findBackend('tensorflow') == null) return `${pkg} loaded but registered no "tensorflow" backend`;
  return null;
}

async function tryTensorflow(): Promise<void> {
  const ok = await tf.setBackend('tensorflow');
  if (!ok) throw new Error('tf.setBackend("tensorflow") returned false');
  await tf.ready();
}

/**
 * Dawn + tfjs-backend-webgpu on the adapter Dawn picks. Dawn's null adapter never;
 * a software adapter only when asked for by name (`gpuOnly` false), flagged.
 */
async function tryWebGpu(gpuOnly: boolean): Promise<{ adapter: AdapterInfo; software: boolean }> {
  // auto on a machine without Vulkan: say so without loading Dawn (which would print a warning on stderr).
  const noLoader = gpuOnly ? vulkanLoaderMissing() : null;
  if (noLoader !== null) throw new Error(noLoader);
  const adapter = await probeWebGpu();
  const kind = classifyAdapter(adapter);
  if (adapter.device === 'null-backend') throw new Error(`${kind.why}`);
  if (gpuOnly && !kind.hardware) throw new Error(`${kind.why}; auto takes a GPU adapter only (runtime.backend: webgpu runs on it anyway, slower than wasm)`);
  loadWebGpuBackend();
  const ok = await tf.setBackend('webgpu');
  if (!ok) throw new Error(`tf.setBackend("webgpu") returned false on ${describeAdapter(adapter)}`);
  await tf.ready();
  uninstallFastBatchMatMul(tf);
  installWebGpuKernels(tf);
  return { adapter, software: !kind.hardware };
}

const HOW_TO: Record<Exclude<ResolvedBackend, 'cpu'>, string> = {
  'tensorflow-gpu': 'install it with `npm install @tensorflow/tfjs-node-gpu@4.22.0` on a machine with CUDA that can download libtensorflow, or set runtime.backend: auto',
  'tensorflow': 'install it with `npm install @tensorflow/tfjs-node@4.22.0` on a machine that can download libtensorflow, or set runtime.backend: auto',
  'webgpu': 'install the optional packages (`npm install webgpu@0.6.2 @tensorflow/tfjs-backend-webgpu@4.22.0`), a Vulkan loader and a GPU driver (docs/gpu.md)',
  'wasm': 'check that the tfjs-backend-wasm .wasm files sit beside dist/*.js (npm run build copies them), or set runtime.backend: cpu',
};

/** auto's order, fastest first (docs/gpu.md says why tfjs-node-gpu stays first). */
export const AUTO_ORDER: readonly ResolvedBackend[] = ['tensorflow-gpu', 'tensorflow', 'webgpu', 'wasm', 'cpu'];

/**
 * Selects and initialises a backend. `requested` is runtime.backend; forcing a
 * backend that cannot start throws an Error saying what is missing and what to do.
 */
export async function selectBackend(requested: BackendName, opts: BackendOptions): Promise<BackendReport> {
  const tried: BackendAttempt[] = [];
  const order: readonly ResolvedBackend[] = requested === 'auto' ? AUTO_ORDER : [requested];
  for (const name of order) {
    try {
      if (name === 'tensorflow-gpu' || name === 'tensorflow') {
        const reason = tryNative(name === 'tensorflow-gpu' ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node');
        if (reason != null) { tried.push({ name, ok: false, reason }); continue; }
        await tryTensorflow();
        tried.push({ name, ok: true });
        return { name, tried };
      }
      if (name === 'webgpu') {
        const g = await tryWebGpu(requested === 'auto');
        const why = g.software ? classifyAdapter(g.adapter).why : `GPU adapter ${describeAdapter(g.adapter)}`;
        tried.push({ name, ok: true, reason: requested === 'auto' ? why : `asked for by name; ${why}` });
        return { name, adapter: g.adapter, ...(g.software ? { softwareAdapter: true } : {}), tried };
      }
      if (name === 'wasm') {
        const w = await tryWasm(opts);
        tried.push({ name, ok: true });
        return { name, simd: w.simd, threads: w.threads, fastBatchMatMul: w.fast, tried };
      }
      await tf.setBackend('cpu');
      await tf.ready();
      tried.push({ name, ok: true });
      return { name, threads: 1, tried };
    } catch (e) {
      tried.push({ name, ok: false, reason: (e as Error).message.split('\n')[0] });
    }
  }
  const last = tried[tried.length - 1];
  if (requested !== 'auto' && requested !== 'cpu') {
    throw new Error(`runtime.backend: ${requested} is not available here (${last.reason}); ${HOW_TO[requested]}.`);
  }
  throw new Error(`runtime.backend: ${requested}: no tfjs backend could start: ${tried.map((t) => `${t.name}: ${t.reason}`).join('; ')}`);
}
