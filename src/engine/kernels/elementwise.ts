// Identity / same-dtype Cast without a copy (the stock wasm kernels copy),
// and native Exp, Erf and Sum over leading or trailing axes.
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
