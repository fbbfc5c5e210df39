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
//   latent_sensitivity  how far the last layer's latent states move when only the image
//                     changes (A's question, C's image) and when only the question changes
//                     (C's question, A's image): per example Σ_k ‖l'_k − l_k‖ / Σ_k ‖l_k‖
//                     over the K latent positions, averaged over the examples whose image
//                     (question) differs from C's (a pair with the same question, as two
//                     counting questions about the same colour, moves nothing). Latents that
//                     ignore the image score image 0 exactly; latents placed before the
//                     question score question 0 exactly.
//
// C for example i is example (i + 1) mod n of the same batch; a pair with one
// example is skipped.
import type { EvalDiagnostic } from '../../core/experiment';
import type { EvalDiagnostics } from '../../core/metricRecords';
import { tf } from '../backend';
import type { Example } from '../data/example';
import { feedbackState } from '../model/continuousFeedback';
import { causalMask } from '../model/masks';
import { SEGMENT } from '../model/segments';
import type { EncodedBatch } from '../model/sequence';
import type { Session } from '../session';
import { readAndDispose, readFloats } from '../readback';

export interface SwapCount { followed: number; differing: number }

/** Per example, the logits [V] at the row that predicts the first answer token (all: host logits [B·T·V]). */
function firstAnswerLogits(all: Float32Array, V: number, enc: EncodedBatch, rowOffset: number, rows: number): Float32Array[] {
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
export async function swapLogits(session: Session, examples: Example[]): Promise<SwapLogits> {
  const n = examples.length;
  const withOtherImage = examples.map((e, i) => ({ ...e, image: examples[(i + 1) % n].image }));
  const enc = session.encode([...withOtherImage, ...examples]);            // 2n rows, identical text per pair
  const own = session.encode(examples);
  const logits = tf.tidy(() => [
    session.model.forward(session.tensors(enc, causalMask(enc.segments, enc.B, enc.T)), { pairedLatentTransplant: { stopGradient: true } }).logits,
    session.model.forward(session.tensors(own, causalMask(own.segments, own.B, own.T))).logits,
  ]);
  const V = logits[0].shape[2];
  const [paired, plain] = (await readAndDispose(logits)) as Float32Array[];   // [2n·T·V], [n·T·V]
  // The first half is untouched by the transplant: it is (A's text, C's image) as is.
  return { own: firstAnswerLogits(plain, V, own, 0, n), other: firstAnswerLogits(paired, V, enc, 0, n), swapped: firstAnswerLogits(paired, V, enc, n, n) };
}

const argmax = (x: Float32Array) => x.reduce((best, v, i) => (v > x[best] ? i : best), 0);

/** The swap count of one batch (examples whose own and other-image answers differ, and how many of those follow the latents). */
export async function latentSwap(session: Session, examples: Example[]): Promise<SwapCount> {
  if (examples.length < 2) return { followed: 0, differing: 0 };
  const r = await swapLogits(session, examples);
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
export async function latentDiversity(session: Session, examples: Example[]): Promise<DiversitySums> {
  const enc = session.encode(examples);
  const { B, T } = enc;
  const d = session.model.shape.d;
  const states = await readFloats(tf.tidy(() => {
    const out = session.model.forward(session.tensors(enc, causalMask(enc.segments, B, T)), { returnHidden: true });
    return feedbackState(out);   // [B, T, d], the last layer's states
  }));
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

export interface SensitivitySums { image: number; imagePairs: number; question: number; questionPairs: number }

/** Per row, its latent states [K][d] from host states [B·T·d] (rows in order, positions in order). */
function latentStatesOf(states: Float32Array, enc: EncodedBatch, d: number): Float32Array[][] {
  const out: Float32Array[][] = [];
  for (let b = 0; b < enc.B; b++) {
    const row: Float32Array[] = [];
    for (let t = 0; t < enc.T; t++) if (enc.segments[b * enc.T + t] === SEGMENT.latent) row.push(states.subarray((b * enc.T + t) * d, (b * enc.T + t + 1) * d));
    out.push(row);
  }
  return out;
}

/** Per example, its last-layer latent states [K][d] under the causal mask. */
async function lastLatentStates(session: Session, examples: Example[]): Promise<Float32Array[][]> {
  const enc = session.encode(examples);
  const states = await readFloats(tf.tidy(() => {
    const out = session.model.forward(session.tensors(enc, causalMask(enc.segments, enc.B, enc.T)), { returnHidden: true });
    return feedbackState(out);   // [B, T, d]
  }));
  return latentStatesOf(states, enc, session.model.shape.d);
}

/** Σ_k ‖b_k − a_k‖ / Σ_k ‖a_k‖: 0 exactly when the states are equal. */
export function relativeMove(a: Float32Array[], b: Float32Array[]): number {
  let moved = 0, size = 0;
  a.forEach((ak, k) => {
    moved += Math.hypot(...ak.map((x, i) => x - b[k][i]));
    size += Math.hypot(...ak);
  });
  return size > 0 ? moved / size : 0;
}

/** Sums of the relative latent moves of one batch under an image change and a question change (n ≥ 2). */
export async function latentSensitivity(session: Session, examples: Example[]): Promise<SensitivitySums> {
  const n = examples.length;
  if (n < 2) return { image: 0, imagePairs: 0, question: 0, questionPairs: 0 };
  const other = (i: number) => examples[(i + 1) % n];
  const otherImage = examples.map((e, i) => ({ ...e, image: other(i).image }));
  const otherQuestion = examples.map((e, i) => ({ ...e, question: other(i).question, choices: other(i).choices }));
  // Three forwards of n rows, not one of 3n: example i sits at the same batch row in each,
  // so a kernel's row tiling rounds it the same way and "did not move" is 0 exactly.
  const own = await lastLatentStates(session, examples);
  const image = await lastLatentStates(session, otherImage);
  const question = await lastLatentStates(session, otherQuestion);
  const r: SensitivitySums = { image: 0, imagePairs: 0, question: 0, questionPairs: 0 };
  const sameImage = (a: Float32Array, b: Float32Array) => a.length === b.length && a.every((x, i) => x === b[i]);
  const sameQuestion = (a: Example, b: Example) => a.question === b.question && (a.choices ?? []).join('\n') === (b.choices ?? []).join('\n');
  for (let i = 0; i < n; i++) {
    if (!sameImage(examples[i].image, other(i).image)) { r.image += relativeMove(own[i], image[i]); r.imagePairs += 1; }
    if (!sameQuestion(examples[i], other(i))) { r.question += relativeMove(own[i], question[i]); r.questionPairs += 1; }
  }
  return r;
}

const ratio = (sum: number, n: number) => (n > 0 ? sum / n : 0);

/** The probes `eval.diagnostics` asks for, summed over the evaluation's batches (none without latents). */
export class LatentProbeSums {
  private readonly swap?: SwapCount;
  private readonly diversity?: DiversitySums;
  private readonly sensitivity?: SensitivitySums;

  constructor(diagnostics: EvalDiagnostic[], hasLatents: boolean) {
    if (!hasLatents) return;
    if (diagnostics.includes('latent_swap')) this.swap = { followed: 0, differing: 0 };
    if (diagnostics.includes('latent_diversity')) this.diversity = { acrossExamples: 0, examplePairs: 0, acrossPositions: 0, positionPairs: 0 };
    if (diagnostics.includes('latent_sensitivity')) this.sensitivity = { image: 0, imagePairs: 0, question: 0, questionPairs: 0 };
  }

  async add(session: Session, batch: Example[]): Promise<void> {
    if (this.swap) addInto(this.swap, await latentSwap(session, batch));
    if (this.diversity) addInto(this.diversity, await latentDiversity(session, batch));
    if (this.sensitivity) addInto(this.sensitivity, await latentSensitivity(session, batch));
  }

  /** Writes the asked-for probes into the eval record's diagnostics. */
  writeInto(d: EvalDiagnostics): void {
    if (this.swap) d.latent_swap = { followed: ratio(this.swap.followed, this.swap.differing), pairs: this.swap.differing };
    const v = this.diversity;
    if (v) d.latent_diversity = { across_examples: ratio(v.acrossExamples, v.examplePairs), across_positions: ratio(v.acrossPositions, v.positionPairs) };
    const s = this.sensitivity;
    if (s) d.latent_sensitivity = { image: ratio(s.image, s.imagePairs), question: ratio(s.question, s.questionPairs), image_pairs: s.imagePairs, question_pairs: s.questionPairs };
  }
}

function addInto<T extends object>(sum: T, part: T): void {
  const target = sum as Record<string, number>;
  for (const [k, v] of Object.entries(part as Record<string, number>)) target[k] += v;
}
