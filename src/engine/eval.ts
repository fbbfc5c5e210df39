// Evaluation: exact-match accuracy per task, and LIVR's latent diagnostics.
//
// Greedy generation with exact match is computed in one forward pass per
// batch: under a causal mask the prediction at an answer position depends only
// on earlier positions, so greedy decoding reproduces "answer… <eos>" exactly
// when, with the true answer fed in, the argmax at every answer and <eos>
// prediction equals the target. At the first wrong argmax the greedy output
// diverges and the example is wrong either way (stopping at <eos> or at the
// answer length changes nothing about exact match).
//
// Diagnostics (eval.diagnostics; those needing latents are skipped when K = 0):
//   drop_latents             accuracy when no position may attend to latent columns
//   bottleneck_mask          accuracy under the stage-1 mask (livr.mask) at test time:
//                            the image reaches the answer only through the latents
//   answer_latent_attention  attention mass from answer rows to latent columns,
//                            averaged over heads, layers and answer positions
//   corrupted_images         accuracy on SIC-corrupted test images (CrystaL's corruption
//                            config, the 'eval' stream: the same corruption every time),
//                            with latents and, when K > 0, with latents dropped
//
// With `captureRunDir`, the evaluation also writes the attention capture file
// <runDir>/captures/step-<N>.llcap (captureWriter.ts, eval.capture).

import type { EvalDiagnostic } from '../core/experiment';
import type { EvalMetrics } from '../core/events';
import { tf } from './backend';
import { bottleneckMask, causalMask, dropLatentsMask } from './model/masks';
import { SEGMENT } from './model/segments';
import { Tokenizer } from './data/tokenizer';
import type { EncodedBatch } from './model/sequence';
import type { Session } from './session';
import { defaultLatentsPerStep, evaluateValr } from './valrGenerate';
import { writeEvalCapture } from './captureWriter';
import { evalRecord, examplesToScore, Tally } from './evalScoring';
import { betweenBatches } from './evalInterrupt';
import { corruptExamples } from './methods/crystal';

export interface EvalOptions {
  step: number;
  maxExamples: number;             // per task; 0: all
  diagnostics: EvalDiagnostic[];
  batchSize?: number;              // default train.batch_size
  captureRunDir?: string;          // write the eval.capture file into this run directory
  onCapture?: (file: string) => void;
  shouldStop?: () => boolean;      // checked between batches: true ends the evaluation with EvalInterrupted
}

type MaskKind = 'causal' | 'drop_latents' | 'bottleneck';
/** A forward pass the evaluation tallies: a mask over the intact or the corrupted images. */
type Variant = MaskKind | 'corrupted' | 'corrupted_drop_latents';

function hostMask(session: Session, enc: EncodedBatch, kind: MaskKind): Float32Array {
  if (kind === 'drop_latents') return dropLatentsMask(enc.segments, enc.B, enc.T);
  if (kind === 'bottleneck') return bottleneckMask(enc.segments, enc.B, enc.T, session.config.method.livr.mask);
  return causalMask(enc.segments, enc.B, enc.T);
}

/** 1 per example whose argmax matches the target at every answer/<eos> prediction (a <unk> target never matches). */
export function exactMatch(logits: tf.Tensor3D, enc: EncodedBatch): Uint8Array {
  const predicted = tf.tidy(() => tf.argMax(logits, 2).dataSync()) as Int32Array;   // [B·T]
  const ok = new Uint8Array(enc.B).fill(1);
  for (let i = 0; i < enc.B * enc.T; i++) {
    // An answer word the vocabulary lacks is <unk>: predicting <unk> is never a correct answer.
    if (enc.lossMask[i] > 0 && (predicted[i] !== enc.targets[i] || enc.targets[i] === Tokenizer.UNK)) ok[Math.floor(i / enc.T)] = 0;
  }
  return ok;
}

/** Σ over answer rows of (head- and layer-mean attention mass on latent columns), and the row count. */
function answerLatentMass(attention: tf.Tensor4D[], enc: EncodedBatch): { sum: number; rows: number } {
  const { B, T } = enc;
  const answerRows = new Float32Array(B * T);
  const latentCols = new Float32Array(B * T);
  let rows = 0;
  for (let i = 0; i < B * T; i++) {
    if (enc.segments[i] === SEGMENT.answer) { answerRows[i] = 1; rows += 1; }
    if (enc.segments[i] === SEGMENT.latent) latentCols[i] = 1;
  }
  const sum = tf.tidy(() => {
    const cols = tf.tensor3d(latentCols, [B, 1, T]);
    const rowsT = tf.tensor2d(answerRows, [B, T]);
    const perLayer = attention.map((a) => {
      const headMean = tf.mean(a, 1);                               // [B, T, T]
      const mass = tf.sum(tf.mul(headMean, cols), 2);               // [B, T]: mass on latents per row
      return tf.sum(tf.mul(mass, rowsT));
    });
    return tf.div(tf.addN(perLayer), attention.length).dataSync()[0];
  });
  return { sum, rows };
}

/**
 * Evaluates the session's model on a split. All tensors are freed before it returns,
 * or before it throws EvalInterrupted when `o.shouldStop` turns true between batches.
 */
export async function evaluate(session: Session, split: 'val' | 'test', o: EvalOptions): Promise<EvalMetrics> {
  // VaLR: real greedy generation with latent blocks (valrGenerate.ts), not the one-pass check.
  if (session.config.method.kind === 'valr') return evaluateValr(session, split, o.step, o.maxExamples, defaultLatentsPerStep(session), o.shouldStop);
  const examples = examplesToScore(session.splits[split], split, o.maxExamples);
  const hasLatents = session.layout.latentCount > 0;
  const kinds: Variant[] = ['causal'];
  if (o.diagnostics.includes('drop_latents') && hasLatents) kinds.push('drop_latents');
  if (o.diagnostics.includes('bottleneck_mask')) kinds.push('bottleneck');
  if (o.diagnostics.includes('corrupted_images')) {
    kinds.push('corrupted');
    if (hasLatents) kinds.push('corrupted_drop_latents');
  }
  const wantAttention = o.diagnostics.includes('answer_latent_attention') && hasLatents;
  const tallies = new Map<Variant, Tally>(kinds.map((k) => [k, new Tally()]));
  let attnSum = 0;
  let attnRows = 0;
  const B = o.batchSize ?? session.config.train.batch_size;
  for (let start = 0; start < examples.length; start += B) {
    await betweenBatches(o.shouldStop);
    const chunk = examples.slice(start, start + B);
    const enc = session.encode(chunk);
    const needCorrupted = kinds.includes('corrupted');
    const corruptedEnc = needCorrupted ? session.encode(corruptExamples(chunk, session.config.method.crystal.corruption,
      session.config.seed, 'eval', session.config.model.patch_size).examples) : undefined;
    for (const variant of kinds) {
      const capture = variant === 'causal' && wantAttention;
      const onCorrupted = variant === 'corrupted' || variant === 'corrupted_drop_latents';
      const kind: MaskKind = variant === 'corrupted' ? 'causal' : variant === 'corrupted_drop_latents' ? 'drop_latents' : variant;
      const e = onCorrupted ? corruptedEnc! : enc;
      const mask = hostMask(session, e, kind);
      // Batch tensors, activations and attention maps all die with this tidy.
      const r = tf.tidy(() => {
        const out = session.model.forward(session.tensors(e, mask), { captureAttention: capture });
        const ok = exactMatch(out.logits, e);
        const m = capture && out.attention ? answerLatentMass(out.attention, enc) : { sum: 0, rows: 0 };
        return { ok, sum: m.sum, rows: m.rows };
      });
      const ok = r.ok as Uint8Array;
      attnSum += r.sum as number;
      attnRows += r.rows as number;
      tallies.get(variant)!.add(chunk, ok);
    }
  }
  const diagnostics: EvalMetrics['diagnostics'] = {};
  const of = (v: Variant) => tallies.get(v)?.accuracy();
  if (tallies.has('drop_latents')) diagnostics.drop_latents = of('drop_latents');
  if (tallies.has('bottleneck')) diagnostics.bottleneck_mask = of('bottleneck');
  if (wantAttention) diagnostics.answer_latent_attention = attnRows > 0 ? attnSum / attnRows : 0;
  if (tallies.has('corrupted')) diagnostics.corrupted_images = of('corrupted');
  if (tallies.has('corrupted_drop_latents')) diagnostics.corrupted_images_drop_latents = of('corrupted_drop_latents');
  if (o.captureRunDir !== undefined) {
    const file = writeEvalCapture(session, o.captureRunDir, split, o.step);
    if (file) o.onCapture?.(file);
  }
  return evalRecord(o.step, split, examples, tallies.get('causal')!, diagnostics);
}
