// Embedding rows by index (native/src/embedding.cc): embedRows(table, idx) = table[idx]
// row by row, a zero row where idx < 0, and its gradient a scatter-add into the
// table's rows. The model's token, latent and position embeddings used one-hot
// products for this ([N, V]·[V, d]: N·V·d multiply-adds and a [N, V] one-hot to
// build), because tf.gather's gradient needs UnsortedSegmentSum, which the wasm
// backend lacks. Without the native kernel the op is that one-hot product.
import type { GradFunc, KernelFunc, Tensor, TensorInfo } from '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs';
import type { NativeAddon } from './native_addon';
import { heapView, heapViewI32, type TF, type WasmBackendInternals } from './wasm_heap';

export const EMBED_ROWS_KERNEL = 'LatentLabEmbedRows';
export const EMBED_ROWS_GRAD_KERNEL = 'LatentLabEmbedRowsGrad';

type Be = WasmBackendInternals;

/** table [V, d] float32, idx [N] int32 → [N, d]. */
export function embedRowsKernel(addon: NativeAddon): KernelFunc {
  return ({ inputs, backend }) => {
    const { table, idx } = inputs as { table: TensorInfo; idx: TensorInfo };
    const be = backend as Be;
    const [V, d] = table.shape, N = idx.shape[0];
    const out = be.makeOutput([N, d], 'float32');
    addon.embedRows(heapView(be, table), heapViewI32(be, idx), heapView(be, out), N, V, d);
    return out;
  };
}

/** dy [N, d], idx [N] int32, attr rows V → dtable [V, d]. */
export function embedRowsGradKernel(addon: NativeAddon): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { dy, idx } = inputs as { dy: TensorInfo; idx: TensorInfo };
    const be = backend as Be;
    const V = attrs?.rows as number, [N, d] = dy.shape;
    const dtable = be.makeOutput([V, d], 'float32');
    addon.embedRowsGrad(heapView(be, dy), heapViewI32(be, idx), heapView(be, dtable), N, V, d);
    return dtable;
  };
}

// The indices are constants (no gradient); the table's gradient only when the tape asks for it.
const embedRowsGrad: GradFunc = (dy, saved, attrs) => {
  const [idx] = saved;
  return { table: () => tf.engine().runKernel(EMBED_ROWS_GRAD_KERNEL, { dy: dy as Tensor, idx }, attrs) as Tensor };
};

export function registerEmbeddingGradient(tfm: TF): void {
  if (!tfm.getGradient(EMBED_ROWS_KERNEL)) tfm.registerGradient({ kernelName: EMBED_ROWS_KERNEL, inputsToSave: ['idx'], gradFunc: embedRowsGrad });
}

/** Whether embedRows runs its native kernel on the current backend. */
export function embedRowsIsNative(): boolean {
  return tf.getKernel(EMBED_ROWS_KERNEL, tf.getBackend()) !== undefined;
}

/** table [V, d], idx [N] host int32 (each in [−1, V)) → [N, d]: row idx[i] of table, zeros where idx[i] = −1. */
export function embedRows(table: tf.Tensor2D, idx: Int32Array): tf.Tensor2D {
  const [V] = table.shape;
  for (let i = 0; i < idx.length; i++) if (idx[i] < -1 || idx[i] >= V) throw new Error(`embedRows: index ${idx[i]} outside [−1, ${V})`);
  return tf.tidy(() => {
    const ids = tf.tensor1d(idx, 'int32');
    if (embedRowsIsNative() && table.dtype === 'float32' && idx.length > 0) {
      return tf.engine().runKernel(EMBED_ROWS_KERNEL, { table, idx: ids }, { rows: V }) as tf.Tensor2D;
    }
    return tf.matMul(oneHotRows(idx, V), table);   // a −1 row of the one-hot is all zeros
  });
}

/**
 * idx [N] (each in [−1, V)) → one-hot [N, V] float32, zero rows at −1. tf.oneHot refuses a
 * depth of 1, which a shared latent table has (one row): that one is built on the host.
 */
export function oneHotRows(idx: Int32Array, V: number): tf.Tensor2D {
  if (V >= 2) return tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(idx, 'int32'), V), 'float32') as tf.Tensor2D);
  return tf.tensor2d(Float32Array.from(idx, (i) => (i === 0 ? 1 : 0)), [idx.length, V]);
}
