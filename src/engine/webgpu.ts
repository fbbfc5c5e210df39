// The WebGPU route: Dawn's Node bindings (npm `webgpu`, a prebuilt dawn.node that
// loads libvulkan.so.1 at run time) under @tensorflow/tfjs-backend-webgpu. Both
// packages are optionalDependencies; a machine without them, without a Vulkan
// loader or without an adapter falls through to wasm and the run records why.
//
// Dawn's null adapter computes nothing and is refused; a software one (Mesa
// llvmpipe/lavapipe, SwiftShader) is slower than wasm with the native kernels, so
// `auto` skips it, and `runtime.backend: webgpu` takes it flagged: it is how the
// checks run without a GPU (scripts/lavapipe.sh, docs/gpu.md).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AdapterInfo } from '../core/events';

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

const LOADER = 'libvulkan.so.1';
const LIB_DIRS = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib', '/lib/x86_64-linux-gnu', '/lib64', '/usr/local/lib'];

/**
 * Linux only: why Dawn cannot find a Vulkan loader, or null when one is there (or on
 * another OS, where Dawn uses Metal or D3D12). Checked by `auto` before loading Dawn,
 * which prints a warning on stderr when dlopen("libvulkan.so.1") fails.
 */
export function vulkanLoaderMissing(): string | null {
  if (process.platform !== 'linux') return null;
  const dirs = [...(process.env.LD_LIBRARY_PATH ?? '').split(':').filter((d) => d.length > 0), ...LIB_DIRS];
  if (dirs.some((d) => fs.existsSync(path.join(d, LOADER)))) return null;
  try {
    if (fs.readFileSync('/etc/ld.so.cache').includes(LOADER)) return null;   // the loader's own index of library folders
  } catch { /* no cache: the folders above are all there is */ }
  return `no Vulkan loader (${LOADER}) on this machine: WebGPU through Dawn needs it and a GPU driver (apt-get install libvulkan1)`;
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
