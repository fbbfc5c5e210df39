// Pre-LN transformer block, shared by the vision encoder and the decoder:
//   x += Attn(LN1(x), mask);  x += MLP(LN2(x)),  MLP = Linear(d → r·d) · GELU · Linear(r·d → d)
import { tf } from '../backend';
import { fusedGeluTanh } from '../kernels';
import { attention, createAttention, type AttentionLora, type AttentionParams, type KeyValueSource } from './attention';
import { layerNorm } from './layerNorm';
import { linear, type LoraAdapter } from './linear';
import { createLayerNorm, createLinear, INIT_STD, type LayerNormParams, type LinearParams, type ParamStore } from './params';
import { speedups } from './speedups';

export interface BlockParams {
  ln1: LayerNormParams;
  attn: AttentionParams;
  ln2: LayerNormParams;
  mlpIn: LinearParams;   // `<name>.mlp.in`  [d, r·d]
  mlpOut: LinearParams;  // `<name>.mlp.out` [r·d, d]
}

export interface BlockLora extends AttentionLora { mlpIn?: LoraAdapter; mlpOut?: LoraAdapter }

/** Residual output projections (attn.o, mlp.out) get std 0.02/√(2·layers). */
export function createBlock(store: ParamStore, name: string, d: number, mlpRatio: number, layers: number): BlockParams {
  const residualStd = INIT_STD / Math.sqrt(2 * layers);
  return {
    ln1: createLayerNorm(store, `${name}.ln1`, d),
    attn: createAttention(store, `${name}.attn`, d, residualStd),
    ln2: createLayerNorm(store, `${name}.ln2`, d),
    mlpIn: createLinear(store, `${name}.mlp.in`, d, mlpRatio * d, INIT_STD),
    mlpOut: createLinear(store, `${name}.mlp.out`, mlpRatio * d, d, residualStd),
  };
}

/** GELU, tanh form: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))); one fused kernel each way when native. */
export function gelu(x: tf.Tensor): tf.Tensor {
  if (speedups.fusedKernels) return fusedGeluTanh(x);
  const inner = tf.mul(Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, tf.mul(x, tf.square(x)))));
  return tf.mul(tf.mul(0.5, x), tf.add(1, tf.tanh(inner)));
}

/** x [B, T, d] → x [B, T, d], probs [B, h, T, Tk]; kv: keys and values beyond x's own (cached decoding, Tk ≥ T). */
export function block(x: tf.Tensor, p: BlockParams, heads: number, mask: tf.Tensor | null, lora: BlockLora = {}, kv?: KeyValueSource):
  { x: tf.Tensor; probs: tf.Tensor4D } {
  const a = attention(layerNorm(x, p.ln1), p.attn, heads, mask, lora, kv);
  x = tf.add(x, a.out);
  const h = gelu(linear(layerNorm(x, p.ln2), p.mlpIn, lora.mlpIn)); // [B, T, r·d]
  x = tf.add(x, linear(h, p.mlpOut, lora.mlpOut));
  return { x, probs: a.probs };
}
