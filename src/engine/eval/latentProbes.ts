// Causal checks on the latents beyond LIVR §4.4.1 (issue 14; CapImagine, arXiv
// 2602.22766, found the latents of several methods collapsing to near-identical
// states that barely change the answer). One eval switch each (evaluate.ts):
//
//   latent_swap       example A gets the latents computed for A's question on another
//                     example's image C (every decoder layer's latent states copied,
//                     CrystaL's transplant). Over the examples where the model answers
//                     A and (A's question, C's image) differently, the share whose
//                     answer with C's latents is the C answer: 1 = the answer follows
//                     the latents' image, 0 = the latents do not steer it. First answer
//                     token, greedy (the answers here are one token).
//   latent_diversity  cosine similarity of the last layer's latent states: mean over
//                     pairs of examples at the same latent position (across examples),
//                     and over pairs of positions within an example (across positions).
//                     Near 1: collapsed latents that cannot carry per-image detail.
//
// C for example i is example (i + 1) mod n of the same batch; a pair with one
// example is skipped.
import { tf } from '../backend';
import type { Example } from '../data/example';
import { feedbackState } from '../model/continuousFeedback';
import { causalMask } from '../model/masks';
import { SEGMENT } from '../model/segments';
import type { EncodedBatch } from '../model/sequence';
import type { Session } from '../session';

export interface SwapCount { followed: number; differing: number }

/** Per example, the logits [V] at the row that predicts the first answer token. */
function firstAnswerLogits(logits: tf.Tensor3D, enc: EncodedBatch, rowOffset: number, rows: number): Float32Array[] {
  const all = logits.dataSync() as Float32Array;   // [B·T·V]
  const V = logits.shape[2];
  const out: Float32Array[] = [];
  for (let b = rowOffset; b < rowOffset + rows; b++) {
    let t = 0;
    while (t < enc.T && enc.lossMask[b * enc.T + t] === 0) t++;
    out.push(all.slice((b * enc.T + t) * V, (b * enc.T + t + 1) * V));
  }
  return out;
}

export interface SwapLogits {
  own: Float32Array[];       // A as it is
  other: Float32Array[];     // A's text, C's image
  swapped: Float32Array[];   // A with the latents of (A's text, C's image)
}

/** First-answer logits of one batch: [A's text + C's image (latent source); A's text + A's image (latents replaced)]. */
export function swapLogits(session: Session, examples: Example[]): SwapLogits {
  const n = examples.length;
  const withOtherImage = examples.map((e, i) => ({ ...e, image: examples[(i + 1) % n].image }));
  const enc = session.encode([...withOtherImage, ...examples]);            // 2n rows, identical text per pair
  const own = session.encode(examples);
  return tf.tidy(() => {
    const paired = session.model.forward(session.tensors(enc, causalMask(enc.segments, enc.B, enc.T)), { pairedLatentTransplant: { stopGradient: true } }).logits;
    const plain = session.model.forward(session.tensors(own, causalMask(own.segments, own.B, own.T))).logits;
    // The first half is untouched by the transplant: it is (A's text, C's image) as is.
    return { own: firstAnswerLogits(plain, own, 0, n), other: firstAnswerLogits(paired, enc, 0, n), swapped: firstAnswerLogits(paired, enc, n, n) };
  });
}

const argmax = (x: Float32Array) => x.reduce((best, v, i) => (v > x[best] ? i : best), 0);

/** The swap count of one batch (examples whose own and other-image answers differ, and how many of those follow the latents). */
export function latentSwap(session: Session, examples: Example[]): SwapCount {
  if (examples.length < 2) return { followed: 0, differing: 0 };
  const r = swapLogits(session, examples);
  let followed = 0, differing = 0;
  r.own.forEach((own, i) => {
    const other = argmax(r.other[i]);
    if (other === argmax(own)) return;
    differing += 1;
    if (argmax(r.swapped[i]) === other) followed += 1;
  });
  return { followed, differing };
}

export interface DiversitySums { acrossExamples: number; examplePairs: number; acrossPositions: number; positionPairs: number }

/** Sums of pairwise cosines of the last layer's latent states in one batch (every row has the same K). */
export function latentDiversity(session: Session, examples: Example[]): DiversitySums {
  const enc = session.encode(examples);
  const { B, T } = enc;
  const d = session.model.shape.d;
  const states = tf.tidy(() => {
    const out = session.model.forward(session.tensors(enc, causalMask(enc.segments, B, T)), { returnHidden: true });
    return feedbackState(out).dataSync() as Float32Array;   // [B·T·d], the last layer's states
  });
  const latents: Float32Array[][] = [];                                     // [b][k] → unit vector [d]
  for (let b = 0; b < B; b++) {
    const row: Float32Array[] = [];
    for (let t = 0; t < T; t++) {
      if (enc.segments[b * T + t] !== SEGMENT.latent) continue;
      const v = states.slice((b * T + t) * d, (b * T + t + 1) * d);
      const norm = Math.hypot(...v) || 1;
      row.push(v.map((x) => x / norm));
    }
    latents.push(row);
  }
  const cos = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i], 0);
  const r: DiversitySums = { acrossExamples: 0, examplePairs: 0, acrossPositions: 0, positionPairs: 0 };
  const K = latents[0]?.length ?? 0;
  for (let k = 0; k < K; k++) {
    for (let a = 0; a < B; a++) for (let b = a + 1; b < B; b++) { r.acrossExamples += cos(latents[a][k], latents[b][k]); r.examplePairs += 1; }
  }
  for (const row of latents) {
    for (let i = 0; i < row.length; i++) for (let j = i + 1; j < row.length; j++) { r.acrossPositions += cos(row[i], row[j]); r.positionPairs += 1; }
  }
  return r;
}
