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
import { speedups } from './speedups';

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

/** One example's T×T block under `allowed`. */
function buildBlock(seg: Int32Array, T: number, allowed: Rule): Float32Array {
  const m = new Float32Array(T * T);
  const { role, run } = rolesOf(seg);
  for (let i = 0; i < T; i++) {
    for (let j = 0; j < T; j++) {
      m[i * T + j] = i === j || allowed(role[i], role[j], i, j, run[i] === run[j]) ? 0 : MASK_BLOCKED;
    }
  }
  return m;
}

// Blocks already built, by rule and segment row. A block is a pure function of the two, and
// a dataset has few layouts (prompt and answer lengths), so a batch copies blocks instead of
// calling the rule B·T² times (~16 ms a step for B 32, T 131). Oldest out beyond 64 MiB.
const blocks = new Map<string, Float32Array>();
let blockBytes = 0;
const BLOCK_CACHE_BYTES = 64 * 2 ** 20;

function cachedBlock(seg: Int32Array, T: number, ruleKey: string, allowed: Rule): Float32Array {
  const key = `${ruleKey}|${seg.join(',')}`;
  let block = blocks.get(key);
  if (block) return block;
  block = buildBlock(seg, T, allowed);
  blocks.set(key, block);
  blockBytes += block.byteLength;
  for (const [k, old] of blocks) {
    if (blockBytes <= BLOCK_CACHE_BYTES) break;
    blocks.delete(k);
    blockBytes -= old.byteLength;
  }
  return block;
}

/** ruleKey names `allowed` (with its options): blocks are cached under it. */
function build(segments: Int32Array, B: number, T: number, ruleKey: string, allowed: Rule): Float32Array {
  if (segments.length !== B * T) throw new Error(`mask: segments has ${segments.length} entries, expected B·T = ${B * T}`);
  const m = new Float32Array(B * T * T);
  for (let b = 0; b < B; b++) {
    const seg = segments.subarray(b * T, (b + 1) * T);
    m.set(speedups.maskCache ? cachedBlock(seg, T, ruleKey, allowed) : buildBlock(seg, T, allowed), b * T * T);
  }
  return m;
}

const isImage = (r: number) => r === ROLE.inputImage || r === ROLE.imageCopy;

/** Each image run bidirectional within itself; everything else causal; pad rows/columns blocked (except self). */
const causalRule: Rule = (r, c, i, j, sameRun) =>
  r !== ROLE.pad && c !== ROLE.pad && (j <= i || (isImage(r) && isImage(c) && sameRun));

export function causalMask(segments: Int32Array, B: number, T: number): Float32Array {
  return build(segments, B, T, 'causal', causalRule);
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
  return build(segments, B, T, `bottleneck ${variant}`, (r, c, i, j, sameRun) => {
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
