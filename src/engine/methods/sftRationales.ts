// Pretraining's rationales (method.sft.rationales): a share of the training examples
// writes its reasoning steps before `<sep>` and the answer, as VaLR's stage 1 does, and
// half of those (when latents_per_step > 0) in VaLR's interleaved layout, so the base has
// produced rationale text and VaLR's `<latent>`/`</latent>` before any VaLR fine-tune.
// Which examples, which form and how many latents are fixed per example (hashes of its
// id), so a resumed or repeated run sees the same layout. Evaluation asks for the answer
// directly: only training batches use these forms.
import type { SftRationales } from '../../core/experiment';
import type { Example } from '../data/example';
import { hashString } from '../data/rng';
import { answerSpan, type EncodedBatch, type RationaleForm } from '../model/sequence';

const UINT32 = 2 ** 32;

/** The form `ex` writes its rationale in, or undefined (answers directly); undefined when share is 0. */
export function rationaleFormOf(r: SftRationales): ((ex: Example) => RationaleForm | undefined) | undefined {
  if (r.share <= 0) return undefined;
  return (ex) => {
    if (hashString(`${ex.id}/rationale`) / UINT32 >= r.share || ex.rationale.length === 0) return undefined;
    const h = hashString(`${ex.id}/rationale-form`);
    if (r.latents_per_step === 0 || h % 2 === 0) return { kind: 'cot' };
    return { kind: 'interleaved', latentsPerStep: (h >>> 1) % (r.latents_per_step + 1) };
  };
}

/** Sequence positions a rationale example may use beyond the text budget: max_steps blocks of <latent> <lat>×k </latent>. */
export function rationaleLatentPositions(r: SftRationales): number {
  return r.share > 0 && r.latents_per_step > 0 ? r.max_steps * (r.latents_per_step + 2) : 0;
}

/**
 * Each rationale example weighs in the answer CE what its direct form would: its weights
 * are scaled to sum to its answer's positions (the predictions from its last <sep> on:
 * answer tokens and <eos>). Unscaled, the quarter of examples that write a rationale held
 * about 80% of the weighted positions, and the direct answers the base is evaluated on lost
 * (measured: position 95.5% → 66%, counting 49% → 36.5% after 1,000 steps; docs/pretraining.md).
 */
export function balanceRationaleWeights(enc: EncodedBatch, examples: Example[], formOf: (ex: Example) => RationaleForm | undefined): void {
  const { T } = enc;
  examples.forEach((ex, b) => {
    if (!formOf(ex)) return;
    const from = answerSpan(enc, b)?.first ?? 0;
    let total = 0, answer = 0;
    for (let t = 0; t < T; t++) {
      const w = enc.lossMask[b * T + t];
      total += w;
      if (t >= from && w > 0) answer++;
    }
    const scale = total > 0 ? answer / total : 0;
    for (let t = 0; t < T; t++) enc.lossMask[b * T + t] *= scale;
  });
}
