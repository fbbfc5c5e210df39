// VaLR's interleaved sequence (seeds/002): K latent tokens before every reasoning step.
//
//   <bos> <img>×P prompt… [<latent> <lat>×K </latent> step₁…] … [<latent> <lat>×K </latent> step_S…] <sep> answer… <eos> <pad>…
//
// The token layout itself is sequence.ts's `interleaved` placement; this file adds
// what VaLR needs on top of it:
//   - the rationale is cut to `valr.max_steps` steps,
//   - stage 1 (plain CoT SFT) uses the same text without latent blocks,
//   - no CE at latent positions (a latent's next-token prediction is not trained;
//     `</latent>` after the K-th latent is inserted by the engine, never predicted),
//   - per row, where each latent block is (REPA and continuous feedback key on it).
import type { Example } from '../data/example';
import { SEGMENT } from './segments';
import { encodeExamples, sequenceLength, type EncodedBatch, type SequenceLayout, type TokenizerLike } from './sequence';

/** Examples with their rationale cut to the first `maxSteps` steps. */
export function withMaxSteps(examples: Example[], maxSteps: number): Example[] {
  return examples.map((e) => (e.rationale.length <= maxSteps ? e : { ...e, rationale: e.rationale.slice(0, maxSteps) }));
}

/** Layout of the latent stage with `latentsPerStep` latents per block (0: `<latent></latent>` only). */
export function interleavedLayout(T: number, patchSize: number, latentsPerStep: number): SequenceLayout {
  return { T, patchSize, latentCount: latentsPerStep, placement: 'interleaved' };
}

/** Layout of stage 1: the same rationale steps and answer, no latent blocks. */
export function cotLayout(T: number, patchSize: number): SequenceLayout {
  return { T, patchSize, latentCount: 0, placement: 'after_prompt', rationale: true };
}

/** Sequence length that fits `maxSteps` blocks of up to `maxLatents` latents each, plus the text budget. */
export function valrSequenceLength(patches: number, maxLatents: number, maxSteps: number, maxTextTokens: number): number {
  return sequenceLength({ patches, latentCount: maxLatents, maxTextTokens, interleavedSteps: maxSteps });
}

/** Encodes for VaLR: rationale cut to maxSteps; loss mask cleared at latent positions. */
export function encodeValr(examples: Example[], tok: TokenizerLike, layout: SequenceLayout, maxSteps: number): EncodedBatch {
  return withoutLatentPredictions(encodeExamples(withMaxSteps(examples, maxSteps), tok, layout));
}

/** Clears the loss at latent positions: a latent's next token (another <lat>, or the engine's </latent>) is not trained. */
export function withoutLatentPredictions(enc: EncodedBatch): EncodedBatch {
  for (let i = 0; i < enc.B * enc.T; i++) if (enc.segments[i] === SEGMENT.latent) enc.lossMask[i] = 0;
  return enc;
}

/** Per row, the latent blocks in order, each as its K positions: blocks[b][s] = [t₀, …, t_{K−1}]. */
export function latentBlocks(segments: Int32Array, B: number, T: number): number[][][] {
  const out: number[][][] = [];
  for (let b = 0; b < B; b++) {
    const rows: number[][] = [];
    for (let t = 0; t < T; t++) {
      if (segments[b * T + t] !== SEGMENT.latent) continue;
      if (t === 0 || segments[b * T + t - 1] !== SEGMENT.latent) rows.push([]);
      rows[rows.length - 1].push(t);
    }
    out.push(rows);
  }
  return out;
}
