// Pre-LN transformer block, shared by the vision encoder and the decoder:
//   x += Attn(LN1(x), mask);  x += MLP(LN2(x)),  MLP = Linear(d → r·d) · GELU · Linear(r·d → d)
import type { tf } from '../backend';
import { attention, createAttention, type AttentionLora, type AttentionParams, type KeyValueSource } from './attention';
import { layerNorm } from './layerNorm';
import { linear, type LoraAdapter } from './linear';
import { createLayerNorm, createLinear, INIT_STD, type LayerNormParams, type LinearParams, type ParamStore } from './params';

export interface BlockParams {
  ln1: LayerNormParams;
  attn: AttentionParams;
  ln2: LayerNormParams;
  mlpIn: LinearParams;   // `<name>.mlp.in`  [d, r·d]
  mlpOut: LinearParams;  // `<name>.mlp.out` [r·d, d]
}

export interface BlockLora extends AttentionLora { mlpIn?: LoraAdapter; mlpOut?: LoraAdapter }

/**
 * How a block's linear weights start (docs/model.md §1). `gpt2`: N(0, 0.02), residual
 * output projections (attn.o, mlp.out) N(0, 0.02/√(2·layers)). `fan_in`: N(0, 1/√(3·fan_in))
 * for every weight (PyTorch's nn.Linear scale), which lets a vision encoder learn shape
 * several times faster (docs/pretraining.md).
 */
export type BlockInit = 'gpt2' | 'fan_in';

export function createBlock(store: ParamStore, name: string, d: number, mlpRatio: number, layers: number, init: BlockInit = 'gpt2'): BlockParams {
  const fanIn = (n: number) => 1 / Math.sqrt(3 * n);
  const inStd = init === 'fan_in' ? fanIn(d) : INIT_STD;
  const residualStd = init === 'fan_in' ? fanIn(d) : INIT_STD / Math.sqrt(2 * layers);
  const mlpOutStd = init === 'fan_in' ? fanIn(mlpRatio * d) : residualStd;
  return {
    ln1: createLayerNorm(store, `${name}.ln1`, d),
    attn: createAttention(store, `${name}.attn`, d, residualStd, inStd),
    ln2: createLayerNorm(store, `${name}.ln2`, d),
    mlpIn: createLinear(store, `${name}.mlp.in`, d, mlpRatio * d, inStd),
    mlpOut: createLinear(store, `${name}.mlp.out`, mlpRatio * d, d, mlpOutStd),
  };
}

/**
 * x [B, T, d] → x [B, T, d], and probs [B, h, T, Tk] when wantProbs (else possibly null: a kernel
 * that never writes them may run); kv: keys and values beyond x's own (cached decoding, Tk ≥ T).
 */
export function block(x: tf.Tensor, p: BlockParams, heads: number, mask: tf.Tensor | null, lora: BlockLora = {}, kv?: KeyValueSource,
  wantProbs = false): { x: tf.Tensor; probs: tf.Tensor4D | null } {
  // The residual adds and the GELU ride in the projections' kernels where a fused LoRA layer runs (linear.ts).
  const a = attention(layerNorm(x, p.ln1), p.attn, heads, mask, lora, kv, wantProbs, x); // x + Attn(LN1(x))
  x = a.out;
  const h = linear(layerNorm(x, p.ln2), p.mlpIn, lora.mlpIn, { gelu: true });           // [B, T, r·d]
  x = linear(h, p.mlpOut, lora.mlpOut, { residual: x });                                // x + MLP(LN2(x))
  return { x, probs: a.probs };
}
