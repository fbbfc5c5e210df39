// Pretraining's rationales (method.sft.rationales, issue 16 item 2): a share of the
// examples writes its reasoning steps before the answer, half of those in VaLR's exact
// interleaved layout; the rest keep the plain layout; the choice is fixed per example.
import * as assert from 'node:assert/strict';
import type { SftRationales } from '../../src/core/experiment';
import { validateExperimentText } from '../../src/core/validator';
import { encodeValr, interleavedLayout, cotLayout, withoutLatentPredictions } from '../../src/engine/model/interleaved';
import { SEGMENT } from '../../src/engine/model/segments';
import { encodeExamples, SPECIAL } from '../../src/engine/model/sequence';
import { methodEntry } from '../../src/engine/methods';
import { balanceRationaleWeights, rationaleFormOf } from '../../src/engine/methods/sftRationales';
import type { Example } from '../../src/engine/data/example';
import { examples, T, tokenizer } from './modelFixtures';
import { memoryHost } from './validatorHelpers';

const FILE = '/exp/test.experiment.yaml';
const check = (text: string) => validateExperimentText(text, FILE, memoryHost({ [FILE]: text }));
const R: SftRationales = { share: 0.5, latents_per_step: 3, max_steps: 4 };
const TT = T + 4 * (3 + 2);
const row = (a: Int32Array | Float32Array, b: number, len: number) => Array.from(a.subarray(b * len, (b + 1) * len));

function withSteps(): Example[] {
  return examples(64).map((e, i) => ({ ...e, id: `r${i}`, rationale: ['count the red dots', 'there are two'].slice(0, 1 + (i % 2)) }));
}

describe('pretraining rationales (method.sft.rationales)', () => {
  it('a share of the examples writes its rationale, half of those in VaLR blocks of k ≤ latents_per_step; fixed per example', () => {
    const batch = withSteps();
    const formOf = rationaleFormOf(R)!;
    const forms = batch.map(formOf);
    const cot = forms.filter((f) => f?.kind === 'cot').length;
    const inter = forms.filter((f) => f?.kind === 'interleaved');
    assert.ok(cot >= 8 && inter.length >= 8 && cot + inter.length <= 48 && cot + inter.length >= 16, `cot ${cot}, interleaved ${inter.length} of 64`);
    const ks = inter.map((f) => (f as { latentsPerStep: number }).latentsPerStep);
    for (const k of ks) assert.ok(k >= 0 && k <= 3);
    assert.ok(new Set(ks).size > 1, `k varies (${ks})`);
    assert.deepEqual(batch.map(formOf), forms, 'the same forms a second time');
    assert.equal(rationaleFormOf({ ...R, share: 0 }), undefined);
    assert.ok(batch.map(rationaleFormOf({ ...R, latents_per_step: 0 })!).every((f) => f === undefined || f.kind === 'cot'));
  });

  it('each form encodes exactly as the layout it imitates: plain SFT, VaLR stage 1 (CoT), VaLR stage 2 (blocks)', () => {
    const batch = withSteps();
    const formOf = rationaleFormOf(R)!;
    const base = { T: TT, patchSize: 4, latentCount: 0, placement: 'after_prompt' as const };
    const enc = withoutLatentPredictions(encodeExamples(batch, tokenizer, { ...base, rationaleOf: formOf }));
    const seen = new Set<string>();
    batch.forEach((ex, b) => {
      const form = formOf(ex);
      const alone = form === undefined ? encodeExamples([ex], tokenizer, base)
        : form.kind === 'cot' ? encodeValr([ex], tokenizer, cotLayout(TT, 4), 4)
        : encodeValr([ex], tokenizer, interleavedLayout(TT, 4, form.latentsPerStep), 4);
      seen.add(form?.kind ?? 'direct');
      assert.deepEqual(row(enc.tokenIds, b, TT), row(alone.tokenIds, 0, TT), `${ex.id} (${JSON.stringify(form)}) tokens`);
      assert.deepEqual(row(enc.lossMask, b, TT), row(alone.lossMask, 0, TT), `${ex.id} loss mask`);
      const toks = row(enc.tokenIds, b, TT), mask = row(enc.lossMask, b, TT), segs = row(enc.segments, b, TT);
      if (form) {
        // The rationale's words are trained (predicted before <sep>), the answer after it.
        const sep = toks.lastIndexOf(SPECIAL.sep);
        assert.ok(mask.slice(enc.answerStart[b] - 1, sep).some((m) => m === 1), `${ex.id}: rationale trained`);
      }
      if (form?.kind === 'interleaved') {
        assert.equal(toks.filter((t) => t === SPECIAL.latStart).length, ex.rationale.length);
        assert.equal(segs.filter((s) => s === SEGMENT.latent).length, ex.rationale.length * form.latentsPerStep);
      }
      segs.forEach((s, t) => { if (s === SEGMENT.latent) assert.equal(mask[t], 0, `${ex.id}: no loss at latent ${t}`); });
    });
    assert.deepEqual([...seen].sort(), ['cot', 'direct', 'interleaved']);
    // Balanced, every example weighs what its direct form does: its answer tokens and <eos>.
    balanceRationaleWeights(enc, batch, formOf);
    const direct = encodeExamples(batch, tokenizer, base);
    batch.forEach((ex, b) => {
      const sum = (m: Float32Array) => row(m, b, TT).reduce((x, y) => x + y, 0);
      assert.ok(Math.abs(sum(enc.lossMask) - sum(direct.lossMask)) < 1e-5, `${ex.id}: ${sum(enc.lossMask)} vs ${sum(direct.lossMask)}`);
    });
  });

  it('the validator fills the defaults, bounds the share, and T makes room for max_steps VaLR blocks', () => {
    const plain = check('name: x\nkind: pretrain\nmethod:\n  kind: sft\n').config!;
    assert.deepEqual(plain.method.sft.rationales, { share: 0, latents_per_step: 0, max_steps: 4 });
    const on = check('name: x\nkind: pretrain\nmethod:\n  kind: sft\n  sft:\n    rationales: {share: 0.25, latents_per_step: 4, max_steps: 3}\n').config!;
    const T0 = methodEntry(plain).sequenceLength(plain, 64, methodEntry(plain).layout(plain));
    assert.equal(methodEntry(on).sequenceLength(on, 64, methodEntry(on).layout(on)), T0 + 3 * (4 + 2));
    const bad = check('name: x\nmethod:\n  kind: sft\n  sft:\n    rationales: {share: 1.5}\n').problems;
    assert.ok(bad.some((p) => p.severity === 'error' && p.path === 'method.sft.rationales.share'), JSON.stringify(bad.map((p) => [p.path, p.message])));
  });
});
