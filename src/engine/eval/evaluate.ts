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
// Diagnostics (eval.diagnostics; those needing latents are skipped when K = 0),
// LIVR §4.4.1 at test time:
//   drop_latents             accuracy with the latents REMOVED: the same examples encoded
//                            without the <lat>×K rows and columns (the sequence the model
//                            would see with K = 0; text after them moves up K positions)
//   bottleneck_mask          accuracy under the stage-1 mask (livr.mask) at test time:
//                            the image reaches the answer only through the latents
//   both switches also give bottleneck_drop_latents: the bottleneck with the latents
//                            removed. Under answer_and_prompt (or …latent_to_prompt) no
//                            row that predicts the answer can reach the image, so this is
//                            the paper's sanity check: it must sit at chance.
//   answer_latent_attention  attention mass from the rows that predict the answer (the
//                            <sep> and every answer token) to latent columns, averaged over
//                            heads, layers and those rows: the queries of greedy decoding
//   answer_object_attention  the answer rows' attention on the named object's patches and on
//                            the whole image, beside its even-spread level (objectAttention.ts)
//   latent_swap, latent_diversity, latent_sensitivity   causal checks beyond the papers
//                            (latentProbes.ts)
//   corrupted_images         accuracy on SIC-corrupted test images (CrystaL's corruption
//                            config, the 'eval' stream: the same corruption every time),
//                            with latents and, when K > 0, with latents removed
//
// With `captureRunDir`, the evaluation also writes the attention capture file
// <runDir>/captures/step-<N>.llcap (captureWriter.ts, eval.capture).

import type { EvalDiagnostic } from '../../core/experiment';
import type { EvalMetrics } from '../../core/events';
import { tf } from '../backend';
import { bottleneckMask, causalMask } from '../model/masks';
import { Tokenizer } from '../data/tokenizer';
import { encodeExamples, type EncodedBatch } from '../model/sequence';
import type { Example } from '../data/example';
import type { Session } from '../session';
import { defaultLatentsPerStep, evaluateValr } from './valrGenerate';
import { writeEvalCapture } from './captureWriter';
import { evalRecord, examplesToScore, Tally } from './scoring';
import { betweenBatches } from './interrupt';
import { corruptExamples } from '../methods/crystal';
import { LatentProbeSums } from './latentProbes';
import { answerLatentMass } from './attentionMass';
import { answerObjectMass, ObjectAttentionSums } from './objectAttention';
import { readAndDispose, readInts } from '../readback';

export interface EvalOptions {
  step: number;
  maxExamples: number;             // per task; 0: all
  diagnostics: EvalDiagnostic[];
  batchSize?: number;              // default train.batch_size
  captureRunDir?: string;          // write the eval.capture file into this run directory
  onCapture?: (file: string) => void;
  shouldStop?: () => boolean;      // checked between batches: true ends the evaluation with EvalInterrupted
}

/** A forward pass the evaluation tallies: which images, whether the latents are in the sequence, which mask. */
interface Variant { corrupted: boolean; latentsRemoved: boolean; mask: 'causal' | 'bottleneck' }
type VariantName = 'causal' | 'drop_latents' | 'bottleneck' | 'bottleneck_drop_latents' | 'corrupted' | 'corrupted_drop_latents';

const VARIANTS: Record<VariantName, Variant> = {
  causal: { corrupted: false, latentsRemoved: false, mask: 'causal' },
  drop_latents: { corrupted: false, latentsRemoved: true, mask: 'causal' },
  bottleneck: { corrupted: false, latentsRemoved: false, mask: 'bottleneck' },
  bottleneck_drop_latents: { corrupted: false, latentsRemoved: true, mask: 'bottleneck' },
  corrupted: { corrupted: true, latentsRemoved: false, mask: 'causal' },
  corrupted_drop_latents: { corrupted: true, latentsRemoved: true, mask: 'causal' },
};

/** The variants `diagnostics` asks for, the plain causal pass first. */
export function variantsFor(diagnostics: EvalDiagnostic[], hasLatents: boolean): VariantName[] {
  const out: VariantName[] = ['causal'];
  const removed = diagnostics.includes('drop_latents') && hasLatents;
  const bottleneck = diagnostics.includes('bottleneck_mask');
  if (removed) out.push('drop_latents');
  if (bottleneck) out.push('bottleneck');
  if (removed && bottleneck) out.push('bottleneck_drop_latents');
  if (diagnostics.includes('corrupted_images')) {
    out.push('corrupted');
    if (hasLatents) out.push('corrupted_drop_latents');
  }
  return out;
}

/** The encoded batch and host mask of one variant (the session's layout, or the same without latents). */
export function variantInputs(session: Session, examples: Example[], name: VariantName): { enc: EncodedBatch; mask: Float32Array } {
  const v = VARIANTS[name];
  const enc = v.latentsRemoved ? encodeExamples(examples, session.tokenizer, { ...session.layout, latentCount: 0 }) : session.encode(examples);
  const mask = v.mask === 'bottleneck' ? bottleneckMask(enc.segments, enc.B, enc.T, session.config.method.livr.mask) : causalMask(enc.segments, enc.B, enc.T);
  return { enc, mask };
}

/** 1 per example whose argmax matches the target at every answer/<eos> prediction (a <unk> target never matches). */
export async function exactMatch(logits: tf.Tensor3D, enc: EncodedBatch): Promise<Uint8Array> {
  return exactMatchOf(await readInts(tf.argMax(logits, 2)), enc);
}

/** exactMatch from the argmax ids [B·T] already on the host. */
export function exactMatchOf(predicted: Int32Array, enc: EncodedBatch): Uint8Array {
  const ok = new Uint8Array(enc.B).fill(1);
  for (let i = 0; i < enc.B * enc.T; i++) {
    // An answer word the vocabulary lacks is <unk>: predicting <unk> is never a correct answer.
    if (enc.lossMask[i] > 0 && (predicted[i] !== enc.targets[i] || enc.targets[i] === Tokenizer.UNK)) ok[Math.floor(i / enc.T)] = 0;
  }
  return ok;
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
  const names = variantsFor(o.diagnostics, hasLatents);
  const wantAttention = o.diagnostics.includes('answer_latent_attention') && hasLatents;
  const objects = o.diagnostics.includes('answer_object_attention') ? new ObjectAttentionSums() : undefined;
  const { imageSize, patchSize } = session.model.shape;
  const tallies = new Map<VariantName, Tally>(names.map((k) => [k, new Tally()]));
  let attnSum = 0;
  let attnRows = 0;
  const probes = new LatentProbeSums(o.diagnostics, hasLatents);
  const B = o.batchSize ?? session.config.train.batch_size;
  const crystal = session.config.method.crystal;
  for (let start = 0; start < examples.length; start += B) {
    await betweenBatches(o.shouldStop);
    const chunk = examples.slice(start, start + B);
    const corruptedChunk = names.includes('corrupted')
      ? corruptExamples(chunk, crystal.corruption, session.config.seed, 'eval', session.config.model.patch_size).examples : undefined;
    for (const name of names) {
      const capture = name === 'causal' && (wantAttention || objects !== undefined);
      const { enc, mask } = variantInputs(session, VARIANTS[name].corrupted ? corruptedChunk! : chunk, name);
      // Batch tensors, activations and attention maps all die with this tidy; the argmax ids
      // [B, T] and the attention sums [latent, object, image] leave it, to be read back (readback.ts).
      const r = tf.tidy(() => {
        const out = session.model.forward(session.tensors(enc, mask), { captureAttention: capture });
        const latent = capture && wantAttention ? answerLatentMass(out.attention!, enc) : undefined;
        const object = capture && objects ? answerObjectMass(out.attention!, enc, chunk, imageSize, patchSize) : undefined;
        const zero = () => tf.scalar(0);
        const sums = capture ? tf.stack([latent?.sum ?? zero(), object?.object ?? zero(), object?.image ?? zero()]) : undefined;
        return { predicted: tf.argMax(out.logits, 2), sums, rows: latent?.rows ?? 0, objectCounts: object?.counts };
      });
      const [predicted, sums] = await readAndDispose(r.sums ? [r.predicted, r.sums] : [r.predicted]);
      if (sums) {
        attnSum += sums[0];
        attnRows += r.rows;
        if (r.objectCounts) objects!.add(r.objectCounts, sums[1], sums[2]);
      }
      tallies.get(name)!.add(chunk, exactMatchOf(predicted as Int32Array, enc));
    }
    await probes.add(session, chunk);
  }
  const diagnostics: EvalMetrics['diagnostics'] = {};
  const of = (v: VariantName) => tallies.get(v)?.accuracy();
  if (tallies.has('drop_latents')) diagnostics.drop_latents = of('drop_latents');
  if (tallies.has('bottleneck')) diagnostics.bottleneck_mask = of('bottleneck');
  if (tallies.has('bottleneck_drop_latents')) diagnostics.bottleneck_drop_latents = of('bottleneck_drop_latents');
  if (wantAttention) diagnostics.answer_latent_attention = attnRows > 0 ? attnSum / attnRows : 0;
  objects?.writeInto(diagnostics);
  probes.writeInto(diagnostics);
  if (tallies.has('corrupted')) diagnostics.corrupted_images = of('corrupted');
  if (tallies.has('corrupted_drop_latents')) diagnostics.corrupted_images_drop_latents = of('corrupted_drop_latents');
  if (o.captureRunDir !== undefined) {
    const file = await writeEvalCapture(session, o.captureRunDir, split, o.step);
    if (file) o.onCapture?.(file);
  }
  return evalRecord(o.step, split, examples, tallies.get('causal')!, diagnostics);
}
