// Kernels of tfjs-backend-webgpu 4.22 that break on Dawn's default limits, replaced
// for the webgpu backend only (as model/fastBatchMatMul.ts does for wasm).
//
// AddN binds every input as its own storage buffer; WebGPU guarantees 8 per shader
// stage and tfjs does not ask for more, so a gradient summed from 36 uses (the
// tied embedding, a LoRA input) fails pipeline validation. Here AddN sums at most
// MAX_ADDN inputs per dispatch and folds the partial sums, exact up to summation order.
import type * as tfType from '@tensorflow/tfjs';

const MAX_ADDN = 7;   // 7 inputs + 1 output = 8 storage buffers

type KernelFunc = tfType.KernelConfig['kernelFunc'];
interface TensorInfoLike { dataId: object; shape: number[]; dtype: string }
interface BackendLike { disposeData(dataId: object): boolean }

let stockAddN: KernelFunc | null = null;

export function installWebGpuKernels(tf: typeof tfType): void {
  if (stockAddN !== null) return;
  const stock = tf.getKernel('AddN', 'webgpu');
  if (stock === undefined) return;
  stockAddN = stock.kernelFunc;
  const addN: KernelFunc = (args) => {
    const backend = args.backend as unknown as BackendLike;
    let level = args.inputs as unknown as TensorInfoLike[];
    const created: TensorInfoLike[] = [];
    while (level.length > MAX_ADDN) {
      const next: TensorInfoLike[] = [];
      for (let i = 0; i < level.length; i += MAX_ADDN) {
        const chunk = level.slice(i, i + MAX_ADDN);
        if (chunk.length === 1) { next.push(chunk[0]); continue; }
        const sum = stockAddN!({ ...args, inputs: chunk as never }) as unknown as TensorInfoLike;
        created.push(sum);
        next.push(sum);
      }
      level = next;
    }
    const out = stockAddN!({ ...args, inputs: level as never });
    for (const t of created) backend.disposeData(t.dataId);
    return out;
  };
  tf.unregisterKernel('AddN', 'webgpu');
  tf.registerKernel({ kernelName: 'AddN', backendName: 'webgpu', kernelFunc: addN });
}
