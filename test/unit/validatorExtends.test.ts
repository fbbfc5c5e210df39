// `extends`: deep merge of mappings, lists replace, problems in the file that has them, cycles named.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { validateExperimentFile, validateExperimentText } from '../../src/core/validator';
import { memoryHost, only, rangeOf } from './validatorHelpers';

const ROOT = path.resolve(__dirname, '../../..');
const FIXTURES = path.join(ROOT, 'test/fixtures/validator');

const BASE = '/exp/base.experiment.yaml';
const VARIANT = '/exp/variant.experiment.yaml';
const baseText = [
  'name: base',
  'model:',
  '  layers: 4',
  '  heads: 8',
  'data:',
  '  tasks:',
  '    - {name: counting, train: 100}',
  '    - {name: localization, train: 100}',
  'method:',
  '  kind: livr',
  '  livr: {stage1_epochs: 1, stage2_epochs: 2}',
  '',
].join('\n');
const variant = (text: string, extra: Record<string, string> = {}) =>
  validateExperimentText(text, VARIANT, memoryHost({ [BASE]: baseText, [VARIANT]: text, ...extra }));

describe('validator: extends', () => {
  it('mappings merge deeply, lists replace, and `extends` is not in the result', () => {
    const { config, problems, files } = variant('extends: base.experiment.yaml\nname: v\nmodel:\n  layers: 2\ndata:\n  tasks:\n    - {name: jigsaw}\nmethod:\n  livr: {control: latents_only}\n');
    assert.deepEqual(problems, []);
    assert.deepEqual(files, [VARIANT, BASE]);
    assert.equal(config?.name, 'v');
    assert.equal(config?.model.layers, 2);
    assert.equal(config?.model.heads, 8);
    assert.deepEqual(config?.data.tasks, [{ name: 'jigsaw', train: 2000, val: 200, test: 200 }]);
    assert.deepEqual([config?.method.kind, config?.method.livr.stage1_epochs, config?.method.livr.control], ['livr', 1, 'latents_only']);
    assert.equal((config as unknown as Record<string, unknown>).extends, undefined);
  });

  it('the example variant inherits from livr.experiment.yaml', () => {
    const { config, files } = validateExperimentFile(path.join(ROOT, 'examples/livr-latents-only.experiment.yaml'));
    assert.equal(files[1], path.join(ROOT, 'examples/livr.experiment.yaml'));
    assert.deepEqual([config?.name, config?.method.kind, config?.method.livr.control], ['livr-latents-only', 'livr', 'latents_only']);
  });

  it('null in a variant removes the base value (model.init_from: null trains from scratch)', () => {
    const { config, problems } = validateExperimentFile(path.join(ROOT, 'examples/evidence/heldout-base.experiment.yaml'));
    assert.deepEqual(problems, []);
    assert.ok(config?.model.init_from, 'the base file starts from the shipped base');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'll-null-'));
    const file = path.join(dir, 'v.experiment.yaml');
    fs.writeFileSync(file, `extends: ${path.join(ROOT, 'examples/evidence/heldout-base.experiment.yaml')}\nname: v\nmodel:\n  init_from: null\n`);
    // The temp variant's base is in the repository, outside its workspace: allowed explicitly (core/validate/confine.ts).
    process.env.LATENT_LAB_ALLOW_PATHS = path.join(ROOT, 'examples');
    let v;
    try { v = validateExperimentFile(file); } finally { delete process.env.LATENT_LAB_ALLOW_PATHS; }
    assert.deepEqual(v.problems, []);
    assert.equal(v.config?.model.init_from, undefined);
    assert.equal(v.config?.model.patch_init_std, 0.15, 'the rest of the base model block is kept');
  });

  it('a problem with a value written in the base is reported in the base file', () => {
    const { problems } = variant('extends: base.experiment.yaml\nname: v\nmodel:\n  d_model: 60\n');
    const p = only(problems, 'semantic.heads');
    assert.equal(p.file, BASE);
    assert.deepEqual(rangeOf(p), [3, 9, 3, 10]);   // heads: 8, written in the base
  });

  it('an item of a list the variant replaced is reported in the variant', () => {
    const { problems } = variant('extends: base.experiment.yaml\nname: v\ndata:\n  tasks:\n    - {name: countin}\n');
    const p = only(problems, 'schema.enum');
    assert.equal(p.file, VARIANT);
    assert.deepEqual(rangeOf(p), [4, 13, 4, 20]);
  });

  it('errors inside a base file carry its path; the variant points at its extends', () => {
    const file = path.join(FIXTURES, 'broken-variant.experiment.yaml');
    const base = path.join(FIXTURES, 'base/broken.experiment.yaml');
    const { problems, config } = validateExperimentFile(file);
    assert.equal(config, undefined);
    const inBase = only(problems, 'schema.unknown-key');
    assert.equal(inBase.file, base);
    assert.deepEqual(rangeOf(inBase), [2, 2, 2, 8]);
    assert.deepEqual(inBase.fixes?.map((f) => f.newText), ['layers']);
    const atExtends = only(problems, 'extends.base-invalid');
    assert.equal(atExtends.file, file);
    assert.deepEqual(rangeOf(atExtends), [0, 9, 0, 36]);
    assert.match(atExtends.message, /base experiment has 1 error \(first: base\/broken.experiment.yaml:3: unknown key `layres`.*fix the base file/);
  });

  it('a file that extends itself', () => {
    const file = path.join(FIXTURES, 'self.experiment.yaml');
    const p = only(validateExperimentFile(file).problems, 'extends.cycle');
    assert.equal(p.file, file);
    assert.match(p.message, /cycle: self.experiment.yaml → self.experiment.yaml/);
    assert.deepEqual(rangeOf(p), [0, 9, 0, 29]);
  });

  it('a cycle through two files names the whole chain', () => {
    const { problems, files } = validateExperimentFile(path.join(FIXTURES, 'cycle-a.experiment.yaml'));
    const p = only(problems, 'extends.cycle');
    assert.equal(p.file, path.join(FIXTURES, 'cycle-b.experiment.yaml'));
    assert.match(p.message, /cycle-a.experiment.yaml → cycle-b.experiment.yaml → cycle-a.experiment.yaml/);
    assert.deepEqual(rangeOf(p), [1, 9, 1, 32]);
    assert.equal(files.length, 2);
  });

  it('a missing base file is named', () => {
    const file = path.join(FIXTURES, 'missing-base.experiment.yaml');
    const p = only(validateExperimentFile(file).problems, 'extends.missing');
    assert.match(p.message, /base file '..\/nowhere\/base.experiment.yaml' not found \(looked for .*test\/fixtures\/nowhere\/base.experiment.yaml\)/);
    assert.deepEqual(rangeOf(p), [1, 9, 1, 40]);
  });

  it('extends must be a path', () => {
    const p = only(variant('extends: [a, b]\nname: v\n').problems, 'extends.type');
    assert.deepEqual(rangeOf(p), [0, 9, 0, 15]);
  });

  it("paths written in a base stay relative to the base's folder", () => {
    const { config, problems } = validateExperimentFile(path.join(FIXTURES, 'paths-variant.experiment.yaml'));
    assert.deepEqual(problems, []);
    assert.equal(config?.model.init_from, path.join(FIXTURES, 'base/ckpt'));
    assert.equal(config?.output.runs_dir, path.join(FIXTURES, 'runs'));
  });
});
