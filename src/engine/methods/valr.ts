// VaLR (seeds/002): latent tokens before every reasoning step, aligned to a
// frozen encoder's patch features (REPA), in two stages:
//   stage 1 (`valr.stage1_epochs`): plain CoT SFT — rationale steps, <sep>, answer,
//            no latent blocks; CE on steps and answer.
//   stage 2 (`valr.stage2_epochs`): the interleaved layout (model/interleaved.ts),
//            CE on steps, <latent> and answer (never at latent positions),
//            + λ·REPA (methods/repa.ts) when repa.enabled.
// The run trains stage1 + stage2 epochs, overriding train.epochs; the stage
// boundary is a fraction of the run's steps (methods/stages.ts), so
// train.max_steps keeps both stages.
// latents.feedback: embedding (learned latent_embed rows) or hidden_state
// (model/continuousFeedback.ts; latent_embed is then unused and not trained).
import type { ExperimentConfig, LatentsConfig } from '../../core/experiment';
import { tf } from '../backend';
import type { Example } from '../data/example';
import { forwardLatents } from '../model/continuousFeedback';
import { cotLayout, encodeValr, interleavedLayout, latentBlocks, valrSequenceLength } from '../model/interleaved';
import { causalMask } from '../model/masks';
import { disposeBatch, oneHotTensor, type EncodedBatch } from '../model/sequence';
import type { TinyVlm } from '../model/tinyVlm';
import { createRepaEncoders, OWN_PREFIX, OWN_TAKEN, snapshotOwn, type RepaEncoder } from '../repa/encoders';
import type { Session } from '../session';
import { maxLatentsPerStep } from '../eval/testTimeScaling';
import { createRepaHeads, repaLayerIndex, repaLosses, repaSelection, repaTargets, type RepaHead, type RepaTargets } from './repa';
import { answerCrossEntropy, modelTrainables, type TokenBatch } from './sft';
import { LATENT_EMBED } from './livr';
import { inStage1 as inStage1Of } from './stages';
import type { MethodLoss, TrainingMethod, TrainingProgress } from './types';

export interface ValrBatch extends TokenBatch {
  stage: 1 | 2;
  repa?: RepaTargets;
}

/** A CE batch from an already encoded batch (causal mask). */
export function tokenBatchOf(session: Session, enc: EncodedBatch): TokenBatch {
  const inputs = session.tensors(enc, causalMask(enc.segments, enc.B, enc.T));
  const targetOneHot = oneHotTensor(enc.targets, enc.vocabSize);
  const lossWeights = tf.tensor2d(enc.lossMask, [enc.B * enc.T, 1]);
  return {
    size: enc.B, enc, inputs, targetOneHot, lossWeights,
    dispose: () => { disposeBatch(inputs); targetOneHot.dispose(); lossWeights.dispose(); },
  };
}

export interface ValrMethod extends TrainingMethod<TinyVlm, ValrBatch> {
  encoders: RepaEncoder[];
  heads: RepaHead[];
}

export async function createValr(session: Session): Promise<ValrMethod> {
  const cfg = session.config;
  const valr = cfg.method.valr;
  const { model, tokenizer } = session;
  const K = cfg.latents.count;
  const { T, patchSize } = session.layout;
  const feedback = cfg.latents.feedback;
  const repaOn = valr.repa.enabled && valr.repa.weight > 0 && valr.repa.encoders.length > 0;
  const layer = repaLayerIndex(valr.repa.layer, model.shape.layers);
  const encoders = repaOn ? await createRepaEncoders(valr.repa.encoders, {
    model, seed: cfg.seed, visionLayers: cfg.model.vision_layers, visionHeads: cfg.model.vision_heads, mlpRatio: cfg.model.mlp_ratio,
  }) : [];
  const heads = repaOn ? createRepaHeads(model, encoders.map((e) => e.dim), valr.repa.projector_hidden, cfg.seed) : [];
  const inStage1 = (epoch: number, progress?: TrainingProgress) => inStage1Of(valr.stage1_epochs, valr.stage2_epochs, epoch, progress);

  return {
    name: 'valr', encoders, heads,
    totalEpochs: valr.stage1_epochs + valr.stage2_epochs,
    stageOf: (epoch, progress) => inStage1(epoch, progress) ? 'valr stage 1 (CoT SFT)' : `valr stage 2 (latents K=${K}, ${feedback}${repaOn ? `, REPA λ=${valr.repa.weight}` : ''})`,
    trainableVariables: (m) => new Map([...modelTrainables(m)].filter(([name]) =>
      !name.startsWith(OWN_PREFIX) && name !== OWN_TAKEN && !(feedback === 'hidden_state' && name === LATENT_EMBED))),
    // The frozen copy is taken before the first stage-2 batch; a no-op after it (or when resumed with the copy).
    beforeStep: async (m, progress) => { if (repaOn && !inStage1(progress.epoch, progress)) await snapshotOwn(m); },
    prepareBatch: (examples: Example[], epoch: number, progress?: TrainingProgress): ValrBatch => {
      if (inStage1(epoch, progress)) {
        const enc = encodeValr(examples, tokenizer, cotLayout(T, patchSize), valr.max_steps);
        return { ...tokenBatchOf(session, enc), stage: 1 };
      }
      const enc = encodeValr(examples, tokenizer, interleavedLayout(T, patchSize, K), valr.max_steps);
      const base = tokenBatchOf(session, enc);
      if (!repaOn) return { ...base, stage: 2 };
      const features = encoders.map((e) => e.features(examples, base.inputs.patches));
      const selection = repaSelection(latentBlocks(enc.segments, enc.B, enc.T), enc.T, enc.P);
      const repa = repaTargets(selection, features, enc.B, enc.T, enc.P);
      for (const f of features) f.dispose();
      return { ...base, stage: 2, repa, dispose: () => { base.dispose(); repa.dispose(); } };
    },
    loss: (m, batch): MethodLoss => {
      if (batch.stage === 1) {
        const ce = answerCrossEntropy(m.forward(batch.inputs).logits, batch);
        return { loss: ce, terms: { ce } };
      }
      const out = forwardLatents(m, batch.inputs, feedback, { returnHidden: batch.repa !== undefined });
      const ce = answerCrossEntropy(out.logits, batch);
      if (!batch.repa || batch.repa.S === 0) return { loss: ce, terms: { ce } };
      const per = repaLosses(out.hidden![layer], heads, batch.repa);
      const repa = tf.div(tf.addN(per), per.length) as tf.Scalar;
      const terms: Record<string, tf.Scalar> = { ce, repa };
      encoders.forEach((e, i) => { terms[e.term] = per[i]; });
      return { loss: tf.add(ce, tf.mul(repa, valr.repa.weight)) as tf.Scalar, terms };
    },
  };
}

/** Sequence length of a valr run: blocks for the most steps (max_steps or a test-time N') of the largest K' (train K or a test-time K'), plus the text budget. */
export function valrSequenceLengthOf(cfg: ExperimentConfig, patches: number): number {
  const valr = cfg.method.valr;
  const unbounded = cfg.latents.feedback === 'hidden_state' || cfg.latents.embedding === 'shared';
  const maxLatents = maxLatentsPerStep(cfg.latents.count, valr.test_time_steps, unbounded);
  return valrSequenceLength(patches, maxLatents, Math.max(valr.max_steps, ...valr.test_time_reasoning_steps), cfg.data.max_text_tokens);
}

/** Latents config the model is built with: hidden_state feeds states back, so one (unused) shared row suffices. */
export function valrModelLatents(cfg: ExperimentConfig, count: number): LatentsConfig {
  return { ...cfg.latents, count, embedding: cfg.latents.feedback === 'hidden_state' ? 'shared' : cfg.latents.embedding };
}
