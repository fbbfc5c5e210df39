// BatchMatMul on the wasm backend through the addon's sgemm (OpenBLAS or the
// built-in kernel). Stock wasm reaches ~2 GFLOP/s on batched or transposed
// matmuls (all attention and every backward matmul); this is the main win.
// Gradients need nothing new: tfjs's BatchMatMul gradient is made of
// BatchMatMul calls with transpose flags, which land here too.
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { NativeAddon } from './native_addon';
import { elementCount, heapView, type TF, type WasmBackendInternals } from './wasm_heap';

export function makeBatchMatMul(tf: TF, addon: NativeAddon, stock: KernelFunc): KernelFunc {
  return (args) => {
    const a = args.inputs.a as TensorInfo;
    const b = args.inputs.b as TensorInfo;
    const transposeA = Boolean(args.attrs?.transposeA);
    const transposeB = Boolean(args.attrs?.transposeB);
    if (a.dtype !== 'float32' || b.dtype !== 'float32' || a.shape.length < 2 || b.shape.length < 2) return stock(args);
    const ra = a.shape.length, rb = b.shape.length;
    const M = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
    const K = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
    const K2 = transposeB ? b.shape[rb - 1] : b.shape[rb - 2];
    const N = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
    const outerA = a.shape.slice(0, -2), outerB = b.shape.slice(0, -2);
    const batchA = elementCount(outerA), batchB = elementCount(outerB);
    // Mismatched K, general broadcasting ([2,1] vs [1,4]) and empty tensors: stock kernel (and its errors).
    if (K !== K2 || (batchA !== batchB && batchA !== 1 && batchB !== 1) || M * N * K * batchA * batchB === 0) return stock(args);
    const outOuter = tf.broadcast_util.assertAndGetBroadcastShape(outerA, outerB);
    const batch = Math.max(batchA, batchB);
    const backend = args.backend as WasmBackendInternals;
    const out = backend.makeOutput([...outOuter, M, N], 'float32'); // [...batch, M, N]
    const A = heapView(backend, a), B = heapView(backend, b), C = heapView(backend, out);
    if (batchB === 1 && batch > 1 && !transposeA) {
      // Shared right operand (x · W): fold the batch into rows, one big sgemm.
      addon.gemm(1, batch * M, N, K, false, transposeB, A, 0, 0, B, 0, 0, C, 0, 0);
    } else {
      addon.gemm(batch, M, N, K, transposeA, transposeB, A, 0, batchA === 1 ? 0 : M * K, B, 0, batchB === 1 ? 0 : K * N, C, 0, M * N);
    }
    return out;
  };
}
