// New Experiment copies an example into the workspace: the copy must validate where
// it is written, with its relative paths (model.init_from) re-expressed from there.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import { experimentFromTemplate } from '../../src/core/templateCopy';
import { validateExperimentFile } from '../../src/core/validator';

const ROOT = path.resolve(__dirname, '../../..');
const EXAMPLES = path.join(ROOT, 'examples');
/** The templates New Experiment offers: top-level examples without `extends:`. */
const TEMPLATES = fs.readdirSync(EXAMPLES).filter((f) => f.endsWith('.experiment.yaml') && !/^extends:/m.test(fs.readFileSync(path.join(EXAMPLES, f), 'utf8')));

describe('New Experiment: a template copied elsewhere', () => {
  const dirs: string[] = [];
  const tempDir = () => { const d = fs.mkdtempSync(path.join(os.tmpdir(), 'll-template-')); dirs.push(d); return d; };
  after(() => { for (const d of dirs) fs.rmSync(d, { recursive: true, force: true }); });

  it('offers templates that fine-tune the shipped base (the case a verbatim copy breaks)', () => {
    assert.ok(TEMPLATES.some((f) => /init_from:\s*\.\.\//.test(fs.readFileSync(path.join(EXAMPLES, f), 'utf8'))), TEMPLATES.join(', '));
    // What the command wrote before: the template verbatim, whose init_from then names nothing
    // (the shipped base, reached through the right relative path, is always allowed: paths.ts).
    const verbatim = path.join(tempDir(), 'verbatim.experiment.yaml');
    fs.copyFileSync(path.join(EXAMPLES, 'livr.experiment.yaml'), verbatim);
    assert.ok(validateExperimentFile(verbatim).problems.some((p) => p.path === 'model.init_from' && p.severity === 'error'), 'a verbatim copy fails on model.init_from');
  });

  for (const f of TEMPLATES) {
    it(`${f} validates in another folder, named as asked, with init_from naming the same checkpoint`, () => {
      const templateFile = path.join(EXAMPLES, f);
      const target = path.join(tempDir(), 'my-copy.experiment.yaml');
      const text = experimentFromTemplate(fs.readFileSync(templateFile, 'utf8'), templateFile, target, 'my-copy');
      fs.writeFileSync(target, text);
      const result = validateExperimentFile(target);
      const errors = result.problems.filter((p) => p.severity === 'error').map((p) => `${p.path}: ${p.message}`);
      assert.deepEqual(errors, [], `${f} copied to ${target}`);
      assert.equal(result.config!.name, 'my-copy');
      const original = validateExperimentFile(templateFile).config!;
      assert.equal(result.config!.model.init_from, original.model.init_from, 'the same base checkpoint');
      assert.ok(!text.includes('yaml-language-server'), 'the template\'s relative $schema modeline is dropped');
    });
  }

  it('keeps a relative path relative when the target stays inside the new file\'s folder, and keeps comments', () => {
    const from = tempDir();
    fs.mkdirSync(path.join(from, 'sub', 'data'), { recursive: true });
    const template = path.join(from, 'sub', 't.experiment.yaml');
    const text = 'name: t\nmodel:\n  init_from: data/ckpt   # the base\ndata:\n  jsonl:\n    train: /abs/train.jsonl\n';
    const out = experimentFromTemplate(text, template, path.join(from, 'copy.experiment.yaml'), 'copy');
    const doc = parse(out) as { name: string; model: { init_from: string }; data: { jsonl: { train: string } } };
    assert.equal(doc.name, 'copy');
    assert.equal(doc.model.init_from, 'sub/data/ckpt');
    assert.equal(doc.data.jsonl.train, '/abs/train.jsonl', 'absolute paths are left alone');
    assert.match(out, /# the base/);
  });

  it('names the template file when its YAML does not parse', () => {
    assert.throws(() => experimentFromTemplate('name: [unclosed\n', '/x/t.experiment.yaml', '/y/c.experiment.yaml', 'c'), /\/x\/t\.experiment\.yaml/);
  });
});
