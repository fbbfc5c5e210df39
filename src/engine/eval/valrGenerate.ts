// VaLR greedy generation and its exact-match evaluation.
//
// The engine writes the prompt; the model then generates greedily, one token per
// call of model/generate.ts (a KV cache: the image prefix runs once, then only
// the new positions):
//   - when the model emits <latent> (and the row has fewer than valr.max_steps
//     blocks), the engine writes <latent>, K' latent positions and </latent>;
//     with feedback: embedding the latents take latent_embed rows (the first K')
//     at once; with hidden_state each latent is filled by one more pass with the
//     previous position's last-layer hidden state (model/continuousFeedback.ts);
//   - after max_steps blocks (or with K' = null, plain CoT) <latent> is never chosen;
//   - a row ends at <eos> or when the sequence is full.
// The evaluated answer is the text after the last <sep> the model wrote (or after
// the last latent block when it wrote none), up to <eos>; exact match on token ids
// against the encoded answer.
import type { EvalMetrics } from '../../core/events';
import type { Example } from '../data/example';
import { startDecoding } from '../model/generate';
import { withMaxSteps } from '../model/interleaved';
import { SEGMENT } from '../model/segments';
import { encodeExamples, SPECIAL } from '../model/sequence';
import type { Session } from '../session';
import { evalRecord, examplesToScore, Tally } from './scoring';
import { betweenBatches } from './interrupt';

export interface GenerateOptions {
  latentsPerStep: number | null;   // K' per block; null: plain CoT (no blocks)
  maxSteps: number;
  feedback: 'embedding' | 'hidden_state';
}

export interface Generation {
  correct: boolean;
  tokens: number[];      // what the model chose (not the latents the engine wrote)
  answer: number[];
  length: number;        // positions generated after the prompt: tokens, latent blocks and their <latent>/</latent>
}

/** Greedy generation for a batch of examples (every tensor freed before return). */
export async function generateBatch(session: Session, examples: Example[], o: GenerateOptions): Promise<Generation[]> {
  const { tokenizer, model } = session;
  const T = session.layout.T;
  const enc = encodeExamples(withMaxSteps(examples, o.maxSteps), tokenizer, {
    T, patchSize: session.layout.patchSize, latentCount: 0, placement: 'after_prompt', rationale: true, includeAnswer: false,   // prefix ends at the prompt: the model writes the rest
  });
  const { B } = enc;
  const d = model.shape.d;
  const ids = Int32Array.from(enc.tokenIds);
  const segs = Int32Array.from(enc.segments);
  const cursor = Array.from(enc.length);            // next position to write
  const blocks = new Array<number>(B).fill(0);
  const pending = new Array<number>(B).fill(0);     // hidden_state latents still to fill in the open block
  const done = new Array<boolean>(B).fill(false);
  const tokens: number[][] = examples.map(() => []);
  const answer: number[][] = examples.map(() => []);
  const latentInput = o.feedback === 'hidden_state' ? new Float32Array(B * T * d) : null;
  const K = o.latentsPerStep;
  const write = (b: number, id: number, seg: number) => {
    if (cursor[b] >= T) { done[b] = true; return; }
    ids[b * T + cursor[b]] = id;
    segs[b * T + cursor[b]] = seg;
    cursor[b] += 1;
  };
  const decoding = startDecoding(model, enc, latentInput !== null);   // KV cache: model/generate.ts
  try {
    while (done.some((x) => !x)) {
      const { logits, hidden } = await decoding.read(ids, segs, cursor, done, latentInput); // [B·V], [B·d] at each row's cursor − 1
      const V = logits.length / B;
      for (let b = 0; b < B; b++) {
        if (done[b]) continue;
        if (pending[b] > 0 && latentInput && hidden) {          // fill one fed-back latent
          latentInput.set(hidden.subarray(b * d, (b + 1) * d), (b * T + cursor[b]) * d);
          write(b, SPECIAL.lat, SEGMENT.latent);
          pending[b] -= 1;
          if (pending[b] === 0) write(b, SPECIAL.latEnd, SEGMENT.answer);
          continue;
        }
        const allowLatent = K !== null && blocks[b] < o.maxSteps;
        const id = argmax(logits.subarray(b * V, (b + 1) * V), allowLatent ? -1 : SPECIAL.latStart);
        tokens[b].push(id);
        if (id === SPECIAL.eos) { done[b] = true; continue; }
        if (id === SPECIAL.latStart && K !== null) {
          blocks[b] += 1;
          answer[b] = [];
          write(b, SPECIAL.latStart, SEGMENT.answer);
          if (latentInput) pending[b] = K;
          else for (let k = 0; k < K; k++) write(b, SPECIAL.lat, SEGMENT.latent);
          if (!latentInput || K === 0) write(b, SPECIAL.latEnd, SEGMENT.answer);
          continue;
        }
        if (id === SPECIAL.sep) answer[b] = [];
        else answer[b].push(id);
        write(b, id, SEGMENT.answer);
      }
    }
  } finally {
    decoding.dispose();   // the KV cache, also when a read throws
  }
  return examples.map((ex, b) => {
    const want = tokenizer.encode(ex.answer);
    const got = answer[b];
    const ended = tokens[b][tokens[b].length - 1] === SPECIAL.eos;
    return { correct: ended && got.length === want.length && got.every((x, i) => x === want[i]), tokens: tokens[b], answer: got, length: cursor[b] - enc.length[b] };
  });
}

function argmax(row: Float32Array, skip: number): number {
  let best = -1;
  for (let i = 0; i < row.length; i++) if (i !== skip && (best < 0 || row[i] > row[best])) best = i;
  return best;
}

/** Exact-match accuracy per task of greedy generation with K' latents per step; `shouldStop` as in evaluate (evaluate.ts). */
export async function evaluateValr(session: Session, split: 'val' | 'test', step: number, maxExamples: number, latentsPerStep: number | null,
  shouldStop?: () => boolean): Promise<EvalMetrics> {
  const maxSteps = session.config.method.valr.max_steps;
  return (await scoreGeneration(session, split, step, maxExamples, { latentsPerStep, maxSteps, feedback: session.config.latents.feedback }, shouldStop)).record;
}

/** The eval record of greedy generation under `o`, and the mean generated length (Generation.length) over the examples. */
export async function scoreGeneration(session: Session, split: 'val' | 'test', step: number, maxExamples: number, o: GenerateOptions,
  shouldStop?: () => boolean): Promise<{ record: EvalMetrics; meanLength: number }> {
  const examples = examplesToScore(session.splits[split], split, maxExamples);
  const tally = new Tally();
  const B = session.config.train.batch_size;
  let length = 0;
  for (let start = 0; start < examples.length; start += B) {
    await betweenBatches(shouldStop);
    const chunk = examples.slice(start, start + B);
    const gen = await generateBatch(session, chunk, o);
    tally.add(chunk, gen.map((g) => g.correct));
    for (const g of gen) length += g.length;
  }
  return { record: evalRecord(step, split, examples, tally, {}), meanLength: length / examples.length };
}

/** K' the engine uses by default: the configured K once stage 2 exists, else plain CoT. */
export function defaultLatentsPerStep(session: Session): number | null {
  return session.config.method.valr.stage2_epochs > 0 ? session.config.latents.count : null;
}
