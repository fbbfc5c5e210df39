// CrystaL (seeds/000, 001): every example is seen twice in one forward pass,
// its intact image (rows [0, B)) and a corrupted copy (rows [B, 2B)), with the
// same text. After every decoder block the corrupted rows' latent hidden states
// are replaced by the intact rows' (TinyVlm's pairedLatentTransplant), so the
// corrupted path can only recover the lost visual detail from the latents.
//
//   loss = w_ce_intact·CE(intact) + w_ce_corrupted·CE(corrupted)
//        + λ_kl·KL(p_intact ‖ p_corrupted)                 over answer predictions
//        + λ_att·Σ_{l∈S} distance(A_intact^l, A_corrupted^l)  (./alignment.ts)
//
// Corruption (SIC) is drawn per example from a stream derived from
// (seed, epoch, example): a pure function of those, so a run is deterministic
// and a resumed run draws exactly what the uninterrupted run would have.
// Inference uses the intact path alone (causal mask, K latents).

import type { CrystalConfig } from '../../core/experiment';
import { tf } from '../backend';
import { corruptImage, sampleCorruption, type CorruptionSample } from '../data/corruption';
import type { Example } from '../data/example';
import { Rng } from '../data/rng';
import { causalMask } from '../model/masks';
import { disposeBatch, oneHotTensor, type EncodedBatch } from '../model/sequence';
import type { BatchTensors, ForwardResult, TinyVlm } from '../model/tinyVlm';
import type { Session } from '../session';
import { alignmentLayerList, attentionSelection, pairedAlignmentLoss, selectionTensors } from './alignment';
import { captureTensors, readCapture, singlePathCapture, type CaptureHook } from './capture';
import { modelTrainables } from './sft';
import type { MethodLoss, PreparedBatch, TrainingMethod } from './types';

/** Identity whose gradient is zero (tfjs has no stopGradient op). */
const stopGradient = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const x = args[0] as tf.Tensor;
  return { value: tf.clone(x), gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy) };
}) as (x: tf.Tensor) => tf.Tensor;

export interface CorruptedCopies {
  examples: Example[];              // same text, corrupted image
  samples: CorruptionSample[];      // mode and intensity per example
}

/**
 * A corrupted copy of each example. `stream` names the draw ('epoch-3' in
 * training, 'eval' for evaluation and captures); the rng of an example is
 * derived from (seed, stream, task, id) only.
 */
export function corruptExamples(examples: Example[], corruption: CrystalConfig['corruption'], seed: number, stream: string, patchSize: number): CorruptedCopies {
  const samples: CorruptionSample[] = [];
  const out = examples.map((ex) => {
    const rng = Rng.fromSeed(seed, 'corruption', stream, ex.task, ex.id);
    const s = sampleCorruption(corruption, rng);
    samples.push(s);
    return { ...ex, image: corruptImage(ex.image, ex.imageSize, s.mode, s.intensity, rng, patchSize) };
  });
  return { examples: out, samples };
}

/** [intact; corrupted] rows, causal mask, and every constant the loss needs, built outside the tape. */
export interface CrystalBatch extends PreparedBatch {
  enc: EncodedBatch;               // 2B rows: intact then corrupted
  half: number;                    // B
  inputs: BatchTensors;
  corrupted: CorruptedCopies;
  targetOneHot: tf.Tensor2D;       // [2B·T, V]
  weightsIntact: tf.Tensor2D;      // [2B·T, 1] answer predictions of the intact rows
  weightsCorrupted: tf.Tensor2D;   // [2B·T, 1] answer predictions of the corrupted rows
  answerWeights: tf.Tensor2D;      // [B·T, 1] answer predictions of one half (KL)
  rows: tf.Tensor3D;               // [B, R, 1] answer rows of the row window (alignment)
  cols: tf.Tensor3D;               // [B, 1, T] aligned columns
  rowStart: number;                // first row of the window
}

export function prepareCrystalBatch(session: Session, examples: Example[], corrupted: CorruptedCopies): CrystalBatch {
  const cfg = session.config.method.crystal;
  const enc = session.encode([...examples, ...corrupted.examples]);
  const { B: B2, T } = enc;
  const B = B2 / 2;
  const half = B * T;
  const inputs = session.tensors(enc, causalMask(enc.segments, B2, T));
  const wI = new Float32Array(B2 * T);
  const wC = new Float32Array(B2 * T);
  wI.set(enc.lossMask.subarray(0, half), 0);
  wC.set(enc.lossMask.subarray(half), half);
  const sel = attentionSelection(enc.segments.subarray(0, half), enc.lossMask.subarray(0, half), B, T, cfg.alignment_target);
  const { rows, cols, rowStart } = selectionTensors(sel, B, T);
  const t = {
    targetOneHot: oneHotTensor(enc.targets, enc.vocabSize),
    weightsIntact: tf.tensor2d(wI, [B2 * T, 1]),
    weightsCorrupted: tf.tensor2d(wC, [B2 * T, 1]),
    answerWeights: tf.tensor2d(enc.lossMask.slice(0, half), [half, 1]),
  };
  return {
    size: B, enc, half: B, inputs, corrupted, ...t, rows, cols, rowStart,
    dispose: () => { disposeBatch(inputs); for (const x of [...Object.values(t), rows, cols]) x.dispose(); },
  };
}

const weightedMean = (x: tf.Tensor, w: tf.Tensor): tf.Scalar => tf.div(tf.sum(tf.mul(x, w)), tf.maximum(tf.sum(w), 1)) as tf.Scalar;

export interface CrystalTerms { ce_intact: tf.Scalar; ce_corrupted: tf.Scalar; kl: tf.Scalar; attention?: tf.Scalar }

/** The four terms from one paired forward's outputs (no tidy: runs on the tape). */
export function crystalTerms(out: ForwardResult, b: CrystalBatch, cfg: CrystalConfig, layers: number[]): CrystalTerms {
  const [B2, T, V] = out.logits.shape;
  const half = (B2 / 2) * T;
  const logp = tf.logSoftmax(tf.reshape(out.logits, [B2 * T, V]));            // [2B·T, V]
  const picked = tf.sum(tf.mul(logp, b.targetOneHot), 1, true);               // [2B·T, 1]
  const ceIntact = tf.neg(weightedMean(picked, b.weightsIntact)) as tf.Scalar;
  const ceCorrupted = tf.neg(weightedMean(picked, b.weightsCorrupted)) as tf.Scalar;
  // KL(p_intact ‖ p_corrupted) per answer prediction: Σ_v p_i (log p_i − log p_c).
  let logpI = tf.slice(logp, [0, 0], [half, V]);                              // [B·T, V]
  if (cfg.teacher_stop_gradient) logpI = stopGradient(logpI);
  const logpC = tf.slice(logp, [half, 0], [half, V]);                         // [B·T, V]
  const klRows = tf.sum(tf.mul(tf.exp(logpI), tf.sub(logpI, logpC)), 1, true); // [B·T, 1]
  const kl = weightedMean(klRows, b.answerWeights);
  const terms: CrystalTerms = { ce_intact: ceIntact, ce_corrupted: ceCorrupted, kl };
  if (out.attention) terms.attention = pairedAlignmentLoss(out.attention, layers, b.rows, b.cols, cfg.distance, b.rowStart);
  return terms;
}

/** Σ weight · term over the terms whose weight is not 0. */
export function crystalTotal(terms: CrystalTerms, w: CrystalConfig['weights']): tf.Scalar {
  const parts: tf.Tensor[] = [];
  if (w.ce_intact !== 0) parts.push(tf.mul(terms.ce_intact, w.ce_intact));
  if (w.ce_corrupted !== 0) parts.push(tf.mul(terms.ce_corrupted, w.ce_corrupted));
  if (w.kl !== 0) parts.push(tf.mul(terms.kl, w.kl));
  if (w.attention !== 0 && terms.attention) parts.push(tf.mul(terms.attention, w.attention));
  if (parts.length === 0) throw new Error('assertion: method.crystal.weights all 0 (the validator refuses it, semantic.crystal-weights)');
  return (parts.length === 1 ? parts[0] : tf.addN(parts)) as tf.Scalar;
}

/** The paired forward: transplant on, attention captured when the alignment term (or the caller) needs it. */
export function pairedForward(model: TinyVlm, b: CrystalBatch, cfg: CrystalConfig, captureAttention: boolean): ForwardResult {
  return model.forward(b.inputs, { pairedLatentTransplant: { stopGradient: cfg.transplant_stop_gradient }, captureAttention });
}

export function createCrystal(session: Session): TrainingMethod<TinyVlm, CrystalBatch> {
  const cfg = session.config.method.crystal;
  const layers = alignmentLayerList(cfg.alignment_layers, session.model.shape.layers);
  const wantAttention = cfg.weights.attention !== 0;
  return {
    name: 'crystal',
    totalEpochs: session.config.train.epochs,
    stageOf: () => 'crystal',
    trainableVariables: modelTrainables,
    prepareBatch: (examples, epoch) => prepareCrystalBatch(session, examples,
      corruptExamples(examples, cfg.corruption, session.config.seed, `epoch-${epoch}`, session.config.model.patch_size)),
    loss: (model, batch): MethodLoss => {
      const terms = crystalTerms(pairedForward(model, batch, cfg, wantAttention), batch, cfg, layers);
      const logged: Record<string, tf.Scalar> = { ce_intact: terms.ce_intact, ce_corrupted: terms.ce_corrupted, kl: terms.kl };
      if (terms.attention) logged.attention = terms.attention;
      return { loss: crystalTotal(terms, cfg.weights), terms: logged };
    },
  };
}

/**
 * CrystaL's capture hook: the intact/corrupted pair of one example ('eval' corruption
 * stream), paired forward with the transplant, and the four loss terms when asked.
 */
export const crystalCapture: CaptureHook = async (session, example, layers, withLosses) => {
  if (session.layout.latentCount === 0) return singlePathCapture(session, example, layers, withLosses);
  const cfg = session.config.method.crystal;
  const corrupted = corruptExamples([example], cfg.corruption, session.config.seed, 'eval', session.config.model.patch_size);
  const batch = prepareCrystalBatch(session, [example], corrupted);
  const w = cfg.weights;
  const weighted = w.ce_intact + w.ce_corrupted + w.kl + w.attention > 0;
  try {
    const r = await readCapture(tf.tidy(() => {
      const out = pairedForward(session.model, batch, cfg, true);
      if (!withLosses) return captureTensors(out.attention!, out.logits, layers);
      const t = crystalTerms(out, batch, cfg, alignmentLayerList(cfg.alignment_layers, session.model.shape.layers));
      const zero = () => tf.scalar(0);
      // Read back in this order: ce_intact, total, ce_corrupted, kl, attention (an absent term reads 0).
      return captureTensors(out.attention!, out.logits, layers,
        [t.ce_intact, weighted ? crystalTotal(t, w) : zero(), t.ce_corrupted, t.kl, t.attention ?? zero()]);
    }));
    const [ceIntact, total, ceCorrupted, kl, attention] = r.scalars;
    const losses = withLosses ? { losses: { intact: { ce_intact: ceIntact, loss: total }, corrupted: { ce_corrupted: ceCorrupted, kl, attention } } } : {};
    const { mode, intensity } = corrupted.samples[0];
    return { enc: batch.enc, maps: r.maps, predicted: r.predicted, ...losses, corrupted: { image: corrupted.examples[0].image, mode, intensity } };
  } finally {
    batch.dispose();
  }
};
