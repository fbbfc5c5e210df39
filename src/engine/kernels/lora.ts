// A LoRA linear layer as one native kernel each way (native/src/lora.cc):
//   loraLinear(x, W, bias, A, B, s) = x·W + bias + s·(x·A)·B        x [N, din] → [N, dout]
// Forward: one sgemm against [W | A] (the rank-r product alone runs far below peak)
// with the bias and the low-rank term added in the same pass, instead of three
// BatchMatMuls, a Multiply and two Adds. Backward: dx, dA, dB in one call (one sgemm
// for dx against [W | A]ᵀ), and no dW: the tape asks for W's and the bias's
// gradients only when they train, which LoRA never does (then plain tfjs ops
// compute them). Without the native kernel the op runs the same math in tfjs ops.
import type { GradFunc, KernelFunc, Tensor, TensorInfo } from '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs';
import type { NativeAddon } from './native_addon';
import { heapView, type TF, type WasmBackendInternals } from './wasm_heap';

export const LORA_LINEAR_KERNEL = 'LatentLabLoraLinear';
export const LORA_LINEAR_GRAD_KERNEL = 'LatentLabLoraLinearGrad';

type Be = WasmBackendInternals;

// ------------------------------------------------------------------ kernels
/** inputs x [N, din], w [din, dout], a [din, r], b [r, dout], bias? [dout] → [y [N, dout], u = x·a [N, r]]. */
export function loraLinearKernel(addon: NativeAddon): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { x, w, a, b, bias } = inputs as { x: TensorInfo; w: TensorInfo; a: TensorInfo; b: TensorInfo; bias?: TensorInfo };
    const be = backend as Be;
    const [N, din] = x.shape, [r, dout] = b.shape;
    const y = be.makeOutput([N, dout], 'float32'), u = be.makeOutput([N, r], 'float32');
    addon.loraForward(heapView(be, x), heapView(be, w), heapView(be, a), heapView(be, b), bias ? heapView(be, bias) : null,
      heapView(be, y), heapView(be, u), N, din, dout, r, attrs?.scale as number);
    return [y, u];
  };
}

/** inputs dy [N, dout], x, w, a, b, u → [dx [N, din], da [din, r], db [r, dout]]. */
export function loraLinearGradKernel(addon: NativeAddon): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { dy, x, w, a, b, u } = inputs as Record<string, TensorInfo>;
    const be = backend as Be;
    const [N, din] = x.shape, [r, dout] = b.shape;
    const dx = be.makeOutput(x.shape, 'float32'), da = be.makeOutput(a.shape, 'float32'), db = be.makeOutput(b.shape, 'float32');
    addon.loraBackward(heapView(be, dy), heapView(be, x), heapView(be, w), heapView(be, a), heapView(be, b), heapView(be, u),
      heapView(be, dx), heapView(be, da), heapView(be, db), N, din, dout, r, attrs?.scale as number);
    return [dx, da, db];
  };
}

// ------------------------------------------------------------------ gradient
// dys[1] (of u, an internal output nobody reads) is ignored. The native call computes dx, dA
// and dB together (they share du = s·dy·Bᵀ); thunks not asked for are disposed with the tape.
const loraLinearGrad: GradFunc = (dys, saved, attrs) => {
  const dy = (Array.isArray(dys) ? dys[0] : dys) as Tensor;
  const [x, w, a, b, u] = saved;
  const [dx, da, db] = tf.engine().runKernel(LORA_LINEAR_GRAD_KERNEL, { dy, x, w, a, b, u }, attrs) as Tensor[];
  return {
    x: () => dx, a: () => da, b: () => db,
    w: () => tf.matMul(x, dy, true, false),     // [din, dout]: only when W trains
    bias: () => tf.sum(dy, 0),                  // [dout]
  };
};

export function registerLoraGradient(tfm: TF): void {
  if (!tfm.getGradient(LORA_LINEAR_KERNEL)) {
    tfm.registerGradient({ kernelName: LORA_LINEAR_KERNEL, inputsToSave: ['x', 'w', 'a', 'b'], outputsToSave: [false, true], gradFunc: loraLinearGrad });
  }
}

// ------------------------------------------------------------------ op
/** Whether loraLinear runs the native kernel on the current backend for these inputs. */
export function loraLinearIsNative(...xs: Tensor[]): boolean {
  return xs.every((t) => t.dtype === 'float32' && t.size > 0) && tf.getKernel(LORA_LINEAR_KERNEL, tf.getBackend()) !== undefined;
}

/** x [N, din], w [din, dout], bias [dout] | null, a [din, r], b [r, dout] → x·w + bias + scale·(x·a)·b [N, dout]. */
export function loraLinear(x: tf.Tensor2D, w: tf.Tensor2D, bias: tf.Tensor1D | null, a: tf.Tensor2D, b: tf.Tensor2D, scale: number): tf.Tensor2D {
  if (loraLinearIsNative(x, w, a, b, ...(bias ? [bias] : []))) {
    const [y, u] = tf.engine().runKernel(LORA_LINEAR_KERNEL, bias ? { x, w, a, b, bias } : { x, w, a, b }, { scale }) as tf.Tensor2D[];
    u.dispose();   // the tape keeps its own reference for the gradient
    return y;
  }
  return tf.tidy(() => {
    const y = tf.add(tf.matMul(x, w), tf.mul(tf.matMul(tf.matMul(x, a), b), scale));   // [N, dout]
    return (bias ? tf.add(y, bias) : y) as tf.Tensor2D;
  });
}
