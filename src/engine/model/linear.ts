// Linear layer: y = x·W + b (+ LoRA: scale·(x·A)·B), optionally followed by the GELU
// (the MLP's first layer) or added to the residual stream (attn.o, mlp.out).
//
// With a LoRA adapter and the native kernel (speedups.fusedLora), the whole layer is
// one kernel each way (kernels/lora.ts): one sgemm against [W | A], the bias, the
// low-rank term and the GELU or residual add in its epilogue, and a backward pass
// without dW. Otherwise:
//
// Two ways to multiply, chosen per call by what the BatchMatMul kernel can do:
//   - tf.matMul with its own gradient, when the kernel takes transposed operands
//     at full speed (the native sgemm, the fast wasm kernel of
//     fastBatchMatMul.ts, or a non-wasm backend). tfjs's gradient is lazy per
//     input: the tape asks for dW only when W trains, so a frozen matrix costs
//     one matmul backward instead of two.
//   - matMul2dExplicit, for the stock wasm kernel: every matmul a plain 2-D
//     [N, K]×[K, M] product with explicit transposes, because only that form
//     reaches XNNPACK (≈30 GFLOP/s) and transpose flags fall into a naive loop
//     (≈2 GFLOP/s). Its custom gradient computes both inputs' gradients always.
import { tf } from '../backend';
import { fusedGeluTanh, geluTanhOps, isNativeKernelActive, loraLinear, loraLinearIsNative } from '../kernels';
import { fastBatchMatMulInstalled } from './fastBatchMatMul';
import type { LinearParams } from './params';
import { speedups } from './speedups';

/** a [N, K] · b [K, M] → [N, M]; gradients via explicit transposes. */
const matMul2dExplicit = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [a, b, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
  save([a, b]);
  return {
    value: tf.matMul(a, b),
    gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
      const [sa, sb] = saved as tf.Tensor2D[];
      return [
        tf.matMul(dy, tf.transpose(sb)), // dA = dY · Bᵀ   [N, K]
        tf.matMul(tf.transpose(sa), dy), // dB = Aᵀ · dY   [K, M]
      ];
    },
  };
}) as (a: tf.Tensor2D, b: tf.Tensor2D) => tf.Tensor2D;

/** Whether tf.matMul's transpose flags (and so its lazy gradient) run at full speed here. */
function transposeFlagsAreFast(): boolean {
  if (!speedups.lazyMatMulGrad) return false;
  if (tf.getBackend() !== 'wasm') return true;
  return isNativeKernelActive(tf, 'BatchMatMul') || fastBatchMatMulInstalled();
}

/** a [N, K] · b [K, M] → [N, M]. */
export function matMul2d(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  return transposeFlagsAreFast() ? tf.matMul(a, b) : matMul2dExplicit(a, b);
}

/** a [N, K] · bᵀ, b [M, K] → [N, M] (the tied LM head): no transposed copy of b when flags are fast. */
export function matMul2dTransposeB(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  return transposeFlagsAreFast() ? tf.matMul(a, b, false, true) : matMul2dExplicit(a, tf.transpose(b));
}

/** Low-rank adapter on one linear layer: A [din, r], B [r, dout], update scale = alpha / r. */
export interface LoraAdapter { a: tf.Variable; b: tf.Variable; scale: number }

/** GELU, tanh form: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))); one fused kernel each way when native. */
export function gelu(x: tf.Tensor): tf.Tensor {
  return speedups.fusedKernels ? fusedGeluTanh(x) : geluTanhOps(x);
}

/** What follows the layer: its GELU, or the residual stream it is added to (x's shape but dout). */
export interface LinearThen { gelu?: boolean; residual?: tf.Tensor }

/** x [..., din] → [..., dout] (then gelu(·) or residual + ·). */
export function linear(x: tf.Tensor, p: LinearParams, lora?: LoraAdapter, then: LinearThen = {}): tf.Tensor {
  const shape = x.shape;
  const din = shape[shape.length - 1];
  const dout = p.weight.shape[1] as number;
  const outShape = [...shape.slice(0, -1), dout];
  if (lora && speedups.fusedLora && loraLinearIsNative(x)) {  // x [..., din] → [..., dout], no reshapes
    return loraLinear(x, p.weight as tf.Tensor2D, p.bias as tf.Tensor1D | null, lora.a as tf.Tensor2D, lora.b as tf.Tensor2D, lora.scale, then);
  }
  const x2 = tf.reshape(x, [-1, din]) as tf.Tensor2D;          // [N, din]
  let y: tf.Tensor = matMul2d(x2, p.weight as tf.Tensor2D);     // [N, dout]
  if (lora) {
    const low = matMul2d(matMul2d(x2, lora.a as tf.Tensor2D), lora.b as tf.Tensor2D); // [N, dout]
    y = tf.add(y, tf.mul(low, lora.scale));
  }
  if (p.bias) y = tf.add(y, p.bias);
  y = tf.reshape(y, outShape);
  if (then.gelu) y = gelu(y);
  return then.residual ? tf.add(then.residual, y) : y;
}
