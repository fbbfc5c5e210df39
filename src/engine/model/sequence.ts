// Sequence layout: Example[] → host arrays → the model's BatchTensors.
//
//   after_prompt  (SFT: K = 0, LIVR, CrystaL): <bos> <img>×P prompt… <lat>×K <sep> answer… <eos> <pad>…
//   before_prompt (LIVR prompt tuning):        <bos> <img>×P <lat>×K prompt… <sep> answer… <eos> <pad>…
//   image_twice   (LIVR control):              <bos> <img>×P prompt… <img>×P <sep> answer… <eos> <pad>…
//   interleaved   (VaLR):                      <bos> <img>×P prompt… (<latent> <lat>×K </latent> step…)×S <sep> answer… <eos> <pad>…
//   rationale     (VaLR stage 1, plain CoT):   <bos> <img>×P prompt… step… step… <sep> answer… <eos> <pad>…
//
// prompt = question words, then `<sep> choice words` for each listed choice.
//
// Every answer token is predicted by a text row, never by a latent row: the first
// by the `<sep>` that follows the latents. A latent row sees the image under every
// bottleneck variant, so an answer predicted there would bypass the bottleneck; and
// CrystaL's transplant overwrites latent rows, so it would overwrite the prediction.
// Where the engine writes the `<sep>` (after_prompt, before_prompt, image_twice) it
// is a prompt row (SEGMENT.text: blind to the image under LIVR's answer_and_prompt
// bottleneck); where the model writes it itself (after a rationale) it is part of
// the answer segment and its prediction is trained.
//
// The answer `<sep>` is the same token as the choice separator on purpose: it is
// always the last `<sep>` of the prefix the engine writes, the model is never asked
// to predict a choice separator (no loss on prompt rows), and a distinct token would
// shift every word id of every saved checkpoint. The base is pretrained on this
// layout (K = 0), so `<sep>` is a trained row.
//
// Targets are next-token ids; the loss covers every prediction of an answer-segment
// token from answerStart on (answer words, <eos>, rationale steps, VaLR's
// `<latent>`/`</latent>` and `<sep>`), never of a latent (interleaved.ts clears those).
import type { Example } from '../data/example';
import { Tokenizer } from '../data/tokenizer';
import type { LatentsConfig } from '../../core/experiment';
import { tf } from '../backend';
import { oneHotRows } from '../kernels';
import { SEGMENT } from './segments';
import type { BatchTensors } from './tinyVlm';

/** Special token ids, owned by the tokenizer (pad 0, bos 1, eos 2, img 3, lat 4, latStart 5, latEnd 6, unk 7, sep 8). */
export const SPECIAL = {
  pad: Tokenizer.PAD, bos: Tokenizer.BOS, eos: Tokenizer.EOS, img: Tokenizer.IMG, lat: Tokenizer.LAT,
  latStart: Tokenizer.LAT_START, latEnd: Tokenizer.LAT_END, unk: Tokenizer.UNK, sep: Tokenizer.SEP,
} as const;

/** What this file needs of the tokenizer (src/engine/data/tokenizer.ts's Tokenizer, or a test double). */
export interface TokenizerLike {
  readonly size: number;
  encode(text: string): number[];
}

export interface SequenceLayout {
  T: number;                               // fixed sequence length (right padding)
  patchSize: number;                       // p
  latentCount: number;                     // K (0: no latents); the most any example gets
  latentCountOf?: (ex: Example) => number; // per-example K ≤ latentCount (SFT's filler latents); default latentCount
  placement: LatentsConfig['placement'];
  rationale?: boolean;                     // plain CoT: rationale steps before the answer
  rationaleOf?: (ex: Example) => RationaleForm | undefined; // per example (pretraining): write the rationale in this form; undefined: the layout's own
  imageTwice?: boolean;                    // LIVR control: a second <img>×P run where the latents would be
  includeAnswer?: boolean;                 // false: prefix only (generation); default true
}

/** How one example writes its rationale: plain CoT, or VaLR's `<latent> <lat>×k </latent>` before each step. */
export type RationaleForm = { kind: 'cot' } | { kind: 'interleaved'; latentsPerStep: number };

export interface EncodedBatch {
  B: number;
  T: number;
  vocabSize: number;
  ids: string[];             // Example.id per row
  tokenIds: Int32Array;      // [B·T]
  segments: Int32Array;      // [B·T] SEGMENT ids
  targets: Int32Array;       // [B·T] next-token id (pad at the last position)
  lossMask: Float32Array;    // [B·T] 1 where targets[t] is an answer-segment token
  answerStart: Int32Array;   // [B] first answer-segment position (= prefix length when includeAnswer is false)
  length: Int32Array;        // [B] positions used before padding
  patches: Float32Array;     // [B·P·p·p·3]
  P: number;
  patchDim: number;          // p·p·3
}

/**
 * image [H, W, 3] row-major → patches [P, p·p·3]: patch n = py·(W/p) + px
 * (raster order), and inside a patch value (dy·p + dx)·3 + c (row-major, channel last).
 */
export function patchify(image: Float32Array, size: number, p: number, out: Float32Array, offset: number): void {
  const g = size / p;
  let o = offset;
  for (let py = 0; py < g; py++) {
    for (let px = 0; px < g; px++) {
      for (let dy = 0; dy < p; dy++) {
        const row = ((py * p + dy) * size + px * p) * 3;
        for (let k = 0; k < p * 3; k++) out[o++] = image[row + k];
      }
    }
  }
}

/** One example's tokens and segments, before padding. */
function layoutOne(ex: Example, tok: TokenizerLike, L: SequenceLayout, P: number): { ids: number[]; segs: number[]; answerStart: number } {
  const ids: number[] = [];
  const segs: number[] = [];
  const push = (xs: number[], seg: number) => { for (const x of xs) { ids.push(x); segs.push(seg); } };
  const latents = (n: number) => push(new Array<number>(n).fill(SPECIAL.lat), SEGMENT.latent);
  const image = () => push(new Array<number>(P).fill(SPECIAL.img), SEGMENT.image);

  // A per-example rationale form (pretraining) replaces the layout's latents and placement for that example.
  const form = L.rationaleOf?.(ex);
  const placement = form ? (form.kind === 'interleaved' ? 'interleaved' : 'after_prompt') : L.placement;
  const ownLatents = form ? 0 : L.latentCountOf?.(ex) ?? L.latentCount;
  const stepLatents = form?.kind === 'interleaved' ? form.latentsPerStep : L.latentCount;
  push([SPECIAL.bos], SEGMENT.text);
  image();
  if (placement === 'before_prompt') latents(ownLatents);
  push(tok.encode(ex.question), SEGMENT.text);
  for (const c of ex.choices ?? []) push([SPECIAL.sep, ...tok.encode(c)], SEGMENT.text);
  if (placement === 'after_prompt') latents(ownLatents);
  if (L.imageTwice) image();
  const generatesRationale = placement === 'interleaved' || (form ? form.kind === 'cot' : L.rationale === true);
  if (!generatesRationale) push([SPECIAL.sep], SEGMENT.text);   // the engine's answer separator: a prompt row
  const answerStart = ids.length;
  if (L.includeAnswer === false) return { ids, segs, answerStart };
  if (placement === 'interleaved') {
    for (const step of ex.rationale) {
      push([SPECIAL.latStart], SEGMENT.answer);
      latents(stepLatents);
      push([SPECIAL.latEnd, ...tok.encode(step)], SEGMENT.answer);
    }
  } else if (generatesRationale) {
    for (const step of ex.rationale) push(tok.encode(step), SEGMENT.answer);
  }
  if (generatesRationale) push([SPECIAL.sep], SEGMENT.answer);   // written by the model: trained
  push([...tok.encode(ex.answer), SPECIAL.eos], SEGMENT.answer);
  return { ids, segs, answerStart };
}

export function encodeExamples(examples: Example[], tok: TokenizerLike, layout: SequenceLayout): EncodedBatch {
  if (examples.length === 0) throw new Error('encodeExamples: empty batch');
  const { T, patchSize: p } = layout;
  const size = examples[0].imageSize;
  if (size % p !== 0) throw new Error(`example ${examples[0].id}: image size ${size} is not a multiple of model.patch_size ${p}`);
  const P = (size / p) ** 2;
  const patchDim = p * p * 3;
  const B = examples.length;
  const enc: EncodedBatch = {
    B, T, vocabSize: tok.size, ids: examples.map((e) => e.id),
    tokenIds: new Int32Array(B * T).fill(SPECIAL.pad),
    segments: new Int32Array(B * T).fill(SEGMENT.pad),
    targets: new Int32Array(B * T).fill(SPECIAL.pad),
    lossMask: new Float32Array(B * T),
    answerStart: new Int32Array(B),
    length: new Int32Array(B),
    patches: new Float32Array(B * P * patchDim),
    P, patchDim,
  };
  examples.forEach((ex, b) => {
    if (ex.imageSize !== size) throw new Error(`example ${ex.id}: image size ${ex.imageSize} differs from ${size} in the same batch; every image of a run has data.image_size`);
    if (ex.image.length !== size * size * 3) throw new Error(`example ${ex.id}: image has ${ex.image.length} values, expected ${size}·${size}·3`);
    const { ids, segs, answerStart } = layoutOne(ex, tok, layout, P);
    if (ids.length > T) {
      throw new Error(`example ${ex.id}: needs ${ids.length} sequence positions but the model's sequence length is ${T}; raise data.max_text_tokens or shorten the question/answer`);
    }
    const o = b * T;
    enc.tokenIds.set(ids, o);
    enc.segments.set(segs, o);
    for (let t = 0; t + 1 < ids.length; t++) {
      enc.targets[o + t] = ids[t + 1];
      enc.lossMask[o + t] = segs[t + 1] === SEGMENT.answer && t + 1 >= answerStart ? 1 : 0;
    }
    enc.answerStart[b] = answerStart;
    enc.length[b] = ids.length;
    patchify(ex.image, size, p, enc.patches, b * P * patchDim);
  });
  return enc;
}

/**
 * Row b's answer predictions: the positions from its last <sep> (which predicts the answer's
 * first token) to its last weighted one (which predicts <eos>); undefined when it has no <sep>.
 * A rationale comes before that <sep>, so this is the direct answer in every layout.
 */
export function answerSpan(enc: EncodedBatch, b: number): { first: number; last: number } | undefined {
  const { T } = enc;
  const first = enc.tokenIds.subarray(b * T, (b + 1) * T).lastIndexOf(SPECIAL.sep);
  if (first < 0) return undefined;
  let last = first;
  for (let t = first; t < T; t++) if (enc.lossMask[b * T + t] > 0) last = t;
  return { first, last };
}

/**
 * The one-hot of token ids as a float32 tensor [B·T, V], built by the backend (kernels'
 * oneHotRows: an int32 OneHot, then a Cast); an id outside the vocabulary throws.
 */
export function oneHotTensor(ids: Int32Array, V: number): tf.Tensor2D {
  for (let i = 0; i < ids.length; i++) if (ids[i] < 0 || ids[i] >= V) throw new Error(`token id ${ids[i]} outside the vocabulary of ${V}`);
  return oneHotRows(ids, V);
}

/** Host arrays → tensors the model reads. `mask` is a host mask from masks.ts or a [B,1,T,T] tensor. Dispose with disposeBatch. */
export function toBatchTensors(enc: EncodedBatch, mask: Float32Array | tf.Tensor4D): BatchTensors {
  const { B, T } = enc;
  return {
    patches: tf.tensor3d(enc.patches, [B, enc.P, enc.patchDim]),
    tokenIds: enc.tokenIds,
    segments: enc.segments,
    B, T,
    mask: mask instanceof Float32Array ? tf.tensor4d(mask, [B, 1, T, T]) : mask,
  };
}

export function disposeBatch(batch: BatchTensors): void {
  batch.patches.dispose();
  batch.mask.dispose();
}

/**
 * Sequence length a config needs: <bos> + image run(s) + latents + <sep> + text budget + <eos>.
 * interleavedSteps: VaLR's reasoning steps, each with <latent> <lat>×K </latent>.
 */
export function sequenceLength(o: { patches: number; latentCount: number; maxTextTokens: number; imageTwice?: boolean; interleavedSteps?: number }): number {
  const latentPositions = o.interleavedSteps !== undefined ? o.interleavedSteps * (o.latentCount + 2) : o.latentCount;
  return 1 + o.patches * (o.imageTwice ? 2 : 1) + latentPositions + 1 + o.maxTextTokens + 1;
}
