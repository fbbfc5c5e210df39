// Checks a schema cannot express, sweeps, overrides and the CLI.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { runValidateCommand } from '../../src/cli/validateCommand';
import { InvalidExperimentError } from '../../src/core/problems';
import { applyOverrides, expandSweep, loadExperiment, validateExperimentText } from '../../src/core/validator';
import { memoryHost, only, rangeOf } from './validatorHelpers';

const ROOT = path.resolve(__dirname, '../../..');
const FIXTURES = path.join(ROOT, 'test/fixtures/validator');
const FILE = '/exp/test.experiment.yaml';
const check = (text: string, files: Record<string, string> = {}) => validateExperimentText(text, FILE, memoryHost({ [FILE]: text, ...files }));

describe('validator: semantic checks', () => {
  it('heads must divide d_model: range on heads when heads is written', () => {
    const { problems, config } = check('name: x\nmodel:\n  heads: 3\n');
    const p = only(problems, 'semantic.heads');
    assert.match(p.message, /`model.heads` \(3\) must divide `model.d_model` \(64\)/);
    assert.deepEqual(rangeOf(p), [2, 9, 2, 10]);
    assert.deepEqual(p.fixes?.map((f) => f.newText), ['4']);
    assert.equal(config, undefined);
  });

  it('heads must divide d_model: range on d_model when only d_model is written', () => {
    const p = only(check('name: x\nmodel:\n  d_model: 66\n').problems, 'semantic.heads');
    assert.match(p.message, /`model.d_model` \(66\) must be a multiple of `model.heads` \(4\)/);
    assert.deepEqual(rangeOf(p), [2, 11, 2, 13]);
  });

  it('vision heads must divide d_vision', () => {
    const p = only(check('name: x\nmodel:\n  d_vision: 64\n  vision_heads: 5\n').problems, 'semantic.vision-heads');
    assert.deepEqual(rangeOf(p), [3, 16, 3, 17]);
  });

  it('image size must be divisible by the patch size', () => {
    const p = only(check('name: x\ndata:\n  image_size: 30\n').problems, 'semantic.patch-size');
    assert.match(p.message, /`data.image_size` \(30\) must be a multiple of `model.patch_size` \(4\)/);
    assert.deepEqual(rangeOf(p), [2, 14, 2, 16]);
  });

  it('alignment and capture layers must be below model.layers', () => {
    const { problems } = check('name: x\nmodel: {layers: 3}\nmethod:\n  crystal:\n    alignment_layers: [0, 3]\neval:\n  capture: {layers: [7]}\n');
    const [align, capture] = problems.filter((p) => p.code === 'semantic.layer');
    assert.match(align.message, /`method.crystal.alignment_layers.1`: layer 3 does not exist, the decoder has 3 layers/);
    assert.deepEqual(rangeOf(align), [4, 26, 4, 27]);
    assert.equal(capture.path, 'eval.capture.layers.0');
    assert.deepEqual(rangeOf(capture), [6, 21, 6, 22]);
  });

  it('the REPA layer index must be within the depth', () => {
    const p = only(check('name: x\nmethod:\n  valr:\n    repa: {layer: 3}\n').problems, 'semantic.layer');
    assert.deepEqual(rangeOf(p), [3, 18, 3, 19]);
    assert.deepEqual(p.fixes?.map((f) => f.newText), ['2']);
  });

  it('methods that need latents need K >= 1', () => {
    for (const kind of ['livr', 'crystal', 'valr']) {
      const p = only(check(`name: x\nlatents:\n  count: 0\nmethod:\n  kind: ${kind}\n`).problems, 'semantic.latents');
      assert.match(p.message, new RegExp(`\`latents.count\` is 0 but method ${kind}`));
      assert.deepEqual(rangeOf(p), [2, 9, 2, 10]);
    }
    assert.deepEqual(check('name: x\nlatents: {count: 0}\nmethod: {kind: livr, livr: {control: mask_only}}\n').problems, []);
    assert.deepEqual(check('name: x\nlatents: {count: 0}\n').problems, []);
  });

  it('a VaLR file that asks for eval.diagnostics is told they are not computed, with the fix []; the defaults say nothing', () => {
    const valr = 'name: x\nlatents: {placement: interleaved}\nmethod: {kind: valr}\n';
    const p = only(check(`${valr}eval:\n  diagnostics: [drop_latents]\n`).problems, 'semantic.valr-diagnostics');
    assert.equal(p.severity, 'warning');
    assert.match(p.message, /not computed for method valr.*test_time_steps: \[0\]/);
    assert.deepEqual(rangeOf(p), [4, 15, 4, 29]);
    assert.deepEqual(p.fixes?.map((f) => f.newText), ['[]']);
    for (const text of [valr, `${valr}eval: {diagnostics: []}\n`, 'name: x\neval: {diagnostics: [drop_latents]}\n']) {
      assert.deepEqual(check(text).problems.filter((q) => q.code === 'semantic.valr-diagnostics'), [], text);
    }
  });

  it('intensity low must not exceed high', () => {
    const p = only(check('name: x\nmethod:\n  crystal:\n    corruption: {intensity: [0.8, 0.2]}\n').problems, 'semantic.intensity');
    assert.deepEqual(rangeOf(p), [3, 28, 3, 38]);
    assert.deepEqual(p.fixes?.map((f) => f.newText), ['[0.2, 0.8]']);
  });

  it('a tfjs_model encoder needs a path that exists', () => {
    const noPath = only(check('name: x\nmethod:\n  valr:\n    repa:\n      encoders:\n        - kind: tfjs_model\n').problems, 'path.encoder');
    assert.match(noPath.message, /kind tfjs_model needs `path:`/);
    assert.deepEqual(rangeOf(noPath), [5, 16, 5, 26]);
    const missing = only(check('name: x\nmethod:\n  valr:\n    repa:\n      encoders:\n        - {kind: tfjs_model, path: enc/model.json}\n').problems, 'path.encoder');
    assert.match(missing.message, /\/exp\/enc\/model.json does not exist/);
    assert.deepEqual(rangeOf(missing), [5, 35, 5, 49]);
  });

  it('data files and init_from must exist', () => {
    const text = 'name: x\nmodel:\n  init_from: ckpt\ndata:\n  source: jsonl\n  jsonl: {train: t.jsonl, image_root: imgs}\n';
    const { problems } = check(text, { '/exp/ckpt/weights.bin': '' });
    const init = problems.find((p) => p.path === 'model.init_from');
    assert.match(init?.message ?? '', /\/exp\/ckpt holds no checkpoint.json/);
    assert.deepEqual(init && rangeOf(init), [2, 13, 2, 17]);
    const train = problems.find((p) => p.path === 'data.jsonl.train');
    assert.match(train?.message ?? '', /train file \/exp\/t.jsonl does not exist/);
    assert.deepEqual(train && rangeOf(train), [5, 17, 5, 24]);
    assert.ok(problems.some((p) => p.path === 'data.jsonl.image_root'));
    const gone = check('name: x\nmodel: {init_from: nowhere}\n').problems;
    assert.match(only(gone, 'path.init-from').message, /checkpoint folder \/exp\/nowhere does not exist/);
  });

  it('jsonl source needs a jsonl block', () => {
    const p = only(check('name: x\ndata:\n  source: jsonl\n').problems, 'semantic.jsonl');
    assert.deepEqual(rangeOf(p), [2, 10, 2, 15]);
  });

  it('sweep fields must be config paths; sweep values must be valid there', () => {
    const { problems } = check('name: x\nsweep:\n  fields:\n    latents.cont: [4, 8]\n    latents.count: [4, -1]\n');
    const field = only(problems, 'sweep.field');
    assert.match(field.message, /`latents.cont` is not a config field: did you mean `latents.count`\?/);
    assert.deepEqual(rangeOf(field), [3, 4, 3, 16]);
    assert.deepEqual(field.fixes?.map((f) => f.newText), ['latents.count']);
    const value = only(problems, 'schema.range');
    assert.match(value.message, /sweep value for `latents.count`/);
    assert.deepEqual(rangeOf(value), [4, 23, 4, 25]);
  });

  it('sweep values valid alone but clashing with the config are underlined', () => {
    const p = only(check('name: x\nsweep:\n  fields:\n    model.heads: [4, 3]\n').problems, 'sweep.combination');
    assert.match(p.message, /sweep combination model.heads=3 is invalid: `model.heads` \(3\) must divide `model.d_model` \(64\)/);
    assert.deepEqual(rangeOf(p), [3, 21, 3, 22]);
  });
});

describe('validator: overrides and sweeps', () => {
  const base = () => {
    const { config } = check('name: x\nsweep:\n  fields:\n    latents.count: [4, 16]\n    method.crystal.distance: [frobenius, kl]\n  seeds: [1, 2]\n');
    assert.ok(config);
    return config;
  };

  it('applyOverrides sets dotted paths, fills nothing new, leaves the input alone', () => {
    const config = base();
    const out = applyOverrides(config, { 'latents.count': 4, 'data.tasks.0.train': 10 });
    assert.equal(out.latents.count, 4);
    assert.equal(out.data.tasks[0].train, 10);
    assert.equal(config.latents.count, 16);
    assert.equal(config.data.tasks[0].train, 2000);
  });

  it('applyOverrides throws on a bad value or an unknown path, naming the field', () => {
    assert.throws(() => applyOverrides(base(), { 'model.heads': 5 }), (e: unknown) => e instanceof InvalidExperimentError && /model.heads/.test(e.message));
    assert.throws(() => applyOverrides(base(), { 'model.heads': 'four' }), (e: unknown) => e instanceof InvalidExperimentError && /model.heads` must be a whole number/.test(e.message));
    assert.throws(() => applyOverrides(base(), { 'model.hedas': 4 }), (e: unknown) => e instanceof InvalidExperimentError && /model.hedas/.test(e.message));
  });

  it('expandSweep is the cartesian product of fields x seeds, without the sweep block', () => {
    const runs = expandSweep(base());
    assert.equal(runs.length, 8);
    assert.deepEqual(runs.map((r) => r.label).slice(0, 3), [
      'latents.count=4,method.crystal.distance=frobenius,seed=1',
      'latents.count=4,method.crystal.distance=frobenius,seed=2',
      'latents.count=4,method.crystal.distance=kl,seed=1',
    ]);
    const last = runs[7].config;
    assert.deepEqual([last.latents.count, last.method.crystal.distance, last.seed, last.sweep], [16, 'kl', 2, undefined]);
  });

  it('expandSweep without a sweep is the config itself, unlabelled', () => {
    const { config } = check('name: x\n');
    assert.ok(config);
    assert.deepEqual(expandSweep(config), [{ label: '', config }]);
  });
});

describe('validator: loadExperiment and the validate command', () => {
  const output = async (args: string[]) => {
    const write = process.stdout.write.bind(process.stdout);
    let out = '';
    process.stdout.write = ((s: string) => { out += s; return true; }) as typeof process.stdout.write;
    try {
      return { code: await runValidateCommand(args), out };
    } finally {
      process.stdout.write = write;
    }
  };

  it('loadExperiment throws InvalidExperimentError carrying the problems', () => {
    const file = path.join(FIXTURES, 'bad-heads.experiment.yaml');
    assert.throws(() => loadExperiment(file), (e: unknown) => e instanceof InvalidExperimentError
      && e.problems.some((p) => p.code === 'semantic.heads') && e.message.includes(`${file}:4:10: error:`));
    assert.equal(loadExperiment(path.join(ROOT, 'examples/livr.experiment.yaml')).method.kind, 'livr');
  });

  it('prints file:line:col: severity: message and exits 1 on an error', async () => {
    const file = path.join(FIXTURES, 'bad-heads.experiment.yaml');
    const { code, out } = await output([file]);
    assert.equal(code, 1);
    assert.match(out, new RegExp(`^${file.replace(/[.]/g, '\\.')}:4:10: error: \`model.heads\` \\(3\\) must divide`, 'm'));
  });

  it('prints FILE: ok and exits 0 for clean files; --json lists problems', async () => {
    const good = path.join(ROOT, 'examples/sft.experiment.yaml');
    const { code, out } = await output([good]);
    assert.equal(code, 0);
    assert.equal(out, `${good}: ok\n`);
    const json = await output(['--json', good, path.join(FIXTURES, 'bad-heads.experiment.yaml')]);
    const report = JSON.parse(json.out) as { ok: boolean; problems: { code: string }[] }[];
    assert.deepEqual(report.map((r) => r.ok), [true, false]);
    assert.equal(report[1].problems[0].code, 'semantic.heads');
    assert.equal(json.code, 1);
  });

  it('exits 2 on a usage error', async () => {
    assert.equal((await output([])).code, 2);
    assert.equal((await output(['--frobnicate', 'x.experiment.yaml'])).code, 2);
    const help = await output(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.out, /usage: latent-lab validate FILE/);
  });
});
