// The hostile corpus against `train` (the engine entry the CLI calls): no hostile
// experiment starts a run or creates a run folder; hostile data files end in a
// failed run with messages that name file and line but never copy a line's content.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { InvalidExperimentError } from '../../src/core/problems';
import { trainExperiment } from '../../src/engine/run';
import { tinyExperiment } from '../unit/runFixture';
import { CASE_FILE, hostileCases, prepareCase, withAllowed } from './corpus';

const TIME_BOUND_MS = 20_000;

describe('hostile corpus: train', function () {
  this.timeout(120_000);
  const dirs: string[] = [];
  const fresh = () => { const d = fs.mkdtempSync(path.join(os.tmpdir(), 'll-hostile-train-')); dirs.push(d); return d; };
  after(() => { for (const d of dirs) fs.rmSync(d, { recursive: true, force: true }); });

  it('refuses every case before creating anything, naming file and line', async () => {
    for (const c of hostileCases()) {
      const dir = fresh();
      const file = prepareCase(c, dir);
      const started = Date.now();
      const err = await withAllowed(c.allow, () => trainExperiment(file, { maxSteps: 1 }).then(() => undefined, (e: unknown) => e));
      assert.ok(Date.now() - started < TIME_BOUND_MS, `${c.name}: took ${Date.now() - started} ms`);
      assert.ok(err instanceof InvalidExperimentError, `${c.name}: expected InvalidExperimentError, got ${String(err)}`);
      assert.ok(err.problems.some((p) => c.code.test(p.code) && p.range.start.line === c.line), `${c.name}: ${err.message.slice(0, 300)}`);
      assert.match(err.message, new RegExp(`${CASE_FILE}:${c.line + 1}:\\d+: error: `), c.name);
      assert.deepEqual(fs.readdirSync(dir).filter((f) => f === 'runs'), [], `${c.name}: no runs folder`);
    }
  });

  it('jsonl.train: /etc/passwd (explicitly allowed) fails the run without copying a line into summary.json or train.log', async function () {
    if (!fs.existsSync('/etc/passwd')) this.skip();
    const dir = fresh();
    fs.writeFileSync(path.join(dir, 'package.json'), '{}');
    const doc = tinyExperiment({ data: { source: 'jsonl', image_size: 16, max_text_tokens: 24, jsonl: { train: '/etc/passwd', image_root: '.' } } });
    const file = path.join(dir, 'leak.experiment.yaml');
    fs.writeFileSync(file, stringify(doc));
    const [run] = await withAllowed(['/etc'], () => trainExperiment(file, { outDir: path.join(dir, 'run') }));
    assert.equal(run.status, 'failed');
    const written = fs.readFileSync(path.join(run.runDir, 'summary.json'), 'utf8') + fs.readFileSync(path.join(run.runDir, 'train.log'), 'utf8');
    assert.match(written, /passwd:1: not valid JSON/);
    for (const line of fs.readFileSync('/etc/passwd', 'utf8').split('\n').filter((l) => l.length >= 6)) {
      assert.ok(!written.includes(line.slice(0, 6)), `a piece of /etc/passwd ("${line.slice(0, 6)}") was copied into the run's files`);
    }
  });

  it('a JSONL image that is /dev/zero or outside image_root is refused per line, quickly', async () => {
    const dir = fresh();
    fs.writeFileSync(path.join(dir, 'package.json'), '{}');
    fs.mkdirSync(path.join(dir, 'images'));
    fs.symlinkSync('/dev/zero', path.join(dir, 'images', 'zero.png'));
    const lines = [
      { image: 'zero.png', question: 'what is it?', answer: 'zero' },
      { image: '../package.json', question: 'what is it?', answer: 'json' },
    ];
    fs.writeFileSync(path.join(dir, 'train.jsonl'), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    const doc = tinyExperiment({ data: { source: 'jsonl', image_size: 16, max_text_tokens: 24, jsonl: { train: 'train.jsonl', image_root: 'images' } } });
    const file = path.join(dir, 'img.experiment.yaml');
    fs.writeFileSync(file, stringify(doc));
    const started = Date.now();
    const [run] = await trainExperiment(file, { outDir: path.join(dir, 'run') });
    assert.ok(Date.now() - started < TIME_BOUND_MS * 3);
    assert.equal(run.status, 'failed');
    const log = fs.readFileSync(path.join(run.runDir, 'train.log'), 'utf8');
    // The link resolves to /dev/zero, outside image_root: refused before it is opened.
    assert.match(log, /train\.jsonl:1: field "image" points outside data\.jsonl\.image_root/);
    assert.match(log, /train\.jsonl:2: field "image" points outside data\.jsonl\.image_root/);
    assert.match(run.summary.error ?? '', /data\.jsonl: 2 problem\(s\)/);
  });
});
