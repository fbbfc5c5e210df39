// The rules of core/validate/configRules.ts: what a method and the data can run.
// Each was an engine-side throw that a user met only when a run started; now the
// validator reports it at the field (so the editor underlines it as you type)
// and the engine asserts the same rule (methods/index.ts checkSupported).
import * as assert from 'node:assert/strict';
import { validateExperimentText } from '../../src/core/validator';
import { checkSupported } from '../../src/engine/methods';
import { memoryHost, only, rangeOf } from './validatorHelpers';

const FILE = '/exp/test.experiment.yaml';
const check = (text: string) => validateExperimentText(text, FILE, memoryHost({ [FILE]: text }));

describe('validator: method and data rules (configRules.ts)', () => {
  it('interleaved placement outside valr is an error at latents.placement (the engine cannot run it)', () => {
    const { problems, config } = check('name: x\nlatents:\n  placement: interleaved\nmethod: {kind: livr}\n');
    const p = only(problems, 'semantic.placement');
    assert.equal(p.severity, 'error');
    assert.deepEqual(rangeOf(p), [2, 13, 2, 24]);
    assert.deepEqual(p.fixes?.map((f) => f.newText), ['after_prompt']);
    assert.equal(config, undefined);
  });

  it('valr needs interleaved placement', () => {
    const p = only(check('name: x\nlatents:\n  placement: before_prompt\nmethod: {kind: valr}\n').problems, 'semantic.placement');
    assert.match(p.message, /method valr puts its latents before each reasoning step, but `latents.placement` is before_prompt/);
    assert.deepEqual(rangeOf(p), [2, 13, 2, 26]);
    assert.deepEqual(p.fixes?.map((f) => f.newText), ['interleaved']);
    assert.deepEqual(check('name: x\nlatents:\n  placement: interleaved\n  feedback: hidden_state\nmethod: {kind: valr}\n').problems, []);
  });

  it('hidden_state feedback is VaLR\'s only', () => {
    const p = only(check('name: x\nlatents:\n  feedback: hidden_state\nmethod: {kind: crystal}\n').problems, 'semantic.feedback');
    assert.equal(p.severity, 'error');
    assert.deepEqual(rangeOf(p), [2, 12, 2, 24]);
  });

  it('CrystaL with every loss weight 0 trains nothing: error on the weights block', () => {
    const text = 'name: x\nmethod:\n  kind: crystal\n  crystal:\n    weights: {ce_intact: 0, ce_corrupted: 0, kl: 0, attention: 0}\n';
    const p = only(check(text).problems, 'semantic.crystal-weights');
    assert.equal(p.path, 'method.crystal.weights');
    assert.equal(p.range.start.line, 4);
    // One weight above 0 is enough; the rule is CrystaL's, so another kind ignores the block.
    assert.deepEqual(check(text.replace('kl: 0', 'kl: 1')).problems, []);
    assert.deepEqual(check(text.replace('kind: crystal', 'kind: sft').replace('latents', '')).problems.filter((q) => q.code === 'semantic.crystal-weights'), []);
  });

  it('REPA lists the own encoder once: error on the second entry', () => {
    const p = only(check('name: x\nlatents: {placement: interleaved}\nmethod:\n  kind: valr\n  valr:\n    repa:\n      encoders:\n        - kind: own\n        - kind: color_stats\n        - kind: own\n').problems, 'semantic.repa-own');
    assert.equal(p.path, 'method.valr.repa.encoders.2.kind');
    assert.deepEqual(rangeOf(p), [9, 16, 9, 19]);
  });

  it('a task below its smallest image size: error on that task\'s name', () => {
    const p = only(check('name: x\ndata:\n  image_size: 16\n  tasks:\n    - {name: counting}\n    - {name: small_object}\n').problems, 'semantic.task-size');
    assert.match(p.message, /task small_object needs `data.image_size` ≥ 32 .* \(it is 16\)/);
    assert.equal(p.path, 'data.tasks.1.name');
    assert.deepEqual(rangeOf(p), [5, 13, 5, 25]);
  });

  it('an evaluated split with no examples in any task: error on eval.split', () => {
    const p = only(check('name: x\ndata:\n  tasks:\n    - {name: counting, val: 0}\neval:\n  split: val\n').problems, 'semantic.eval-split');
    assert.deepEqual(rangeOf(p), [5, 9, 5, 12]);
    assert.deepEqual(p.fixes?.map((f) => f.newText), ['test']);
    assert.deepEqual(check('name: x\ndata:\n  tasks:\n    - {name: counting, val: 0}\n    - {name: colour}\neval:\n  split: val\n').problems, []);
  });

  it('the engine asserts the same rules with the same words (checkSupported)', () => {
    const { config } = check('name: x\n');
    assert.ok(config);
    checkSupported(config);   // a valid config passes
    assert.throws(() => checkSupported({ ...config, latents: { ...config.latents, feedback: 'hidden_state' } }), /^Error: latents\.feedback: hidden_state \(the previous hidden state .*VaLR's latent mode/);
    assert.throws(() => checkSupported({ ...config, method: { ...config.method, kind: 'valr' } }), /latents\.placement: method valr puts its latents/);
  });
});
