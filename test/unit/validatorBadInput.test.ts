// Bad input never throws: each case becomes one clear Problem with a position.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { validateExperimentFile, validateExperimentText } from '../../src/core/validator';
import { memoryHost, only, rangeOf } from './validatorHelpers';

const ROOT = path.resolve(__dirname, '../../..');
const FIXTURES = path.join(ROOT, 'test/fixtures/validator');
const FILE = '/exp/test.experiment.yaml';
const check = (text: string) => validateExperimentText(text, FILE, memoryHost({ [FILE]: text }));

describe('validator: bad input', () => {
  it('a YAML syntax error, at the parser position', () => {
    const { problems, config } = check('name: x\nmodel: {layers: 3\nseed: 1\n');
    const p = problems[0];
    assert.equal(p.code, 'yaml.syntax');
    assert.match(p.message, /^YAML syntax error: /);
    assert.equal(p.range.start.line, 2);
    assert.equal(config, undefined);
  });

  it('a tab used for indentation: range over the indentation', () => {
    const p = only(check('name: x\nmodel:\n\tlayers: 3\n').problems, 'yaml.tab');
    assert.match(p.message, /tab used for indentation on line 3: .*replace the tab with spaces/);
    assert.deepEqual(rangeOf(p), [2, 0, 2, 1]);
    const mixed = only(check('name: x\nmodel:\n  \tlayers: 3\n').problems, 'yaml.tab');
    assert.deepEqual(rangeOf(mixed), [2, 0, 2, 3]);
  });

  it('a duplicate key: range on the second one', () => {
    const p = only(check('name: x\nseed: 1\nseed: 2\n').problems, 'yaml.duplicate-key');
    assert.match(p.message, /duplicate key 'seed'/);
    assert.deepEqual(rangeOf(p), [2, 0, 2, 4]);
  });

  it('a binary file: one problem, no crash', () => {
    const { problems, config } = validateExperimentFile(path.join(FIXTURES, 'binary.experiment.yaml'));
    assert.equal(problems.length, 1);
    assert.equal(problems[0].code, 'yaml.binary');
    assert.match(problems[0].message, /not text .*must be UTF-8 YAML/);
    assert.equal(config, undefined);
  });

  it('an empty file and a comments-only file', () => {
    for (const text of ['', '  \n\n', '# just a comment\n']) {
      const { problems } = check(text);
      assert.equal(problems.length, 1, JSON.stringify(text));
      assert.equal(problems[0].code, 'yaml.empty');
      assert.match(problems[0].message, /needs at least `name:`/);
      assert.deepEqual(rangeOf(problems[0]), [0, 0, 0, 0]);
    }
  });

  it('a top level that is not a mapping', () => {
    const list = only(check('- name: x\n- seed: 1\n').problems, 'yaml.top-level');
    assert.match(list.message, /top level is a list; an experiment file must be a mapping/);
    assert.deepEqual(rangeOf(list), [0, 0, 0, 9]);
    const scalar = only(check('just some words\n').problems, 'yaml.top-level');
    assert.match(scalar.message, /top level is a single value/);
    assert.deepEqual(rangeOf(scalar), [0, 0, 0, 15]);
  });

  it('a missing experiment file', () => {
    const { problems } = validateExperimentFile(path.join(FIXTURES, 'no-such.experiment.yaml'));
    assert.equal(only(problems, 'file.missing').severity, 'error');
    assert.match(problems[0].message, /no-such.experiment.yaml does not exist/);
  });

  it('never throws on odd YAML', () => {
    const odd = ['{', ':', '? a\n', '- - -', '&a [*a]', 'name: *nope\n', '!!binary xyz', 'name: x\nmodel: 5\n', 'name: x\nmodel:\n',
      'name: [1, 2]\n', '"\\u0000"', 'a: &x {b: *x}\n', 'name: x\n---\nname: y\n', '\uFEFFname: x\n', 'name: x\nsweep: {fields: {seed: 3}}\n'];
    for (const text of odd) {
      const result = check(text);
      assert.ok(Array.isArray(result.problems), text);
      for (const p of result.problems) assert.notEqual(p.code, 'internal', `${JSON.stringify(text)}: ${p.message}`);
    }
  });

  it('a 10,000-line valid file validates without error', () => {
    // 1,000 seeds (within the sweep limit of limits.ts) and 8,995 comment lines.
    const head = 'name: big\nmethod:\n  kind: livr\nsweep:\n  seeds:\n';
    const lines = Array.from({ length: 1_000 }, (_, i) => `    - ${i}`);
    const notes = Array.from({ length: 10_000 - 5 - 1_000 }, (_, i) => `# note ${i}`);
    const { problems, config } = check(`${head}${lines.join('\n')}\n${notes.join('\n')}\n`);
    assert.deepEqual(problems, []);
    assert.equal(config?.sweep?.seeds.length, 1_000);
  });

  it('a 10,000-line file of unknown keys reports each one at its line', () => {
    const lines = Array.from({ length: 9_998 }, (_, i) => `  key${i}: ${i}`);
    const { problems } = check(`name: big\nmodel:\n${lines.join('\n')}\n`);
    assert.equal(problems.length, 9_998);
    assert.deepEqual(rangeOf(problems[9_997]), [9_999, 2, 9_999, 9]);
    assert.match(problems[9_997].message, /unknown key `key9997` in `model`/);
  });
});
