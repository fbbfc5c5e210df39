// Linear layer: y = x·W + b (+ LoRA: scale·(x·A)·B).
//
// Every matmul here is a plain 2-D [N, K]×[K, M] product, including the
// backward ones: on wasm only that form reaches XNNPACK (≈30 GFLOP/s); the
// transposeA/B flags tf.matMul's own gradient uses fall into a naive loop
// (≈2 GFLOP/s). Measured 4.1 s → 0.89 s per reference train step.
import { tf } from '../backend';
import type { LinearParams } from './params';

/** a [N, K] · b [K, M] → [N, M]; gradients via explicit transposes. */
export const matMul2d = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
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

/** Low-rank adapter on one linear layer: A [din, r], B [r, dout], update scale = alpha / r. */
export interface LoraAdapter { a: tf.Variable; b: tf.Variable; scale: number }

/** x [..., din] → [..., dout]. */
export function linear(x: tf.Tensor, p: LinearParams, lora?: LoraAdapter): tf.Tensor {
  const shape = x.shape;
  const din = shape[shape.length - 1];
  const dout = p.weight.shape[1] as number;
  const x2 = tf.reshape(x, [-1, din]) as tf.Tensor2D;          // [N, din]
  let y: tf.Tensor = matMul2d(x2, p.weight as tf.Tensor2D);     // [N, dout]
  if (lora) {
    const low = matMul2d(matMul2d(x2, lora.a as tf.Tensor2D), lora.b as tf.Tensor2D); // [N, dout]
    y = tf.add(y, tf.mul(low, lora.scale));
  }
  if (p.bias) y = tf.add(y, p.bias);
  return tf.reshape(y, [...shape.slice(0, -1), dout]);
}
