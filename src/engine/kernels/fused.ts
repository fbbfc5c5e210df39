// Fused LayerNorm and GELU (tanh form, DESIGN.md §2) as single native kernels
// with single-kernel gradients, instead of ~10 tfjs kernels each way.
// fusedLayerNorm / fusedGeluTanh are the ops model code calls: they run the
// native kernel when installNativeKernels() registered it for the current
// backend, else the same math in plain tfjs ops.
import type { GradFunc, KernelFunc, Tensor, TensorInfo } from '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs';
import type { NativeAddon } from './native_addon';
import { elementCount, heapView, type TF, type WasmBackendInternals } from './wasm_heap';

export const LAYER_NORM_KERNEL = 'LatentLabLayerNorm';
export const LAYER_NORM_GRAD_KERNEL = 'LatentLabLayerNormGrad';
export const GELU_TANH_KERNEL = 'LatentLabGeluTanh';
export const GELU_TANH_GRAD_KERNEL = 'LatentLabGeluTanhGrad';

const GELU_A = Math.sqrt(2 / Math.PI);
const GELU_B = 0.044715;

// ------------------------------------------------------------------ kernels
export function layerNormKernel(addon: NativeAddon): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { x, g, b } = inputs as { x: TensorInfo; g: TensorInfo; b: TensorInfo };
    const be = backend as WasmBackendInternals;
    const D = x.shape[x.shape.length - 1];
    const out = be.makeOutput(x.shape, 'float32'); // [..., D]
    addon.layerNorm(heapView(be, x), heapView(be, g), heapView(be, b), heapView(be, out), elementCount(x.shape) / D, D, attrs?.eps as number);
    return out;
  };
}

export function layerNormGradKernel(addon: NativeAddon): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { dy, x, g } = inputs as { dy: TensorInfo; x: TensorInfo; g: TensorInfo };
    const be = backend as WasmBackendInternals;
    const D = x.shape[x.shape.length - 1];
    const dx = be.makeOutput(x.shape, 'float32'), dg = be.makeOutput([D], 'float32'), db = be.makeOutput([D], 'float32');
    addon.layerNormGrad(heapView(be, dy), heapView(be, x), heapView(be, g), heapView(be, dx), heapView(be, dg), heapView(be, db),
      elementCount(x.shape) / D, D, attrs?.eps as number);
    return [dx, dg, db];
  };
}

export function geluTanhKernel(addon: NativeAddon): KernelFunc {
  return ({ inputs, backend }) => {
    const x = inputs.x as TensorInfo;
    const be = backend as WasmBackendInternals;
    const out = be.makeOutput(x.shape, 'float32');
    if (elementCount(x.shape) > 0) addon.unary(2, heapView(be, x), heapView(be, out));
    return out;
  };
}

export function geluTanhGradKernel(addon: NativeAddon): KernelFunc {
  return ({ inputs, backend }) => {
    const { dy, x } = inputs as { dy: TensorInfo; x: TensorInfo };
    const be = backend as WasmBackendInternals;
    const dx = be.makeOutput(x.shape, 'float32');
    if (elementCount(x.shape) > 0) addon.geluTanhGrad(heapView(be, dy), heapView(be, x), heapView(be, dx));
    return dx;
  };
}

// ------------------------------------------------------------------ gradients
const layerNormGrad: GradFunc = (dy, saved, attrs) => {
  const [x, g] = saved;
  const [dx, dg, db] = tf.engine().runKernel(LAYER_NORM_GRAD_KERNEL, { dy: dy as Tensor, x, g }, attrs) as Tensor[];
  return { x: () => dx, g: () => dg, b: () => db };
};
const geluTanhGrad: GradFunc = (dy, saved) => {
  const [x] = saved;
  return { x: () => tf.engine().runKernel(GELU_TANH_GRAD_KERNEL, { dy: dy as Tensor, x }) as Tensor };
};

export function registerFusedGradients(tfm: TF): void {
  if (!tfm.getGradient(LAYER_NORM_KERNEL)) tfm.registerGradient({ kernelName: LAYER_NORM_KERNEL, inputsToSave: ['x', 'g'], gradFunc: layerNormGrad });
  if (!tfm.getGradient(GELU_TANH_KERNEL)) tfm.registerGradient({ kernelName: GELU_TANH_KERNEL, inputsToSave: ['x'], gradFunc: geluTanhGrad });
}

// ------------------------------------------------------------------ ops
function nativeReady(kernelName: string, x: Tensor): boolean {
  return x.dtype === 'float32' && tf.getKernel(kernelName, tf.getBackend()) !== undefined;
}

/** LayerNorm over the last axis: (x - mean) / sqrt(var + eps) * g + b. x [..., D], g [D], b [D]. */
export function fusedLayerNorm(x: Tensor, g: Tensor, b: Tensor, eps = 1e-5): Tensor {
  const D = x.shape[x.shape.length - 1];
  if (g.shape.length !== 1 || g.shape[0] !== D || b.shape.length !== 1 || b.shape[0] !== D) {
    throw new Error(`fusedLayerNorm: gain ${JSON.stringify(g.shape)} and bias ${JSON.stringify(b.shape)} must both be [${D}] for input ${JSON.stringify(x.shape)}`);
  }
  if (nativeReady(LAYER_NORM_KERNEL, x) && elementCount(x.shape) > 0) {
    return tf.engine().runKernel(LAYER_NORM_KERNEL, { x, g, b }, { eps }) as Tensor;
  }
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(x, -1, true); // [..., 1]
    return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps))), g), b);
  });
}

/** GELU, tanh form: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). */
export function fusedGeluTanh(x: Tensor): Tensor {
  if (nativeReady(GELU_TANH_KERNEL, x)) return tf.engine().runKernel(GELU_TANH_KERNEL, { x }) as Tensor;
  return geluTanhOps(x);
}

/** The same GELU in plain tfjs ops (the one definition every non-native path uses). */
export function geluTanhOps(x: Tensor): Tensor {
  return tf.tidy(() => {
    const inner = tf.mul(GELU_A, tf.add(x, tf.mul(GELU_B, tf.mul(x, tf.square(x)))));
    return tf.mul(tf.mul(0.5, x), tf.add(1, tf.tanh(inner)));
  });
}

/** d gelu_tanh / dx at x, in plain tfjs ops. */
export function geluTanhDerivativeOps(x: Tensor): Tensor {
  return tf.tidy(() => {
    const t = tf.tanh(tf.mul(GELU_A, tf.add(x, tf.mul(GELU_B, tf.mul(x, tf.square(x))))));
    const dInner = tf.mul(GELU_A, tf.add(1, tf.mul(3 * GELU_B, tf.square(x))));
    return tf.add(tf.mul(0.5, tf.add(1, t)), tf.mul(tf.mul(0.5, x), tf.mul(tf.sub(1, tf.square(t)), dInner)));
  });
}
