// Identity / same-dtype Cast without a copy (the stock wasm kernels copy),
// native Exp, Erf and Sum over leading or trailing axes, and Slice on the heap.
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { NativeAddon } from './native_addon';
import { elementCount, heapView, type TF, type WasmBackendInternals } from './wasm_heap';

// Tensors are immutable, so an output may share the input's storage: one more reference, no copy.
function share(backend: WasmBackendInternals, x: TensorInfo): TensorInfo {
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

export function makeIdentity(stock: KernelFunc): KernelFunc {
  return (args) => {
    const x = args.inputs.x as TensorInfo;
    return x.dtype === 'string' ? stock(args) : share(args.backend as WasmBackendInternals, x);
  };
}

export function makeCast(stock: KernelFunc): KernelFunc {
  return (args) => {
    const x = args.inputs.x as TensorInfo;
    return x.dtype !== 'string' && x.dtype === args.attrs?.dtype ? share(args.backend as WasmBackendInternals, x) : stock(args);
  };
}

export function makeUnary(addon: NativeAddon, op: 0 | 1, stock: KernelFunc): KernelFunc {
  return (args) => {
    const x = args.inputs.x as TensorInfo;
    if (x.dtype !== 'float32' || elementCount(x.shape) === 0) return stock(args);
    const backend = args.backend as WasmBackendInternals;
    const out = backend.makeOutput(x.shape, 'float32');
    addon.unary(op, heapView(backend, x), heapView(backend, out));
    return out;
  };
}

export function makeSum(tf: TF, addon: NativeAddon, stock: KernelFunc): KernelFunc {
  return (args) => {
    const x = args.inputs.x as TensorInfo;
    const size = elementCount(x.shape);
    if (x.dtype !== 'float32' || size === 0) return stock(args);
    const rank = x.shape.length;
    const axes = tf.util.parseAxisParam(args.attrs?.axis as number | number[], x.shape).sort((p, q) => p - q);
    if (axes.length === 0 || axes.some((ax, i) => i > 0 && ax !== axes[i - 1] + 1)) return stock(args);
    const trailing = axes[axes.length - 1] === rank - 1, leading = axes[0] === 0;
    if (!trailing && !leading) return stock(args);
    const reduced = axes.reduce((n, ax) => n * x.shape[ax], 1);
    const outShape = args.attrs?.keepDims
      ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d))
      : x.shape.filter((_, i) => !axes.includes(i));
    const backend = args.backend as WasmBackendInternals;
    const out = backend.makeOutput(outShape, 'float32');
    const X = heapView(backend, x), Y = heapView(backend, out);
    if (trailing) addon.sum(X, size / reduced, reduced, Y, 1); // [rows, reduced] -> [rows]
    else addon.sum(X, reduced, size / reduced, Y, 0);          // [reduced, cols] -> [cols]
    return out;
  };
}

/**
 * Slice of a float32 / int32 tensor copied heap to heap, a contiguous run at a time. The stock
 * wasm kernel first reads the whole input back into a fresh JS array (readSync): ~10 ms for each
 * of CrystaL's [B/2, T, d] halves of a [B, T, d] batch, 18 of them a step.
 */
export function makeSlice(tf: TF, stock: KernelFunc): KernelFunc {
  return (args) => {
    const x = args.inputs.x as TensorInfo;
    if ((x.dtype !== 'float32' && x.dtype !== 'int32') || x.shape.length === 0 || elementCount(x.shape) === 0) return stock(args);
    const [begin, size] = tf.slice_util.parseSliceParams(x as never, args.attrs?.begin as number[], args.attrs?.size as number[]);
    const backend = args.backend as WasmBackendInternals;
    const out = backend.makeOutput(size, x.dtype);
    if (elementCount(size) === 0) return out;
    const X = heapView(backend, x), Y = heapView(backend, out);   // float32 views also copy int32 bits exactly
    const rank = x.shape.length, strides = tf.util.computeStrides(x.shape);
    // The innermost dimensions kept whole (after the last one sliced) form one contiguous run.
    let inner = rank - 1;
    while (inner > 0 && begin[inner] === 0 && size[inner] === x.shape[inner]) inner--;
    const run = size.slice(inner).reduce((n, d) => n * d, 1);
    const outer = size.slice(0, inner);                              // odometer over these
    const idx = new Array<number>(inner).fill(0);
    for (let o = 0; o < Y.length; o += run) {
      let off = begin[inner] * (inner < rank - 1 ? strides[inner] : 1);
      for (let a = 0; a < inner; a++) off += (begin[a] + idx[a]) * strides[a];
      Y.set(X.subarray(off, off + run), o);
      for (let a = inner - 1; a >= 0; a--) { if (++idx[a] < outer[a]) break; idx[a] = 0; }
    }
    return out;
  };
}
