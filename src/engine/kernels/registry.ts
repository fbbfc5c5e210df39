// Swaps a stock wasm kernel for a native one and back. The stock kernel is
// kept so the native one can fall back to it for cases it does not cover
// (other dtypes, empty tensors, general broadcasting), and so tests can
// restore the stock kernels in the same process.
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs';
import type { TF } from './wasm_heap';

const NATIVE = Symbol.for('latent-lab.native-kernel');
const stockKernels = new Map<string, KernelConfig>(); // kernel name -> stock wasm config

type NativeKernelFunc = KernelFunc & { [NATIVE]?: true };

/** Replace `kernelName` on wasm by `make(stock)`; returns false when there is no stock kernel. */
export function replaceWasmKernel(tf: TF, kernelName: string, make: (stock: KernelFunc) => KernelFunc): boolean {
  const current = tf.getKernel(kernelName, 'wasm');
  if (!current) return false;
  const stock = stockKernels.get(kernelName) ?? current;
  stockKernels.set(kernelName, stock);
  const kernelFunc: NativeKernelFunc = make(stock.kernelFunc);
  kernelFunc[NATIVE] = true;
  tf.unregisterKernel(kernelName, 'wasm');
  tf.registerKernel({ ...stock, kernelFunc });
  return true;
}

/** Register a kernel that has no stock counterpart (fused LayerNorm, GELU, Adam). */
export function registerNewWasmKernel(tf: TF, kernelName: string, kernelFunc: KernelFunc): void {
  const marked: NativeKernelFunc = kernelFunc;
  marked[NATIVE] = true;
  if (tf.getKernel(kernelName, 'wasm')) tf.unregisterKernel(kernelName, 'wasm');
  tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc: marked });
}

/** Put every replaced stock kernel back and drop the native-only ones. */
export function restoreStockKernels(tf: TF, nativeOnly: string[]): void {
  for (const [name, stock] of stockKernels) {
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel(stock);
  }
  for (const name of nativeOnly) if (tf.getKernel(name, 'wasm')) tf.unregisterKernel(name, 'wasm');
}

/** Names of the wasm kernels that are native right now (what a run actually used). */
export function activeNativeKernels(tf: TF): string[] {
  return tf.getKernelsForBackend('wasm')
    .filter((k) => (k.kernelFunc as NativeKernelFunc)[NATIVE] === true)
    .map((k) => k.kernelName)
    .sort();
}

/** Whether `kernelName` on the active backend is a native kernel right now (one registry lookup, cheap per op). */
export function isNativeKernelActive(tf: TF, kernelName: string): boolean {
  const k = tf.getKernel(kernelName, tf.getBackend());
  return k !== undefined && (k.kernelFunc as NativeKernelFunc)[NATIVE] === true;
}
