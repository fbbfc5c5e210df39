// LayerNorm over the last axis, eps 1e-5 (biased variance, as PyTorch).
import { tf } from '../backend';
import type { LayerNormParams } from './params';

export const LN_EPS = 1e-5;

/** x [..., d] → [..., d]. */
export function layerNorm(x: tf.Tensor, p: LayerNormParams): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  const xhat = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, LN_EPS)));
  return tf.add(tf.mul(xhat, p.weight), p.bias);
}

