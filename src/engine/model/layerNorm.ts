// LayerNorm over the last axis, eps 1e-5 (biased variance, as PyTorch).
// One fused kernel each way when the native kernels are installed
// (src/engine/kernels/fused.ts); the same math in plain tfjs ops otherwise.
import { tf } from '../backend';
import { fusedLayerNorm } from '../kernels';
import type { LayerNormParams } from './params';
import { speedups } from './speedups';

export const LN_EPS = 1e-5;

/** x [..., d] → [..., d]. */
export function layerNorm(x: tf.Tensor, p: LayerNormParams): tf.Tensor {
  if (speedups.fusedKernels) return fusedLayerNorm(x, p.weight, p.bias, LN_EPS);
  const { mean, variance } = tf.moments(x, -1, true);
  const xhat = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, LN_EPS)));
  return tf.add(tf.mul(xhat, p.weight), p.bias);
}
