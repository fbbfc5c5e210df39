// The hostile corpus against the one validator (as the CLI's `validate` runs it):
// every case ends, within a generous time and memory bound, in an error with the
// expected code on the expected line of the file, and never in an internal error.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { validateExperimentFile } from '../../src/core/validator';
import { hostileCases, prepareCase, withAllowed } from './corpus';

/** Generous bounds: only a hang or a runaway allocation can break them. */
const TIME_BOUND_MS = 15_000;
const HEAP_BOUND_BYTES = 512 * 1024 * 1024;

describe('hostile corpus: validator', function () {
  this.timeout(TIME_BOUND_MS * 2);
  const dirs: string[] = [];
  after(() => { for (const d of dirs) fs.rmSync(d, { recursive: true, force: true }); });

  for (const c of hostileCases()) {
    it(`${c.family}: ${c.name}`, () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'll-hostile-'));
      dirs.push(dir);
      const file = prepareCase(c, dir);
      const heapBefore = process.memoryUsage().heapUsed;
      const started = Date.now();
      const result = withAllowed(c.allow, () => validateExperimentFile(file));
      assert.ok(Date.now() - started < TIME_BOUND_MS, `took ${Date.now() - started} ms`);
      assert.ok(process.memoryUsage().heapUsed - heapBefore < HEAP_BOUND_BYTES, 'heap grew past the bound');
      assert.equal(result.config, undefined, 'a hostile file must not validate');
      assert.ok(!result.problems.some((p) => p.code === 'internal'), result.problems.map((p) => p.message).join('\n'));
      const hit = result.problems.find((p) => c.code.test(p.code) && p.file === file);
      assert.ok(hit, `expected ${c.code} in ${file}, got:\n${result.problems.map((p) => `${p.code} ${p.range.start.line}: ${p.message.slice(0, 200)}`).join('\n')}`);
      assert.equal(hit.range.start.line, c.line, `line of ${hit.code}: ${hit.message.slice(0, 200)}`);
      if (c.message) assert.match(hit.message, c.message);
      assert.ok(hit.message.length < 2000 && /[a-z]/.test(hit.message), 'a short message that says something');
    });
  }

  it('a path outside the workspace is accepted once the user allows its folder explicitly', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'll-hostile-'));
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'll-outside-'));
    dirs.push(dir, outside);
    fs.writeFileSync(path.join(outside, 'base.experiment.yaml'), 'name: base\nmethod:\n  kind: sft\n');
    const file = prepareCase({ family: '', name: '', text: `name: a\nextends: ${path.join(outside, 'base.experiment.yaml')}\n`, code: /x/, line: 0 }, dir);
    const refused = withAllowed(undefined, () => validateExperimentFile(file));
    assert.equal(refused.problems[0]?.code, 'path.outside');
    assert.match(refused.problems[0].message, /`extends`: .* is outside this experiment's workspace .*LATENT_LAB_ALLOW_PATHS/);
    const allowed = withAllowed([outside], () => validateExperimentFile(file));
    assert.deepEqual(allowed.problems, []);
    assert.equal(allowed.config?.method.kind, 'sft');
  });

  it('the repository\'s own examples stay valid (their init_from ../models/... is inside the repository)', () => {
    const examples = path.resolve(__dirname, '../../../examples');
    const files = fs.readdirSync(examples).filter((f) => f.endsWith('.experiment.yaml'));
    assert.ok(files.length > 0);
    for (const f of files) {
      const r = withAllowed(undefined, () => validateExperimentFile(path.join(examples, f)));
      assert.ok(!r.problems.some((p) => p.code === 'path.outside'), `${f}: ${r.problems.map((p) => p.message).join('\n')}`);
    }
  });
});
