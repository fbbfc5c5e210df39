// Direct SFT: cross-entropy on the answer tokens and <eos>, under the causal
// mask, with no latent tokens in the sequence (the K = 0 layout). Also home of
// the pieces every token-level method shares: the prepared batch and the CE.

import { tf } from '../backend';
import { weightedCrossEntropy } from '../kernels';
import { causalMask } from '../model/masks';
import { withMaxSteps, withoutLatentPredictions } from '../model/interleaved';
import { disposeBatch, encodeExamples, oneHotTensor, type EncodedBatch } from '../model/sequence';
import { speedups } from '../model/speedups';
import type { BatchTensors, TinyVlm } from '../model/tinyVlm';
import type { Example } from '../data/example';
import type { Session } from '../session';
import type { MethodLoss, PreparedBatch, TrainingMethod } from './types';
import { balanceRationaleWeights, rationaleFormOf } from './sftRationales';
import { createVisionProbe, type ProbeLabel } from './visionProbe';
import { createPatchProbe, type PatchLabels } from './patchProbe';
import { groundingLoss, groundingTargets, type GroundingTargets } from './grounding';

/** A batch for a CE method: model inputs plus targets, all built outside the tape. */
export interface TokenBatch extends PreparedBatch {
  enc: EncodedBatch;
  inputs: BatchTensors;
  targetOneHot: tf.Tensor2D;   // [B·T, V]
  lossWeights: tf.Tensor2D;    // [B·T, 1]: 1 on answer and <eos> predictions
}

export function prepareTokenBatch(session: Session, examples: Example[], mask: (enc: EncodedBatch) => Float32Array,
  encode: (examples: Example[]) => EncodedBatch = session.encode): TokenBatch {
  const enc = encode(examples);
  const inputs = session.tensors(enc, mask(enc));
  const targetOneHot = oneHotTensor(enc.targets, enc.vocabSize);
  const lossWeights = tf.tensor2d(enc.lossMask, [enc.B * enc.T, 1]);
  return {
    size: enc.B, enc, inputs, targetOneHot, lossWeights,
    dispose: () => { disposeBatch(inputs); targetOneHot.dispose(); lossWeights.dispose(); },
  };
}

/** Mean CE over the weighted positions: −Σ w·log p(target) / Σ w (fusedCrossEntropy: one native kernel each way). */
export function answerCrossEntropy(logits: tf.Tensor3D, b: TokenBatch): tf.Scalar {
  const [B, T, V] = logits.shape;
  if (speedups.fusedCrossEntropy) return weightedCrossEntropy(tf.reshape(logits, [B * T, V]), b.targetOneHot, b.lossWeights);
  const logp = tf.logSoftmax(tf.reshape(logits, [B * T, V]));               // [B·T, V]
  const picked = tf.sum(tf.mul(logp, b.targetOneHot), 1, true);             // [B·T, 1]
  const total = tf.sum(tf.mul(picked, b.lossWeights));
  return tf.neg(tf.div(total, tf.maximum(tf.sum(b.lossWeights), 1))) as tf.Scalar;
}

/** Name → variable of the weights the model marks trainable (finetune mode and freeze flags). */
export function modelTrainables(model: TinyVlm): Map<string, tf.Variable> {
  return new Map([...model.variables].filter(([, v]) => v.trainable));
}

interface SftBatch extends TokenBatch { probe?: ProbeLabel[]; patches?: PatchLabels; grounding?: GroundingTargets }

export function createSft(session: Session): TrainingMethod<TinyVlm, SftBatch> {
  const cfg = session.config;
  // Pretraining's auxiliary losses (docs/pretraining.md): each is off at weight 0.
  const { weight: probeWeight, tasks } = cfg.method.sft.vision_probe;
  const probe = probeWeight > 0 && tasks.length > 0 ? createVisionProbe(session.model, tasks, session.splits.train, cfg.seed) : undefined;
  const grounding = cfg.method.sft.grounding;
  const grounded = grounding.weight > 0;
  const patchWeight = cfg.method.sft.patch_probe.weight;
  const patchProbe = patchWeight > 0 ? createPatchProbe(session.model, cfg.seed, cfg.method.sft.patch_probe.count_weight) : undefined;
  // Pretraining's rationales: training batches only (evaluation asks for the answer directly).
  const rationales = cfg.method.sft.rationales;
  const rationaleOf = rationaleFormOf(rationales);
  const encode = rationaleOf
    ? (examples: Example[]) => {
      const enc = withoutLatentPredictions(encodeExamples(withMaxSteps(examples, rationales.max_steps), session.tokenizer, { ...session.layout, rationaleOf }));
      balanceRationaleWeights(enc, examples, rationaleOf);
      return enc;
    }
    : session.encode;
  return {
    name: 'sft',
    totalEpochs: cfg.train.epochs,
    stageOf: () => 'sft',
    trainableVariables: modelTrainables,
    prepareBatch: (examples) => {
      const b: SftBatch = prepareTokenBatch(session, examples, (enc) => causalMask(enc.segments, enc.B, enc.T), encode);
      const labels = probe?.labels(examples);
      const patches = patchProbe?.labels(examples);
      const targets = grounded ? groundingTargets(b.enc, examples, session.model.shape.imageSize, session.model.shape.patchSize) : undefined;
      if (!labels && !patches && !targets) return b;
      const dispose = b.dispose;
      return {
        ...b, probe: labels, patches, grounding: targets,
        dispose: () => { dispose(); for (const l of labels ?? []) l.onehot.dispose(); patches?.dispose(); targets?.dispose(); },
      };
    },
    loss: (model, batch): MethodLoss => {
      const withGrounding = batch.grounding !== undefined && batch.grounding.count > 0;
      const out = model.forward(batch.inputs, { returnImageTokens: probe !== undefined || patchProbe !== undefined, captureAttention: withGrounding });
      const ce = answerCrossEntropy(out.logits, batch);
      const terms: Record<string, tf.Scalar> = { ce };
      let loss: tf.Scalar = ce;
      if (probe && batch.probe?.length) {
        terms.vision_probe = probe.loss(out.imageTokens!, batch.probe);
        loss = tf.add(loss, tf.mul(probeWeight, terms.vision_probe)) as tf.Scalar;
      }
      if (patchProbe && batch.patches) {
        terms.patch_probe = patchProbe.loss(out.imageTokens!, batch.patches);
        loss = tf.add(loss, tf.mul(patchWeight, terms.patch_probe)) as tf.Scalar;
      }
      if (withGrounding) {
        terms.grounding = groundingLoss(out.attention!, batch.grounding!, grounding);
        loss = tf.add(loss, tf.mul(grounding.weight, terms.grounding)) as tf.Scalar;
      }
      return { loss, terms };
    },
  };
}
