// The method registry: method.kind → everything the engine needs of a method
// beyond its loss (types.ts). session.ts builds any method through it, the
// capture writer captures through it, and a new method is one file plus one
// line in METHODS (and its rules, if any, in core/validate/configRules.ts).
//
//   layout          the latent part of the sequence layout (count, placement, image twice)
//   sequenceLength  T for P image patches (default: sequence.ts's sequenceLength)
//   modelLatents    the latents config the model is built with (default: cfg.latents, layout's count)
//   structuralRows  token rows the base's pretraining layout lacks (they train under LoRA)
//   encode          examples → encoded batch in the method's layout (default: encodeExamples)
//   capture         the capture hook (methods/capture.ts; default: one path)
//   create          the TrainingMethod of a session
// The config check: every rule a config can break is the validator's
// (core/validate/configRules.ts, keyed by method.kind there); checkSupported
// asserts them for configs that did not come through the validator.
import type { ExperimentConfig, LatentsConfig, MethodKind } from '../../core/experiment';
import { assertConfigRules } from '../../core/validate/configRules';
import type { Example } from '../data/example';
import { hashString } from '../data/rng';
import type { Tokenizer } from '../data/tokenizer';
import { encodeValr } from '../model/interleaved';
import { encodeExamples, sequenceLength, SPECIAL, type EncodedBatch, type SequenceLayout } from '../model/sequence';
import type { TinyVlm } from '../model/tinyVlm';
import type { Session } from '../session';
import { singlePathCapture, type CaptureHook } from './capture';
import { createCrystal, crystalCapture } from './crystal';
import { createLivr } from './livr';
import { createSft } from './sft';
import { rationaleLatentPositions } from './sftRationales';
import type { PreparedBatch, TrainingMethod } from './types';
import { createValr, valrModelLatents, valrSequenceLengthOf } from './valr';

export type LatentLayout = Pick<SequenceLayout, 'latentCount' | 'latentCountOf' | 'placement' | 'imageTwice'>;

export interface MethodEntry {
  layout(cfg: ExperimentConfig): LatentLayout;
  sequenceLength?(cfg: ExperimentConfig, patches: number, layout: LatentLayout): number;
  modelLatents?(cfg: ExperimentConfig, count: number): LatentsConfig;
  structuralRows?: readonly number[];
  encode?(examples: Example[], tokenizer: Tokenizer, layout: SequenceLayout, cfg: ExperimentConfig): EncodedBatch;
  capture?: CaptureHook;
  create(session: Session): TrainingMethod<TinyVlm, PreparedBatch> | Promise<TrainingMethod<TinyVlm, PreparedBatch>>;
}

/** K latents at latents.placement: what crystal and valr (and plain livr) train with. */
const configuredLatents = (cfg: ExperimentConfig): LatentLayout => ({ latentCount: cfg.latents.count, placement: cfg.latents.placement });

/**
 * LIVR and its controls: image_twice puts a second image run where the latents were, mask_only has
 * no latents, prompt_tuning puts them before the prompt (a soft prompt).
 */
function livrLayout(cfg: ExperimentConfig): LatentLayout {
  const livr = cfg.method.livr;
  if (livr.image_twice) return { latentCount: 0, placement: 'after_prompt', imageTwice: true };
  if (livr.control === 'mask_only') return { latentCount: 0, placement: 'after_prompt' };
  if (livr.control === 'prompt_tuning') return { latentCount: cfg.latents.count, placement: 'before_prompt' };
  return configuredLatents(cfg);
}

/**
 * SFT: no latents, except pretraining's filler latents (method.sft.filler_latents N): each
 * example gets k ∈ [0, N] latent rows after its prompt, k from its id, so the base learns
 * latent rows and text at shifted positions and a fine-tune with up to N latents starts
 * where the base is.
 */
function sftLayout(cfg: ExperimentConfig): LatentLayout {
  const n = cfg.method.sft.filler_latents;
  if (n === 0) return { latentCount: 0, placement: 'after_prompt' };
  return { latentCount: n, placement: 'after_prompt', latentCountOf: (ex) => hashString(ex.id) % (n + 1) };
}

const asMethod = <B extends PreparedBatch>(m: TrainingMethod<TinyVlm, B>) => m as unknown as TrainingMethod<TinyVlm, PreparedBatch>;

export const METHODS: Record<MethodKind, MethodEntry> = {
  sft: {
    layout: sftLayout,
    // Room for pretraining's rationale examples: VaLR blocks before each step (sftRationales.ts).
    sequenceLength: (cfg, patches, l) => sequenceLength({
      patches, latentCount: Math.max(l.latentCount, rationaleLatentPositions(cfg.method.sft.rationales)), maxTextTokens: cfg.data.max_text_tokens,
    }),
    create: (s) => asMethod(createSft(s)),
  },
  livr: { layout: livrLayout, create: (s) => asMethod(createLivr(s)) },
  crystal: { layout: configuredLatents, capture: crystalCapture, create: (s) => asMethod(createCrystal(s)) },
  valr: {
    layout: configuredLatents,
    sequenceLength: (cfg, patches) => valrSequenceLengthOf(cfg, patches),
    modelLatents: valrModelLatents,
    structuralRows: [SPECIAL.latStart, SPECIAL.latEnd],
    encode: (examples, tokenizer, layout, cfg) => encodeValr(examples, tokenizer, layout, cfg.method.valr.max_steps),
    create: async (s) => asMethod(await createValr(s)),
  },
};

/** The registry entry of cfg.method.kind, every optional part filled with its default. */
export function methodEntry(cfg: ExperimentConfig): Required<MethodEntry> {
  const e = METHODS[cfg.method.kind];
  if (!e) throw new Error(`assertion: method.kind ${String(cfg.method.kind)} is not registered (the schema's enum lists ${Object.keys(METHODS).join(', ')})`);
  return {
    sequenceLength: (c, patches, l) => sequenceLength({ patches, latentCount: l.latentCount, maxTextTokens: c.data.max_text_tokens, imageTwice: l.imageTwice }),
    modelLatents: (c, count) => ({ ...c.latents, count }),
    structuralRows: [],
    encode: (examples, tokenizer, layout) => encodeExamples(examples, tokenizer, layout),
    capture: singlePathCapture,
    ...e,
  };
}

/** Asserts, before anything is created, that the engine can run cfg: its kind is registered and no validator rule is broken. */
export function checkSupported(cfg: ExperimentConfig): void {
  methodEntry(cfg);
  assertConfigRules(cfg);
}
