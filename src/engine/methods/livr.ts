// LIVR (seeds/003): K latent tokens after the prompt, trained by answer CE in
// two stages: stage 1 (`livr.stage1_epochs`) under the bottleneck mask, where
// the answer (and, by variant, the prompt) cannot attend to image tokens, so
// visual information can only reach the answer through the latents; stage 2
// (`livr.stage2_epochs`) under the ordinary causal mask. The run trains
// stage1 + stage2 epochs, overriding train.epochs; the stage boundary is a
// fraction of the run's steps (methods/stages.ts), so train.max_steps keeps both.
//
// Controls (`livr.control`), each at the same epoch budget:
//   latents_only   latents, causal mask in every stage (capacity without pressure)
//   mask_only      bottleneck in stage 1 but K = 0: the prompt tokens must carry the image
//   prompt_tuning  Lester et al. 2021 as the paper cites it: K soft-prompt vectors placed
//                  before the prompt, causal mask, and only those vectors train (the whole
//                  model is frozen, whatever model.finetune says)
//   image_twice    (livr.image_twice) a second <img>×P run where the latents were (methods/index.ts)

import { tf } from '../backend';
import { bottleneckMask, causalMask } from '../model/masks';
import type { TinyVlm } from '../model/tinyVlm';
import type { Session } from '../session';
import { answerCrossEntropy, modelTrainables, prepareTokenBatch, type TokenBatch } from './sft';
import { inStage1 as inStage1Of } from './stages';
import type { MethodLoss, TrainingMethod, TrainingProgress } from './types';

export const LATENT_EMBED = 'decoder.latent_embed';

export function createLivr(session: Session): TrainingMethod<TinyVlm, TokenBatch> {
  const livr = session.config.method.livr;
  const control = livr.control;
  const usesBottleneck = control === 'none' || control === 'mask_only';
  const inStage1 = (epoch: number, progress?: TrainingProgress) => inStage1Of(livr.stage1_epochs, livr.stage2_epochs, epoch, progress);
  const bottleneckNow = (epoch: number, progress?: TrainingProgress) => usesBottleneck && inStage1(epoch, progress);
  const label = control === 'none' ? 'livr' : `livr/${control}`;
  return {
    name: label,
    totalEpochs: livr.stage1_epochs + livr.stage2_epochs,
    stageOf: (epoch, progress) => `${label} stage ${inStage1(epoch, progress) ? 1 : 2} (${bottleneckNow(epoch, progress) ? `bottleneck ${livr.mask}` : 'causal'})`,
    trainableVariables: (model) => {
      if (control !== 'prompt_tuning') return modelTrainables(model);
      const latent = model.variables.get(LATENT_EMBED);
      if (!latent) throw new Error('assertion: method.livr.control: prompt_tuning with no latent rows (the validator refuses latents.count: 0, semantic.latents)');
      return new Map<string, tf.Variable>([[LATENT_EMBED, latent]]);
    },
    prepareBatch: (examples, epoch, progress) => prepareTokenBatch(session, examples, (enc) => bottleneckNow(epoch, progress)
      ? bottleneckMask(enc.segments, enc.B, enc.T, livr.mask)
      : causalMask(enc.segments, enc.B, enc.T)),
    loss: (model, batch): MethodLoss => {
      const ce = answerCrossEntropy(model.forward(batch.inputs).logits, batch);
      return { loss: ce, terms: { ce } };
    },
  };
}
