// The language server as its own process: diagnostics, completion, hover, symbols, quick fixes.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MarkupContent, type Diagnostic } from 'vscode-languageserver-protocol';
import { fileUri, LspSession, REPO_ROOT, workspace } from './session';

// A small valid CrystaL experiment; line numbers below refer to it.
const CRYSTAL = [
  'name: lsp-crystal',        // 0
  'seed: 3',                  // 1
  'model:',                   // 2
  '  d_model: 64',            // 3
  '  heads: 4',               // 4
  '  layers: 3',              // 5
  'latents:',                 // 6
  '  count: 8',               // 7
  'method:',                  // 8
  '  kind: crystal',          // 9
  '  crystal:',               // 10
  '    distance: kl',         // 11
  '',
].join('\n');

const hasError = (d: Diagnostic[]) => d.some((x) => x.severity === 1);

describe('language server (own process, LSP over IPC)', function () {
  let lsp: LspSession;
  let dir: string;
  before(async () => {
    lsp = await LspSession.start({ debounceMs: 20 });
    dir = workspace({});
  });
  after(async () => { await lsp.stop(); fs.rmSync(dir, { recursive: true, force: true }); });

  /** Each test edits its own file, so one failure cannot leave text behind for the next. */
  async function openFresh(name: string, text = CRYSTAL): Promise<string> {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    const uri = fileUri(file);
    await lsp.open(uri, text);
    await lsp.waitForDiagnostics(uri, () => true);
    return uri;
  }

  it('publishes no diagnostics for every example in examples/', async () => {
    const examples = fs.readdirSync(path.join(REPO_ROOT, 'examples')).filter((f) => f.endsWith('.experiment.yaml'));
    assert.ok(examples.includes('crystal.experiment.yaml'), `examples/ has ${examples.join(', ')}`);
    for (const name of examples) {
      const file = path.join(REPO_ROOT, 'examples', name);
      const uri = fileUri(file);
      await lsp.open(uri, fs.readFileSync(file, 'utf8'));
      const d = await lsp.waitForDiagnostics(uri, () => true);
      assert.deepEqual(d.map((x) => x.message), [], name);
      await lsp.close(uri);
    }
  });

  it('reports a typo in a key on the key, after didChange, and offers the nearest key as quick fix', async () => {
    const uri = await openFresh('typo.experiment.yaml');
    assert.deepEqual(await lsp.waitForDiagnostics(uri, () => true), []);
    await lsp.change(uri, CRYSTAL.replace('method:', 'methd:'));
    const d = (await lsp.waitForDiagnostics(uri, hasError)).find((x) => /methd/.test(x.message));
    assert.ok(d, 'no diagnostic names the typo');
    assert.equal(d.message, 'unknown key `methd` at the top level: did you mean `method`?');
    assert.deepEqual(d.range, { start: { line: 8, character: 0 }, end: { line: 8, character: 5 } });
    const actions = await lsp.codeActions(uri, d.range, [d]);
    assert.ok(actions.length >= 1, 'no quick fix');
    assert.equal(actions[0].kind, 'quickfix');
    assert.deepEqual(actions[0].edit?.changes?.[uri], [{ range: d.range, newText: 'method' }]);
    // Applying the fix gives back a valid file: diagnostics vanish.
    await lsp.change(uri, CRYSTAL);
    assert.deepEqual(await lsp.waitForDiagnostics(uri, (x) => !hasError(x)), []);
  });

  it('reports a bad enum value on the value and fixes it to the nearest allowed value', async () => {
    const uri = await openFresh('enum.experiment.yaml');
    await lsp.change(uri, CRYSTAL.replace('kind: crystal', 'kind: crystl'));
    const d = (await lsp.waitForDiagnostics(uri, hasError)).find((x) => /crystl/.test(x.message));
    assert.ok(d, 'no diagnostic names the bad value');
    assert.equal(d.message, "`method.kind` must be one of sft, livr, crystal, valr (got 'crystl'): did you mean 'crystal'?");
    assert.deepEqual(d.range, { start: { line: 9, character: 8 }, end: { line: 9, character: 14 } });
    const actions = await lsp.codeActions(uri, d.range, [d]);
    assert.equal(actions[0]?.edit?.changes?.[uri]?.[0].newText, 'crystal');
    // The client may drop `data`; the server then finds the fix from what it published.
    const withoutData = await lsp.codeActions(uri, d.range, [{ ...d, data: undefined }]);
    assert.equal(withoutData[0]?.edit?.changes?.[uri]?.[0].newText, 'crystal');
    await lsp.change(uri, CRYSTAL);
    await lsp.waitForDiagnostics(uri, (x) => x.length === 0);
  });

  it('completes method.kind with exactly sft, livr, crystal, valr, documented', async () => {
    const uri = await openFresh('kind.experiment.yaml');
    await lsp.change(uri, CRYSTAL.replace('kind: crystal', 'kind: '));
    const items = await lsp.completion(uri, 9, 8);
    assert.deepEqual(items.map((i) => i.label).sort(), ['crystal', 'livr', 'sft', 'valr']);
    assert.match((items[0].documentation as MarkupContent).value, /CrystaL/);
    // Typing the space after `kind:` asks for the values too.
    assert.equal((await lsp.completion(uri, 9, 8, ' ')).length, 4);
    // Right after the colon, the value is inserted with its separating space.
    await lsp.change(uri, CRYSTAL.replace('kind: crystal', 'kind:'));
    const glued = await lsp.completion(uri, 9, 7);
    assert.deepEqual(glued.find((i) => i.label === 'livr')?.textEdit, { range: { start: { line: 9, character: 7 }, end: { line: 9, character: 7 } }, newText: ' livr' });
  });

  it('completes keys under model: with schema docs, leaving out keys already present', async () => {
    const uri = await openFresh('keys.experiment.yaml');
    const text = CRYSTAL.replace('  heads: 4\n', '  heads: 4\n  \n');   // empty line 5, inside model:
    await lsp.change(uri, text);
    const items = await lsp.completion(uri, 5, 2);
    const labels = items.map((i) => i.label);
    for (const k of ['patch_size', 'd_vision', 'mlp_ratio', 'init_from', 'finetune']) assert.ok(labels.includes(k), `${k} missing: ${labels}`);
    for (const k of ['d_model', 'heads', 'layers']) assert.ok(!labels.includes(k), `${k} is already present`);
    assert.ok(!labels.includes('method'), 'top-level key offered inside model:');
    // Spaces typed while indenting do not pop up the list.
    assert.deepEqual(await lsp.completion(uri, 5, 2, ' '), []);
    const patch = items.find((i) => i.label === 'patch_size')!;
    assert.match((patch.documentation as MarkupContent).value, /divisible/);
    // A partial key on a list item: keys of a task.
    await lsp.change(uri, 'name: x\ndata:\n  tasks:\n    - name: counting\n      tr\n');
    const taskKeys = (await lsp.completion(uri, 4, 8)).map((i) => i.label);
    assert.ok(taskKeys.includes('train') && taskKeys.includes('val') && !taskKeys.includes('name'), String(taskKeys));
  });

  it('completes booleans and list items from the schema', async () => {
    const uri = await openFresh('bools.experiment.yaml');
    await lsp.change(uri, CRYSTAL.replace('    distance: kl', '    teacher_stop_gradient: \n    corruption:\n      modes:\n        - '));
    assert.deepEqual((await lsp.completion(uri, 11, 27)).map((i) => i.label), ['true', 'false']);
    const modes = (await lsp.completion(uri, 14, 10)).map((i) => i.label);
    assert.ok(modes.includes('blur') && modes.includes('jigsaw'), String(modes));
  });

  it('hovers a key with its description, default and allowed values', async () => {
    const uri = await openFresh('hover.experiment.yaml');
    const onHeads = await lsp.hover(uri, 4, 3);
    const text = (onHeads?.contents as MarkupContent).value;
    assert.match(text, /attention heads/i);
    assert.match(text, /Default: `4`/);
    assert.deepEqual(onHeads?.range, { start: { line: 4, character: 2 }, end: { line: 4, character: 7 } });
    const onDistance = (await lsp.hover(uri, 11, 15))?.contents as MarkupContent;
    assert.match(onDistance.value, /Allowed: `frobenius`, `kl`/);
    assert.equal(await lsp.hover(uri, 12, 0), null);
  });

  it('lists the key tree as document symbols', async () => {
    const uri = await openFresh('symbols.experiment.yaml');
    const symbols = await lsp.symbols(uri);
    assert.deepEqual(symbols.map((s) => s.name), ['name', 'seed', 'model', 'latents', 'method']);
    const method = symbols.find((s) => s.name === 'method')!;
    assert.deepEqual(method.children?.map((s) => s.name), ['kind', 'crystal']);
    assert.equal(method.range.start.line, 8);
    assert.deepEqual(method.children?.[1].children?.map((s) => s.name), ['distance']);
  });

  it('validates a variant against the unsaved text of its open base file', async () => {
    const base = path.join(dir, 'base.experiment.yaml');
    const variant = path.join(dir, 'variant.experiment.yaml');
    fs.writeFileSync(base, CRYSTAL);
    fs.writeFileSync(variant, 'extends: base.experiment.yaml\nname: variant\n');
    await lsp.open(fileUri(base), CRYSTAL);
    await lsp.open(fileUri(variant), fs.readFileSync(variant, 'utf8'));
    assert.deepEqual(await lsp.waitForDiagnostics(fileUri(variant), () => true), []);
    // Break the base in the editor only (disk stays valid): the variant reports it on its extends line.
    await lsp.change(fileUri(base), CRYSTAL.replace('kind: crystal', 'kind: crystl'));
    const [d] = await lsp.waitForDiagnostics(fileUri(variant), hasError);
    assert.match(d.message, /base\.experiment\.yaml:10:/);
    assert.match(d.message, /crystl/);
    assert.equal(d.range.start.line, 0);
    // Fix the base: the variant clears without being touched.
    await lsp.change(fileUri(base), CRYSTAL);
    assert.deepEqual(await lsp.waitForDiagnostics(fileUri(variant), (x) => x.length === 0), []);
  });

  it('confines init_from to the workspace plus latentLab.allowedPaths, re-checking open files when the setting changes', async () => {
    // A checkpoint folder outside the experiment's folder tree (no project marker above /tmp).
    const elsewhere = workspace({ 'checkpoint.json': '{}' });
    try {
      const file = path.join(dir, 'confined.experiment.yaml');
      const body = CRYSTAL.replace('model:\n', `model:\n  init_from: ${elsewhere}\n`);   // line 3
      fs.writeFileSync(file, body);
      const uri = fileUri(file);
      await lsp.open(uri, body);
      const [outside] = await lsp.waitForDiagnostics(uri, hasError);
      assert.equal(outside.code, 'path.outside', outside.message);
      assert.equal(outside.range.start.line, 3);
      // The user allows the folder: the open file is checked again without being touched.
      await lsp.configure({ validation: { debounceMs: 20 }, allowedPaths: [elsewhere, 'relative/ignored'] });
      assert.deepEqual((await lsp.waitForDiagnostics(uri, (d) => !hasError(d))).map((d) => d.message), []);
      // Taken away again: the error comes back.
      await lsp.configure({ validation: { debounceMs: 20 }, allowedPaths: [] });
      assert.equal((await lsp.waitForDiagnostics(uri, hasError))[0].code, 'path.outside');
      await lsp.close(uri);
      // Given at start (initializationOptions), it holds from the first check.
      const second = await LspSession.start({ debounceMs: 20, allowedPaths: [elsewhere] });
      try {
        await second.open(uri, body);
        assert.deepEqual((await second.waitForDiagnostics(uri, () => true)).map((d) => d.message), []);
      } finally {
        await second.stop();
      }
    } finally {
      fs.rmSync(elsewhere, { recursive: true, force: true });
    }
  });
});
