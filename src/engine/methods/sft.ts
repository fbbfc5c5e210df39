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

interface SftBatch extends TokenBatch { probe?: ProbeLabel[] }

export function createSft(session: Session): TrainingMethod<TinyVlm, SftBatch> {
  const cfg = session.config;
  const { weight, tasks } = cfg.method.sft.vision_probe;
  const probe = weight > 0 && tasks.length > 0 ? createVisionProbe(session.model, tasks, session.splits.train, cfg.seed) : undefined;
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
      if (!probe) return b;
      const labels = probe.labels(examples);
      const dispose = b.dispose;
      return { ...b, probe: labels, dispose: () => { dispose(); for (const l of labels) l.onehot.dispose(); } };
    },
    loss: (model, batch): MethodLoss => {
      const out = model.forward(batch.inputs, { returnImageTokens: probe !== undefined });
      const ce = answerCrossEntropy(out.logits, batch);
      if (!probe || !batch.probe?.length) return { loss: ce, terms: { ce } };
      const visionProbe = probe.loss(out.imageTokens!, batch.probe);
      return { loss: tf.add(ce, tf.mul(weight, visionProbe)) as tf.Scalar, terms: { ce, vision_probe: visionProbe } };
    },
  };
}
