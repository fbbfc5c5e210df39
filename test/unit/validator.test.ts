// The validator on valid files and on each kind of mistake: message and exact range.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { validateExperimentFile, validateExperimentText } from '../../src/core/validator';
import { memoryHost, only, rangeOf } from './validatorHelpers';

const ROOT = path.resolve(__dirname, '../../..');
const FILE = '/exp/test.experiment.yaml';
const check = (text: string, files: Record<string, string> = {}) => validateExperimentText(text, FILE, memoryHost({ [FILE]: text, ...files }));

describe('validator: valid files', () => {
  const examples = fs.readdirSync(path.join(ROOT, 'examples')).filter((f) => f.endsWith('.experiment.yaml'));

  it('finds the six examples', () => {
    for (const name of ['sft', 'livr', 'crystal', 'valr', 'pretrain', 'livr-latents-only']) assert.ok(examples.includes(`${name}.experiment.yaml`), name);
  });

  for (const name of examples) {
    it(`examples/${name} has zero problems`, () => {
      const result = validateExperimentFile(path.join(ROOT, 'examples', name));
      assert.deepEqual(result.problems.map((p) => `${p.code}: ${p.message}`), []);
      assert.ok(result.config);
    });
  }

  it('fills every default when whole blocks are omitted', () => {
    const { config, problems } = check('name: tiny\n');
    assert.deepEqual(problems, []);
    assert.ok(config);
    assert.deepEqual(config.model, {
      patch_size: 4, pixel_norm: 'center', stem_channels: 0, init: 'gpt2', patch_init_std: 0.02, vision_pos_init_std: 0.02, d_vision: 64, vision_layers: 2, vision_heads: 4, d_model: 64, layers: 3, heads: 4, mlp_ratio: 4,
      finetune: { mode: 'full', lora: { rank: 8, alpha: 16, targets: ['attn_q', 'attn_k', 'attn_v', 'attn_o', 'mlp_in', 'mlp_out'] }, freeze_vision: false, freeze_projector: false },
    });
    assert.deepEqual(config.data.tasks, [{ name: 'counting', train: 2000, val: 200, test: 200 }]);
    assert.deepEqual(config.method.crystal.weights, { ce_intact: 1, ce_corrupted: 1, kl: 0.5, attention: 0.5 });
    // The papers' defaults: CrystaL Table 5 (blur) and Table 4 (KL), VaLR's external encoder, LIVR Table 6a/6c.
    assert.deepEqual(config.method.crystal.corruption, { modes: ['blur'], intensity: [0.3, 0.7] });
    assert.equal(config.method.crystal.distance, 'kl');
    assert.deepEqual(config.method.valr.repa.encoders, [{ kind: 'color_stats' }]);
    assert.equal(config.method.livr.mask, 'answer_and_prompt');
    assert.deepEqual([config.method.livr.stage1_epochs, config.method.livr.stage2_epochs], [4, 6]);
    assert.deepEqual(config.method.valr.test_time_steps, [0, 2, 4, 8]);
    assert.deepEqual(config.eval.capture, { examples: 4, layers: 'all' });
    assert.deepEqual(config.runtime, { backend: 'auto', threads: 0, native_kernels: 'auto' });
    assert.equal(config.latents.count, 16);
    assert.equal(config.train.optimizer.lr, 0.001);
    assert.equal(config.sweep, undefined);
  });

  it('fills defaults beside the keys written in a block', () => {
    const { config } = check('name: tiny\nmodel:\n  layers: 2\n  finetune:\n    mode: lora\n    lora: {rank: 4}\n');
    assert.equal(config?.model.layers, 2);
    assert.equal(config?.model.heads, 4);
    assert.deepEqual(config?.model.finetune.lora, { rank: 4, alpha: 16, targets: ['attn_q', 'attn_k', 'attn_v', 'attn_o', 'mlp_in', 'mlp_out'] });
    assert.equal(config?.data.image_size, 32);
  });

  it('makes paths absolute, relative to the experiment file', () => {
    const text = 'name: j\nmodel:\n  init_from: ckpt\ndata:\n  source: jsonl\n  jsonl:\n    train: data/train.jsonl\n    image_root: ../images\n';
    // '/package.json' makes '/' the workspace (core/validate/confine.ts), so ../images is inside it.
    const { config, problems } = check(text, { '/package.json': '{}', '/exp/ckpt/checkpoint.json': '{}', '/exp/data/train.jsonl': '', '/images/a.png': '' });
    assert.deepEqual(problems, []);
    assert.equal(config?.model.init_from, '/exp/ckpt');
    assert.equal(config?.data.jsonl?.train, '/exp/data/train.jsonl');
    assert.equal(config?.data.jsonl?.image_root, '/images');
    assert.equal(config?.output.runs_dir, '/exp/runs');
  });
});

describe('validator: schema mistakes', () => {
  it('unknown key: nearest valid key as a fix, range on the key', () => {
    const p = only(check('name: x\nmodel:\n  hedas: 4\n').problems, 'schema.unknown-key');
    assert.match(p.message, /unknown key `hedas` in `model`: did you mean `heads`\?/);
    assert.deepEqual(rangeOf(p), [2, 2, 2, 7]);
    assert.deepEqual(p.fixes?.map((f) => f.newText), ['heads']);
    assert.equal(p.file, FILE);
    assert.equal(p.path, 'model.hedas');
  });

  it('unknown top-level key', () => {
    const p = only(check('name: x\nlatent:\n  count: 4\n').problems, 'schema.unknown-key');
    assert.match(p.message, /unknown key `latent` at the top level: did you mean `latents`\?/);
    assert.deepEqual(rangeOf(p), [1, 0, 1, 6]);
  });

  it('enum value: nearest valid value as a fix, range on the value', () => {
    const p = only(check('name: x\nmethod:\n  kind: livx\n').problems, 'schema.enum');
    assert.match(p.message, /`method.kind` must be one of sft, livr, crystal, valr \(got 'livx'\)/);
    assert.deepEqual(rangeOf(p), [2, 8, 2, 12]);
    assert.deepEqual(p.fixes?.map((f) => f.newText), ['livr']);
  });

  it('enum inside a list item', () => {
    const p = only(check('name: x\ndata:\n  tasks:\n    - {name: countng, train: 10}\n').problems, 'schema.enum');
    assert.equal(p.path, 'data.tasks.0.name');
    assert.deepEqual(rangeOf(p), [3, 13, 3, 20]);
    assert.deepEqual(p.fixes?.map((f) => f.newText), ['counting']);
  });

  it('out-of-range number: nearest bound as a fix', () => {
    const p = only(check('name: x\nmodel:\n  heads: 0\n').problems, 'schema.range');
    assert.match(p.message, /`model.heads` must be ≥ 1 \(got 0\): set it to 1 or more/);
    assert.deepEqual(rangeOf(p), [2, 9, 2, 10]);
    assert.deepEqual(p.fixes?.map((f) => f.newText), ['1']);
  });

  it('above the maximum', () => {
    const p = only(check('name: x\nmethod:\n  crystal:\n    corruption:\n      intensity: [0.2, 1.5]\n').problems, 'schema.range');
    assert.match(p.message, /`method.crystal.corruption.intensity.1` must be ≤ 1 \(got 1.5\)/);
    assert.deepEqual(rangeOf(p), [4, 23, 4, 26]);
    assert.deepEqual(p.fixes?.map((f) => f.newText), ['1']);
  });

  it('wrong type', () => {
    const p = only(check('name: x\nmodel:\n  layers: three\n').problems, 'schema.type');
    assert.match(p.message, /`model.layers` must be a whole number \(got 'three'\)/);
    assert.deepEqual(rangeOf(p), [2, 10, 2, 15]);
  });

  it('missing required key: range on the enclosing item', () => {
    const p = only(check('name: x\ndata:\n  tasks:\n    - train: 10\n').problems, 'schema.required');
    assert.match(p.message, /`data.tasks.0` needs `name`/);
    assert.deepEqual(rangeOf(p), [3, 6, 3, 15]);
  });

  it('missing name: range on the first line', () => {
    const p = only(check('seed: 3\nmodel:\n  layers: 2\n').problems, 'schema.required');
    assert.match(p.message, /the experiment needs `name`/);
    assert.deepEqual(rangeOf(p), [0, 0, 0, 4]);
  });

  it('a value that is neither an allowed word nor a layer index', () => {
    const p = only(check('name: x\nmethod:\n  valr:\n    repa:\n      layer: mid\n').problems, 'schema.value');
    assert.match(p.message, /`method.valr.repa.layer` must be one of front, middle, last, or a whole number/);
    assert.deepEqual(rangeOf(p), [4, 13, 4, 16]);
    assert.deepEqual(p.fixes?.map((f) => f.newText), ['middle']);
  });

  it('a list of layers reports the bad item, not the alternatives', () => {
    const p = only(check('name: x\nmethod:\n  crystal:\n    alignment_layers: [0, -1]\n').problems, 'schema.range');
    assert.equal(p.path, 'method.crystal.alignment_layers.1');
    assert.deepEqual(rangeOf(p), [3, 26, 3, 28]);
  });

  it('duplicate list items', () => {
    const p = only(check('name: x\nmethod:\n  crystal:\n    corruption:\n      modes: [blur, noise, blur]\n').problems, 'schema.unique');
    assert.match(p.message, /lists 'blur' twice/);
    assert.deepEqual(rangeOf(p), [4, 27, 4, 31]);
  });
});
