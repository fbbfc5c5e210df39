// The WebGPU route: Dawn's Node bindings (npm `webgpu`, a prebuilt dawn.node that
// loads libvulkan.so.1 at run time) under @tensorflow/tfjs-backend-webgpu. Both
// packages are optionalDependencies; a machine without them, without a Vulkan
// loader or without an adapter falls through to wasm and the run records why.
//
// `auto` takes WebGPU only on a hardware adapter: Dawn's null adapter computes
// nothing, and a software one (Mesa llvmpipe/lavapipe, SwiftShader) is slower
// than wasm with the native kernels. Asking for `webgpu` by name accepts a
// software adapter (that is how the exactness test runs on a machine without a
// GPU) and says so in the report.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AdapterInfo } from '../core/events';

const SOFTWARE_ICD = /lvp|lavapipe|swiftshader|llvmpipe/i;
const ICD_DIRS = ['/etc/vulkan/icd.d', '/usr/share/vulkan/icd.d', '/usr/local/share/vulkan/icd.d'];
const LOADER_DIRS = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib', '/usr/local/lib'];

/**
 * What `auto` can tell without loading Dawn (which prints warnings when Vulkan is
 * missing): whether a Vulkan loader exists and which driver manifests (ICDs) it would read.
 */
export function vulkanDrivers(env: NodeJS.ProcessEnv = process.env): { loader: string | null; icds: string[] } {
  const libDirs = [...(env.LD_LIBRARY_PATH ?? '').split(':').filter((d) => d.length > 0), ...LOADER_DIRS];
  const loader = libDirs.map((d) => path.join(d, 'libvulkan.so.1')).find((f) => fs.existsSync(f)) ?? null;
  const listed = (env.VK_DRIVER_FILES ?? env.VK_ICD_FILENAMES ?? '').split(':').filter((f) => f.length > 0);
  const icds = listed.length > 0 ? listed : ICD_DIRS.flatMap((d) => {
    try { return fs.readdirSync(d).filter((f) => f.endsWith('.json')).map((f) => path.join(d, f)); } catch { return []; }
  });
  return { loader, icds };
}

/** Why `auto` should not even try WebGPU here, or null when a hardware driver may be present. */
export function autoWebGpuObstacle(env: NodeJS.ProcessEnv = process.env): string | null {
  if (process.platform !== 'linux') return null; // Dawn uses Metal / D3D12 there: let it decide
  const { loader, icds } = vulkanDrivers(env);
  if (loader === null) return 'no Vulkan loader (libvulkan.so.1) on this machine';
  if (icds.length > 0 && icds.every((f) => SOFTWARE_ICD.test(path.basename(f)))) {
    return `only software Vulkan drivers (${icds.map((f) => path.basename(f)).join(', ')})`;
  }
  return null;
}

/** What the adapter says it is, and whether it is a real GPU. */
export function classifyAdapter(info: AdapterInfo): { hardware: boolean; why?: string } {
  const text = `${info.vendor} ${info.architecture} ${info.device} ${info.description}`.toLowerCase();
  if (info.device === 'null-backend' || /\bnull\b/.test(info.architecture)) return { hardware: false, why: "Dawn's null adapter (computes nothing)" };
  if (info.fallback) return { hardware: false, why: `a software adapter (Dawn calls it a fallback): ${describeAdapter(info)}` };
  if (/\b(software|cpu)\b/.test(info.architecture) || /llvmpipe|lavapipe|swiftshader|softpipe/.test(text)) {
    return { hardware: false, why: `a software adapter: ${describeAdapter(info)}` };
  }
  return { hardware: true };
}

export function describeAdapter(info: AdapterInfo): string {
  const parts = [info.vendor, info.architecture, info.device].filter((s) => s.length > 0);
  return parts.length > 0 ? parts.join(' / ') : (info.description || 'unnamed adapter');
}

// `import()` kept as a real dynamic import: the `webgpu` package is ESM, and both
// tsc (module commonjs) and esbuild (format cjs) would turn a plain import() into require().
const importEsm = new Function('specifier', 'return import(specifier)') as (s: string) => Promise<unknown>;

interface GpuAdapterLike {
  info?: { vendor?: string; architecture?: string; device?: string; description?: string; isFallbackAdapter?: boolean };
  isFallbackAdapter?: boolean;
}
interface GpuLike { requestAdapter(o?: { powerPreference?: string }): Promise<GpuAdapterLike | null> }

/**
 * Loads Dawn, installs `navigator.gpu` and the WebGPU globals tfjs expects, and
 * returns the adapter it would use. Throws with the reason when any part is missing.
 */
export async function probeWebGpu(): Promise<AdapterInfo> {
  let mod: { create: (flags: string[]) => GpuLike; globals: Record<string, unknown> };
  try {
    mod = (await importEsm('webgpu')) as typeof mod;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ERR_MODULE_NOT_FOUND' || err.code === 'MODULE_NOT_FOUND') throw new Error('MODULE_NOT_FOUND: the optional package `webgpu` (Dawn) is not installed');
    throw new Error(`the \`webgpu\` package failed to load: ${err.message.split('\n')[0]}`);
  }
  const g = globalThis as unknown as { navigator?: { gpu?: GpuLike } };
  if (g.navigator?.gpu === undefined) {
    Object.assign(globalThis, mod.globals);
    // Node ≥ 21 defines a read-only navigator; 20 has none. Add `gpu` to whichever there is.
    if (g.navigator === undefined) Object.defineProperty(globalThis, 'navigator', { value: {}, configurable: true, writable: true });
    Object.defineProperty(g.navigator, 'gpu', { value: mod.create([]), configurable: true });
  }
  const adapter = await g.navigator!.gpu!.requestAdapter({ powerPreference: 'high-performance' });
  if (adapter == null) {
    throw new Error('Dawn found no WebGPU adapter (is a Vulkan driver installed? Dawn needs libvulkan.so.1 and a GPU driver or Mesa ≥ 23 lavapipe)');
  }
  const i = adapter.info ?? {};
  return {
    vendor: i.vendor ?? '', architecture: i.architecture ?? '', device: i.device ?? '', description: i.description ?? '',
    fallback: Boolean(i.isFallbackAdapter ?? adapter.isFallbackAdapter),
  };
}

/** Registers @tensorflow/tfjs-backend-webgpu (into the shared global tfjs registry). */
export function loadWebGpuBackend(): void {
  try {
    require('@tensorflow/tfjs-backend-webgpu'); // literal: bundlers keep it external (it is optional)
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'MODULE_NOT_FOUND') throw new Error('MODULE_NOT_FOUND: the optional package @tensorflow/tfjs-backend-webgpu is not installed');
    throw new Error(`@tensorflow/tfjs-backend-webgpu failed to load: ${err.message.split('\n')[0]}`);
  }
}
