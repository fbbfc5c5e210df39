// Bad input never crashes or hangs the server: each case gets a diagnostic, and the
// server still answers completion, hover and symbols afterwards.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Diagnostic } from 'vscode-languageserver-protocol';
import { fileUri, LspSession, workspace } from './session';

const VALID = 'name: ok\nmethod:\n  kind: sft\n';
const errors = (d: Diagnostic[]) => d.filter((x) => x.severity === 1);

describe('language server on bad input', function () {
  let lsp: LspSession;
  let dir: string;
  before(async () => {
    lsp = await LspSession.start({ debounceMs: 20 });
    dir = workspace({});
  });
  after(async () => { await lsp.stop(); fs.rmSync(dir, { recursive: true, force: true }); });

  /** Opens `text` as `name`, waits for a diagnostic matching `message`, then checks the server still answers. */
  async function expectProblem(name: string, text: string, message: RegExp): Promise<Diagnostic> {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    const uri = fileUri(file);
    await lsp.open(uri, text);
    const all = await lsp.waitForDiagnostics(uri, (d) => errors(d).length > 0);
    const hit = all.find((d) => message.test(d.message));
    assert.ok(hit, `no diagnostic matching ${message}; got ${JSON.stringify(all.map((d) => d.message))}`);
    await lsp.completion(uri, 0, 0);
    await lsp.symbols(uri);
    await lsp.assertAlive(uri);
    return hit;
  }

  it('a YAML syntax error', async () => {
    const d = await expectProblem('syntax.experiment.yaml', 'name: x\nmodel: [1, 2\nseed: 1\n', /^YAML syntax error/);
    assert.ok(d.range.start.line >= 1, `range ${JSON.stringify(d.range)}`);
  });

  it('a tab used for indentation', async () => {
    const d = await expectProblem('tabs.experiment.yaml', 'name: x\nmodel:\n\theads: 4\n', /tab used for indentation on line 3/);
    assert.equal(d.range.start.line, 2);
  });

  it('a duplicate key', async () => {
    const d = await expectProblem('dup.experiment.yaml', 'name: x\nseed: 1\nseed: 2\n', /duplicate key 'seed' \(first on line 2\)/);
    assert.equal(d.range.start.line, 2);
  });

  it('a 10,000-line file', async () => {
    // 10,000 valid lines (a sweep over seeds) the validator must walk in full, then one typo at the end.
    const lines = ['name: long', 'sweep:', '  seeds:'];
    for (let i = 0; i < 10_000; i++) lines.push(`    - ${i}`);
    lines.push('methd: sft');
    const d = await expectProblem('long.experiment.yaml', lines.join('\n') + '\n', /methd/);
    assert.equal(d.range.start.line, 10_003);
    const items = await lsp.completion(fileUri(path.join(dir, 'long.experiment.yaml')), 10_003, 2);
    assert.ok(Array.isArray(items));
  });

  it('a binary file with the extension', async () => {
    const bytes = Buffer.alloc(4096);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919 + 13) % 256;
    await expectProblem('binary.experiment.yaml', bytes.toString('latin1'), /not text/);
  });

  it('a file that extends itself', async () => {
    const d = await expectProblem('self.experiment.yaml', 'extends: self.experiment.yaml\nname: self\n', /`extends` makes a cycle: self\.experiment\.yaml → self\.experiment\.yaml/);
    assert.deepEqual(d.range, { start: { line: 0, character: 9 }, end: { line: 0, character: 29 } });
  });

  it('an extends to a missing file', async () => {
    const d = await expectProblem('orphan.experiment.yaml', 'extends: nowhere.experiment.yaml\nname: orphan\n', /base file 'nowhere\.experiment\.yaml' not found/);
    assert.equal(d.range.start.line, 0);
  });

  it('still validates a good file after all of the above', async () => {
    const uri = fileUri(path.join(dir, 'after.experiment.yaml'));
    await lsp.open(uri, VALID);
    assert.deepEqual(await lsp.waitForDiagnostics(uri, () => true), []);
  });
});
