// The tfjs-backend-wasm internals the native kernels rely on (tfjs 4.22.0):
// `backend.dataIdMap.get(dataId).memoryOffset`, `backend.wasm.HEAPU8` and
// `backend.makeOutput(shape, dtype)`. A native kernel reads its inputs and
// writes its outputs in place on the wasm heap through Float32Array views.
import type { DataId, DataType, Tensor, TensorInfo } from '@tensorflow/tfjs';
import * as tfjs from '@tensorflow/tfjs';

export type TF = typeof import('@tensorflow/tfjs');

/** The tfjs version the kernels were written and checked against. */
export const TFJS_VERSION_PINNED = '4.22.0';

export interface WasmBackendInternals {
  dataIdMap: { get(dataId: DataId): { memoryOffset: number } | undefined };
  wasm: { HEAPU8: Uint8Array };
  makeOutput(shape: number[], dtype: DataType): TensorInfo;
  incRef(dataId: DataId): void;
}

/** Why the installed tfjs / wasm backend cannot host the native kernels, or null when it can. */
export function backendInternalsProblem(tf: TF, backend: unknown): string | null {
  if (tf.version.tfjs !== TFJS_VERSION_PINNED) {
    return `tfjs ${tf.version.tfjs} installed, native kernels are written against exactly ${TFJS_VERSION_PINNED}`;
  }
  const b = backend as Partial<WasmBackendInternals> | null;
  if (!b || typeof b !== 'object') return 'no backend instance';
  if (!b.dataIdMap || typeof b.dataIdMap.get !== 'function') return 'wasm backend has no dataIdMap.get';
  if (!b.wasm || !(b.wasm.HEAPU8 instanceof Uint8Array)) return 'wasm backend has no wasm.HEAPU8';
  if (typeof b.makeOutput !== 'function') return 'wasm backend has no makeOutput';
  if (typeof b.incRef !== 'function') return 'wasm backend has no incRef';
  return null;
}

export function elementCount(shape: number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}

/** Float32 view of a tensor's storage. Take views only AFTER every makeOutput
 *  of the kernel: an allocation may grow the heap and detach older views. */
export function heapView(backend: WasmBackendInternals, t: TensorInfo): Float32Array {
  return new Float32Array(backend.wasm.HEAPU8.buffer, storageOffset(backend, t), elementCount(t.shape));
}

/** Int32 view of an int32 tensor's storage (the same rule as heapView). */
export function heapViewI32(backend: WasmBackendInternals, t: TensorInfo): Int32Array {
  return new Int32Array(backend.wasm.HEAPU8.buffer, storageOffset(backend, t), elementCount(t.shape));
}

function storageOffset(backend: WasmBackendInternals, t: TensorInfo): number {
  const data = backend.dataIdMap.get(t.dataId);
  if (!data) throw new Error('latent-lab native kernel: tensor data not found on the wasm backend');
  return data.memoryOffset;
}

/**
 * An uninitialised float32 tensor on the wasm backend, for a native kernel to fill: the
 * intermediates a fused forward kernel keeps for its backward (LoRA's x·A, attention's row
 * stats) go in as inputs of this kind rather than out as extra outputs, because tfjs hands a
 * backward pass a freshly allocated zero tensor for every output nobody differentiated.
 */
export function scratchTensor(shape: number[]): Tensor {
  const be = tfjs.backend() as unknown as WasmBackendInternals;
  return tfjs.engine().makeTensorFromTensorInfo(be.makeOutput(shape, 'float32'), tfjs.backend());
}
