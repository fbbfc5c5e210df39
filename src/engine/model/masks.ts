// Additive attention masks, built on the host from segment ids, per example,
// OUTSIDE the gradient tape (comparisons on differentiated tensors fail in tfjs).
//
// Layout: Float32Array [B·T·T], entry (b, i, j) = 0 when row i of example b may
// attend to column j, −1e9 when it may not. Every row may always attend to itself.
import type { LivrMask } from '../../core/experiment';
import { tf } from '../backend';
import { SEGMENT } from './segments';

export const MASK_BLOCKED = -1e9;

type Rule = (rowSeg: number, colSeg: number, i: number, j: number) => boolean;

function build(segments: Int32Array, B: number, T: number, allowed: Rule): Float32Array {
  if (segments.length !== B * T) throw new Error(`mask: segments has ${segments.length} entries, expected B·T = ${B * T}`);
  const m = new Float32Array(B * T * T);
  for (let b = 0; b < B; b++) {
    const seg = segments.subarray(b * T, (b + 1) * T);
    const base = b * T * T;
    for (let i = 0; i < T; i++) {
      for (let j = 0; j < T; j++) {
        m[base + i * T + j] = i === j || allowed(seg[i], seg[j], i, j) ? 0 : MASK_BLOCKED;
      }
    }
  }
  return m;
}

/** Image block bidirectional among image tokens; everything else causal; pad rows/columns blocked (except self). */
const causalRule: Rule = (r, c, i, j) =>
  r !== SEGMENT.pad && c !== SEGMENT.pad && (j <= i || (r === SEGMENT.image && c === SEGMENT.image));

export function causalMask(segments: Int32Array, B: number, T: number): Float32Array {
  return build(segments, B, T, causalRule);
}

/**
 * LIVR's bottleneck (stage 1), on top of the causal mask:
 *   answer_only:                    answer rows cannot see image columns
 *   answer_and_prompt:              … nor can prompt/text rows
 *   answer_prompt_latent_to_prompt: … and latent rows cannot see prompt/text columns
 */
export function bottleneckMask(segments: Int32Array, B: number, T: number, variant: LivrMask): Float32Array {
  const blindToImage = new Set<number>([SEGMENT.answer]);
  if (variant !== 'answer_only') blindToImage.add(SEGMENT.text);
  const latentBlindToText = variant === 'answer_prompt_latent_to_prompt';
  return build(segments, B, T, (r, c, i, j) => {
    if (!causalRule(r, c, i, j)) return false;
    if (c === SEGMENT.image && blindToImage.has(r)) return false;
    if (latentBlindToText && r === SEGMENT.latent && c === SEGMENT.text) return false;
    return true;
  });
}

/** Causal mask where no row sees latent columns (eval diagnostic "drop latents"). */
export function dropLatentsMask(segments: Int32Array, B: number, T: number): Float32Array {
  return build(segments, B, T, (r, c, i, j) => causalRule(r, c, i, j) && c !== SEGMENT.latent);
}

/** Entry-wise most restrictive of several masks of the same shape (e.g. bottleneck + drop latents). */
export function combineMasks(...masks: Float32Array[]): Float32Array {
  const out = Float32Array.from(masks[0]);
  for (const m of masks.slice(1)) {
    if (m.length !== out.length) throw new Error('combineMasks: masks differ in size');
    for (let i = 0; i < out.length; i++) if (m[i] < out[i]) out[i] = m[i];
  }
  return out;
}

/** Host mask → [B, 1, T, T] tensor (the caller disposes it). */
export function maskTensor(mask: Float32Array, B: number, T: number): tf.Tensor4D {
  return tf.tensor4d(mask, [B, 1, T, T]);
}
