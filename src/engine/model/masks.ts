// Additive attention masks, built on the host from segment ids, per example,
// OUTSIDE the gradient tape (comparisons on differentiated tensors fail in tfjs).
//
// Layout: Float32Array [B·T·T], entry (b, i, j) = 0 when row i of example b may
// attend to column j, −1e9 when it may not. Every row may always attend to itself.
// A blocked entry's softmax weight is exactly 0 in float32 (exp(−1e9 − max)
// underflows), so a blocked column has no influence at all, not a small one.
//
// Image runs: the first `<img>×P` run is the input image. LIVR's image_twice
// control puts a second run where the latents would be; for the masks that copy
// plays the latents' part (docs/model.md, "Masks, row by column").
import type { LivrMask } from '../../core/experiment';
import { tf } from '../backend';
import { SEGMENT } from './segments';

export const MASK_BLOCKED = -1e9;

/** What a row or column is, for the mask rules: its segment, split into the input image and a later image copy. */
const ROLE = { text: 0, inputImage: 1, latent: 2, answer: 3, pad: 4, imageCopy: 5 } as const;

type Rule = (row: number, col: number, i: number, j: number, sameRun: boolean) => boolean;

/** Per position: its ROLE and the index of the contiguous segment run it belongs to. */
function rolesOf(seg: Int32Array): { role: Int32Array; run: Int32Array } {
  const role = new Int32Array(seg.length);
  const run = new Int32Array(seg.length);
  let imageRuns = 0;
  let r = 0;
  for (let t = 0; t < seg.length; t++) {
    const startsRun = t === 0 || seg[t] !== seg[t - 1];
    if (startsRun) r += 1;
    run[t] = r;
    if (seg[t] === SEGMENT.image) {
      if (startsRun) imageRuns += 1;
      role[t] = imageRuns === 1 ? ROLE.inputImage : ROLE.imageCopy;
    } else role[t] = seg[t];
  }
  return { role, run };
}

function build(segments: Int32Array, B: number, T: number, allowed: Rule): Float32Array {
  if (segments.length !== B * T) throw new Error(`mask: segments has ${segments.length} entries, expected B·T = ${B * T}`);
  const m = new Float32Array(B * T * T);
  for (let b = 0; b < B; b++) {
    const { role, run } = rolesOf(segments.subarray(b * T, (b + 1) * T));
    const base = b * T * T;
    for (let i = 0; i < T; i++) {
      for (let j = 0; j < T; j++) {
        m[base + i * T + j] = i === j || allowed(role[i], role[j], i, j, run[i] === run[j]) ? 0 : MASK_BLOCKED;
      }
    }
  }
  return m;
}

const isImage = (r: number) => r === ROLE.inputImage || r === ROLE.imageCopy;

/** Each image run bidirectional within itself; everything else causal; pad rows/columns blocked (except self). */
const causalRule: Rule = (r, c, i, j, sameRun) =>
  r !== ROLE.pad && c !== ROLE.pad && (j <= i || (isImage(r) && isImage(c) && sameRun));

export function causalMask(segments: Int32Array, B: number, T: number): Float32Array {
  return build(segments, B, T, causalRule);
}

/**
 * LIVR's bottleneck (stage 1), on top of the causal mask:
 *   answer_only:                    answer rows cannot see input-image columns
 *   answer_and_prompt:              … nor can text rows (the prompt, `<bos>`, the answer `<sep>`)
 *   answer_prompt_latent_to_prompt: … and latent rows cannot see text columns
 * Latent rows (and an image copy in their place) always see the input image: they
 * are the only way it reaches the answer. With answer_and_prompt or
 * answer_prompt_latent_to_prompt and no latents, the answer cannot depend on the
 * image at all (the paper's sanity check; test/unit/diagnostics.test.ts).
 */
export function bottleneckMask(segments: Int32Array, B: number, T: number, variant: LivrMask): Float32Array {
  const blindToImage = new Set<number>([ROLE.answer]);
  if (variant !== 'answer_only') blindToImage.add(ROLE.text);
  const latentBlindToText = variant === 'answer_prompt_latent_to_prompt';
  return build(segments, B, T, (r, c, i, j, sameRun) => {
    if (!causalRule(r, c, i, j, sameRun)) return false;
    if (c === ROLE.inputImage && blindToImage.has(r)) return false;
    if (latentBlindToText && (r === ROLE.latent || r === ROLE.imageCopy) && c === ROLE.text) return false;
    return true;
  });
}

/** Host mask → [B, 1, T, T] tensor (the caller disposes it). */
export function maskTensor(mask: Float32Array, B: number, T: number): tf.Tensor4D {
  return tf.tensor4d(mask, [B, 1, T, T]);
}
