// LoRA adapters on the decoder's attention and MLP projections, and the rule
// for which weights train.
//
// Adapter on a Linear W [din, dout]: y = x·W + b + (alpha/r)·(x·A)·B with
// A [din, r] ~ U(−1/√din, 1/√din) and B [r, dout] = 0, so a fresh adapter
// leaves the model's output unchanged. Names: `<linear>.lora_a`, `<linear>.lora_b`.
import type { LoraTarget, ModelConfig } from '../../core/experiment';
import type { tf } from '../backend';
import type { BlockLora, BlockParams } from './block';
import type { LinearParams, ParamStore } from './params';
import type { LoraAdapter } from './linear';

/** Target → the block field it adapts and the documented name suffix. */
const TARGETS: Record<LoraTarget, { field: keyof BlockLora; suffix: string; linear: (b: BlockParams) => LinearParams }> = {
  attn_q: { field: 'q', suffix: 'attn.q', linear: (b) => b.attn.q },
  attn_k: { field: 'k', suffix: 'attn.k', linear: (b) => b.attn.k },
  attn_v: { field: 'v', suffix: 'attn.v', linear: (b) => b.attn.v },
  attn_o: { field: 'o', suffix: 'attn.o', linear: (b) => b.attn.o },
  mlp_in: { field: 'mlpIn', suffix: 'mlp.in', linear: (b) => b.mlpIn },
  mlp_out: { field: 'mlpOut', suffix: 'mlp.out', linear: (b) => b.mlpOut },
};

export function createDecoderLora(store: ParamStore, blocks: BlockParams[], lora: ModelConfig['finetune']['lora']): BlockLora[] {
  const scale = lora.alpha / lora.rank;
  return blocks.map((bp, i) => {
    const adapters: BlockLora = {};
    for (const target of lora.targets) {
      const t = TARGETS[target];
      const [din, dout] = t.linear(bp).weight.shape;
      const name = `decoder.blocks.${i}.${t.suffix}`;
      const adapter: LoraAdapter = {
        a: store.create(`${name}.lora_a`, [din, lora.rank], { kind: 'uniform', bound: 1 / Math.sqrt(din) }),
        b: store.create(`${name}.lora_b`, [lora.rank, dout], { kind: 'zeros' }),
        scale,
      };
      adapters[t.field] = adapter;
    }
    return adapters;
  });
}

/**
 * Which weights train, by name.
 *   full: everything, minus vision.* (freeze_vision) and projector.* (freeze_projector).
 *   lora: only the adapters, decoder.latent_embed (LIVR §3: "in addition to LoRA
 *         parameters, we unfreeze only the embedding rows of the K latent tokens") and
 *         decoder.token_rows (the token rows the base has not trained, e.g. VaLR's
 *         <latent> and </latent>); the vision encoder and projector stay frozen
 *         whatever the freeze flags say.
 */
export function isTrainable(name: string, finetune: ModelConfig['finetune']): boolean {
  if (finetune.mode === 'lora') return name.endsWith('.lora_a') || name.endsWith('.lora_b') || name === 'decoder.latent_embed' || name === 'decoder.token_rows';
  if (finetune.freeze_vision && name.startsWith('vision.')) return false;
  if (finetune.freeze_projector && name.startsWith('projector.')) return false;
  return true;
}

export function trainableOf(variables: Map<string, tf.Variable>, finetune: ModelConfig['finetune']): tf.Variable[] {
  return [...variables].filter(([name]) => isTrainable(name, finetune)).map(([, v]) => v);
}
