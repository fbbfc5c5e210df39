// A LoRA linear layer as one native kernel each way (native/src/lora.cc):
//   loraLinear(x, W, bias, A, B, s) = x·W + bias + s·(x·A)·B        x [N, din] → [N, dout]
//   with { gelu: true }: gelu_tanh of that (the MLP's first layer); with { residual }: residual + that
//   (attn.o and mlp.out), in the same pass over the output and its gradient.
// Forward: one sgemm against [W | A] (the rank-r product alone runs far below peak)
// with the bias and the low-rank term added in the same pass, instead of three
// BatchMatMuls, a Multiply and two Adds. Backward: dx, dA, dB in one call (one sgemm
// for dx against [W | A]ᵀ), and no dW: the tape asks for W's and the bias's
// gradients only when they train, which LoRA never does (then plain tfjs ops
// compute them). Without the native kernel the op runs the same math in tfjs ops.
import type { GradFunc, KernelFunc, Tensor, TensorInfo } from '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs';
import { geluTanhDerivativeOps, geluTanhOps } from './fused';
import type { NativeAddon } from './native_addon';
import { elementCount, heapView, scratchTensor, type TF, type WasmBackendInternals } from './wasm_heap';

export const LORA_LINEAR_KERNEL = 'LatentLabLoraLinear';
export const LORA_LINEAR_GELU_KERNEL = 'LatentLabLoraLinearGelu';   // the same kernel with a pre input (tfjs saves inputs by name)
export const LORA_LINEAR_GRAD_KERNEL = 'LatentLabLoraLinearGrad';

type Be = WasmBackendInternals;

// ------------------------------------------------------------------ kernels
/**
 * inputs x [..., din] (N rows), w [din, dout], a [din, r], b [r, dout], bias? [dout], res? [..., dout], and the
 * scratch u [N, r] (and pre [..., dout] under LORA_LINEAR_GELU_KERNEL) the kernel fills for the backward:
 * u = x·a, pre = the GELU's input; attrs scale → y [..., dout]. Any leading shape: the model's [B, T, din]
 * needs no reshape either way.
 */
export function loraLinearKernel(addon: NativeAddon): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { x, w, a, b, u, bias, res, pre } = inputs as { x: TensorInfo; w: TensorInfo; a: TensorInfo; b: TensorInfo; u: TensorInfo;
      bias?: TensorInfo; res?: TensorInfo; pre?: TensorInfo };
    const be = backend as Be;
    const din = x.shape[x.shape.length - 1], N = elementCount(x.shape) / din, [r, dout] = b.shape;
    const y = be.makeOutput([...x.shape.slice(0, -1), dout], 'float32');              // [..., dout]
    addon.loraForward(heapView(be, x), heapView(be, w), heapView(be, a), heapView(be, b), bias ? heapView(be, bias) : null, res ? heapView(be, res) : null,
      heapView(be, y), heapView(be, u), pre ? heapView(be, pre) : null, N, din, dout, r, attrs?.scale as number);
    return y;
  };
}

/** inputs dy [N, dout], x, w, a, b, u (, pre) → [dx [N, din], da [din, r], db [r, dout]]. */
export function loraLinearGradKernel(addon: NativeAddon): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { dy, x, w, a, b, u, pre } = inputs as Record<string, TensorInfo>;
    const be = backend as Be;
    const din = x.shape[x.shape.length - 1], N = elementCount(x.shape) / din, [r, dout] = b.shape;
    const dx = be.makeOutput(x.shape, 'float32'), da = be.makeOutput(a.shape, 'float32'), db = be.makeOutput(b.shape, 'float32');
    addon.loraBackward(heapView(be, dy), heapView(be, x), heapView(be, w), heapView(be, a), heapView(be, b), heapView(be, u), pre ? heapView(be, pre) : null,
      heapView(be, dx), heapView(be, da), heapView(be, db), N, din, dout, r, attrs?.scale as number);
    return [dx, da, db];
  };
}

// ------------------------------------------------------------------ gradient
// The native call computes dx, dA and dB together (they share du = s·dy·Bᵀ); thunks not asked
// for are disposed with the tape. Behind a GELU, W's and the bias's gradients need dy·gelu'(pre):
// tfjs ops. u and pre are scratch filled by the forward: constants, off the tape's path.
const loraLinearGrad: GradFunc = (dy, saved, attrs) => {
  const [x, w, a, b, u, pre] = saved;
  const [dx, da, db] = tf.engine().runKernel(LORA_LINEAR_GRAD_KERNEL, pre ? { dy: dy as Tensor, x, w, a, b, u, pre } : { dy: dy as Tensor, x, w, a, b, u }, attrs) as Tensor[];
  const din = w.shape[0] as number, dout = w.shape[1] as number;
  const dPre = () => tf.reshape(pre ? tf.mul(dy as Tensor, geluTanhDerivativeOps(pre)) : dy as Tensor, [-1, dout]);   // [N, dout]
  return {
    x: () => dx, a: () => da, b: () => db,
    w: () => tf.matMul(tf.reshape(x, [-1, din]), dPre(), true, false),   // [din, dout]: only when W trains
    bias: () => tf.sum(dPre(), 0),                                       // [dout]
    res: () => tf.reshape(dy as Tensor, (dy as Tensor).shape),   // the residual's gradient is dy (a new handle, as tfjs's Add gives)
  };
};

export function registerLoraGradient(tfm: TF): void {
  for (const [kernelName, inputsToSave] of [[LORA_LINEAR_KERNEL, ['x', 'w', 'a', 'b', 'u']], [LORA_LINEAR_GELU_KERNEL, ['x', 'w', 'a', 'b', 'u', 'pre']]] as const) {
    if (!tfm.getGradient(kernelName)) tfm.registerGradient({ kernelName, inputsToSave: [...inputsToSave], gradFunc: loraLinearGrad });
  }
}

// ------------------------------------------------------------------ op
/** Whether loraLinear runs the native kernel on the current backend for these inputs. */
export function loraLinearIsNative(...xs: Tensor[]): boolean {
  return xs.every((t) => t.dtype === 'float32' && t.size > 0) && tf.getKernel(LORA_LINEAR_KERNEL, tf.getBackend()) !== undefined;
}

export interface LoraLinearOptions {
  gelu?: boolean;               // y = gelu_tanh(layer)
  residual?: tf.Tensor;         // y = residual + layer, residual [..., dout] (x's leading shape)
}

/**
 * x [..., din], w [din, dout], bias [dout] | null, a [din, r], b [r, dout] → x·w + bias + scale·(x·a)·b [..., dout],
 * then its GELU or plus a residual [..., dout] (opts).
 */
export function loraLinear<T extends tf.Tensor>(x: T, w: tf.Tensor2D, bias: tf.Tensor1D | null, a: tf.Tensor2D, b: tf.Tensor2D, scale: number,
  opts: LoraLinearOptions = {}): T {
  const { gelu = false, residual } = opts;
  if (gelu && residual) throw new Error('loraLinear: a GELU and a residual in one layer is not a layer of this model');
  if (loraLinearIsNative(x, w, a, b, ...(bias ? [bias] : []), ...(residual ? [residual] : []))) {
    const N = x.size / x.shape[x.shape.length - 1], outShape = [...x.shape.slice(0, -1), w.shape[1]];
    const inputs: Record<string, tf.Tensor> = { x, w, a, b, u: scratchTensor([N, a.shape[1]]) };   // u = x·a, filled by the kernel
    if (bias) inputs.bias = bias;
    if (residual) inputs.res = residual;
    if (gelu) inputs.pre = scratchTensor(outShape);                                                   // the GELU's input
    const y = tf.engine().runKernel(gelu ? LORA_LINEAR_GELU_KERNEL : LORA_LINEAR_KERNEL, inputs, { scale }) as T;
    inputs.u.dispose();                        // the tape keeps its own references for the gradient
    inputs.pre?.dispose();
    return y;
  }
  return tf.tidy(() => {
    const din = x.shape[x.shape.length - 1], dout = w.shape[1];
    const x2 = tf.reshape(x, [-1, din]) as tf.Tensor2D;
    let y: tf.Tensor = tf.add(tf.matMul(x2, w), tf.mul(tf.matMul(tf.matMul(x2, a), b), scale));   // [N, dout]
    if (bias) y = tf.add(y, bias);
    if (gelu) y = geluTanhOps(y);
    y = tf.reshape(y, [...x.shape.slice(0, -1), dout]);
    return (residual ? tf.add(residual, y) : y) as T;
  });
}
