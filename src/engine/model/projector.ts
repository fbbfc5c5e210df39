// Projector: Linear(d_v → d) · GELU · Linear(d → d): vision features → P image tokens.
import type { tf } from '../backend';
import type { BlockInit } from './block';
import { gelu, linear } from './linear';
import { createLinear, type LinearParams, type ParamStore } from './params';

export interface ProjectorParams {
  in: LinearParams;   // projector.in  [d_v, d]
  out: LinearParams;  // projector.out [d, d]
}

export function createProjector(store: ParamStore, dVision: number, d: number, init: BlockInit = 'gpt2'): ProjectorParams {
  const std = (fanIn: number) => init === 'fan_in' ? 1 / Math.sqrt(3 * fanIn) : undefined;   // undefined: createLinear's 0.02
  return { in: createLinear(store, 'projector.in', dVision, d, std(dVision)), out: createLinear(store, 'projector.out', d, d, std(d)) };
}

/** features [B, P, d_v] → image tokens [B, P, d]. */
export function projector(features: tf.Tensor, p: ProjectorParams): tf.Tensor {
  return linear(gelu(linear(features, p.in)), p.out);
}
