// Pretraining's filler latents (method.sft.filler_latents) and the vision probe's rule:
// each example gets its own k ∈ [0, N] latent rows, fixed by its id; a base's latent rows
// fill a fine-tune's first K; a probe task must be one the run trains.
import * as assert from 'node:assert/strict';
import { validateExperimentText } from '../../src/core/validator';
import { selectBackend, tf } from '../../src/engine/backend';
import { methodLayout } from '../../src/engine/session';
import { SEGMENT } from '../../src/engine/model/segments';
import { encodeExamples } from '../../src/engine/model/sequence';
import { loadWeights } from '../../src/engine/model/weights';
import { examples, T, tokenizer } from './modelFixtures';
import { memoryHost, only } from './validatorHelpers';

const FILE = '/exp/test.experiment.yaml';
const check = (text: string) => validateExperimentText(text, FILE, memoryHost({ [FILE]: text }));

describe('filler latents and the vision probe rule', () => {
  before(async () => { await selectBackend('wasm', { threads: 1 }); });

  it('gives each example k ∈ [0, N] latent rows after its prompt, the same k every time', () => {
    const { config } = check('name: x\nkind: pretrain\nlatents: {count: 0}\nmethod:\n  kind: sft\n  sft: {filler_latents: 6}\n');
    assert.ok(config);
    const latent = methodLayout(config);
    assert.equal(latent.latentCount, 6);
    const batch = examples(24);
    const enc = encodeExamples(batch, tokenizer, { T: T + 6, patchSize: 4, ...latent });
    const counts = batch.map((_, b) => Array.from(enc.segments.subarray(b * enc.T, (b + 1) * enc.T)).filter((s) => s === SEGMENT.latent).length);
    assert.deepEqual(counts, batch.map((ex) => latent.latentCountOf!(ex)));
    for (const k of counts) assert.ok(k >= 0 && k <= 6);
    assert.ok(new Set(counts).size > 2, `k varies across examples (${counts})`);
    const again = encodeExamples(batch, tokenizer, { T: T + 6, patchSize: 4, ...latent });
    assert.deepEqual([...again.segments], [...enc.segments]);
    // No latent row is a prediction target.
    for (let i = 0; i < enc.B * enc.T; i++) if (enc.segments[i] === SEGMENT.latent) assert.equal(enc.lossMask[i], 0);
  });

  it('plain sft has no latents', () => {
    const { config } = check('name: x\nmethod: {kind: sft}\n');
    assert.deepEqual({ ...methodLayout(config!) }, { latentCount: 0, placement: 'after_prompt' });
  });

  it('a base\'s 16 latent rows fill the first K rows of a fine-tune (fewer or more)', () => {
    const base = new Float32Array(16 * 2).map((_, i) => i + 1);
    for (const K of [8, 20]) {
      const v = tf.variable(tf.zeros([K, 2]), true, `latent-${K}`);
      const r = loadWeights(new Map([['decoder.latent_embed', v]]), new Map([['decoder.latent_embed', { shape: [16, 2], data: base }]]), 'base', () => true, true);
      const got = v.dataSync();
      const rows = Math.min(K, 16);
      assert.deepEqual([...got.subarray(0, rows * 2)], [...base.subarray(0, rows * 2)]);
      assert.ok(got.subarray(rows * 2).every((x) => x === 0), 'rows beyond the base keep their init');
      assert.deepEqual(r.resized, K > 16 ? ['decoder.latent_embed rows 16..19'] : []);
      v.dispose();
    }
  });

  it('a vision-probe task the run does not train is an error at its list entry', () => {
    const text = 'name: x\nkind: pretrain\ndata:\n  tasks:\n    - {name: colour}\nmethod:\n  kind: sft\n  sft:\n    vision_probe: {weight: 1, tasks: [colour, shape]}\n';
    const p = only(check(text).problems, 'semantic.vision-probe-task');
    assert.equal(p.severity, 'error');
    assert.equal(p.path, 'method.sft.vision_probe.tasks.1');
    assert.match(p.message, /shape is not one of data.tasks \(colour\)/);
    assert.deepEqual(check(text.replace(', shape]', ']')).problems.filter((q) => q.code === 'semantic.vision-probe-task'), []);
  });
});
