// The schema itself: documented, closed, and able to express every ablation of DESIGN.md §1.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { applyOverrides, experimentSchema, loadExperiment, type JsonSchema } from '../../src/core/validator';

const ROOT = path.resolve(__dirname, '../../..');

function eachProperty(schema: JsonSchema, at: string, visit: (s: JsonSchema, at: string) => void): void {
  for (const [key, child] of Object.entries(schema.properties ?? {})) {
    visit(child, `${at}${key}`);
    eachProperty(child, `${at}${key}.`, visit);
    if (child.items) eachProperty(child.items, `${at}${key}[].`, visit);
  }
}

describe('experiment schema', () => {
  it('is draft-07', () => {
    assert.equal((experimentSchema as { $schema?: string }).$schema, 'http://json-schema.org/draft-07/schema#');
  });

  it('documents every property and forbids unknown keys in every mapping', () => {
    const undocumented: string[] = [], open: string[] = [];
    eachProperty(experimentSchema, '', (s, at) => {
      if (!s.markdownDescription) undocumented.push(at);
      if (s.properties && s.additionalProperties !== false) open.push(at);
      if (s.items?.properties && s.items.additionalProperties !== false) open.push(`${at}[]`);
    });
    assert.deepEqual(undocumented, []);
    assert.deepEqual(open, []);
    assert.equal(experimentSchema.additionalProperties, false);
  });

  // DESIGN.md §1, last row: every ablation is one switch on an example.
  const ablations: [string, string, Record<string, unknown>][] = [
    ['LIVR mask variant', 'livr', { 'method.livr.mask': 'answer_prompt_latent_to_prompt' }],
    ['LIVR S1/S2 split', 'livr', { 'method.livr.stage1_epochs': 0, 'method.livr.stage2_epochs': 3 }],
    ['LIVR K', 'livr', { 'latents.count': 32 }],
    ['LIVR shared latents', 'livr', { 'latents.embedding': 'shared' }],
    ['LIVR latents only', 'livr', { 'method.livr.control': 'latents_only' }],
    ['LIVR mask only', 'livr', { 'method.livr.control': 'mask_only', 'latents.count': 0 }],
    ['LIVR prompt tuning', 'livr', { 'method.livr.control': 'prompt_tuning' }],
    ['LIVR image twice', 'livr', { 'method.livr.image_twice': true }],
    ['LIVR eval without latents / under the mask', 'livr', { 'eval.diagnostics': ['drop_latents', 'bottleneck_mask'] }],
    ['CrystaL corruption type', 'crystal', { 'method.crystal.corruption.modes': ['jigsaw'] }],
    ['CrystaL which losses', 'crystal', { 'method.crystal.weights.kl': 0, 'method.crystal.weights.attention': 0 }],
    ['CrystaL alignment target', 'crystal', { 'method.crystal.alignment_target': 'answer_to_all' }],
    ['CrystaL distance', 'crystal', { 'method.crystal.distance': 'kl' }],
    ['CrystaL identical latents', 'crystal', { 'latents.embedding': 'shared' }],
    ['VaLR without alignment', 'valr', { 'method.valr.repa.enabled': false }],
    ['VaLR encoder choice', 'valr', { 'method.valr.repa.encoders': [{ kind: 'edge_orientation' }] }],
    ['VaLR alignment layer', 'valr', { 'method.valr.repa.layer': 'front' }],
    ['VaLR test-time scaling', 'valr', { 'method.valr.test_time_steps': [0, 1, 2, 4, 8, 16, 32] }],
  ];
  for (const [what, example, overrides] of ablations) {
    it(`expresses: ${what}`, () => {
      const config = applyOverrides(loadExperiment(path.join(ROOT, `examples/${example}.experiment.yaml`)), overrides);
      for (const [field, value] of Object.entries(overrides)) {
        const got = field.split('.').reduce<unknown>((node, k) => (node as Record<string, unknown>)[k], config);
        assert.deepEqual(got, value, field);
      }
    });
  }
});
