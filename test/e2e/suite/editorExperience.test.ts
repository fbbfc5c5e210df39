// What a user sees in a real VS Code: open the CrystaL example, make a typo, get a
// diagnostic with a helpful message and a quick fix that removes it, get completions
// for the method kind. Runs inside the extension host (see index.ts).

import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';

const EXTENSION_ID = 'latent-lab.latent-lab';

function workspaceFile(name: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the test VS Code has no workspace folder open');
  return vscode.Uri.file(path.join(folder.uri.fsPath, name));
}

async function until<T>(what: string, probe: () => T | undefined | false, timeoutMs = 20000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function lineOf(doc: vscode.TextDocument, re: RegExp): number {
  for (let i = 0; i < doc.lineCount; i++) if (re.test(doc.lineAt(i).text)) return i;
  throw new Error(`no line matching ${re} in ${doc.uri.fsPath}`);
}

async function replaceLine(doc: vscode.TextDocument, line: number, text: string): Promise<void> {
  const edit = new vscode.WorkspaceEdit();
  edit.replace(doc.uri, doc.lineAt(line).range, text);
  assert.ok(await vscode.workspace.applyEdit(edit), 'edit was not applied');
}

const errorsOf = (uri: vscode.Uri) => vscode.languages.getDiagnostics(uri).filter((d) => d.severity === vscode.DiagnosticSeverity.Error);

/** Applies the quick fix titled `title` offered for `diagnostic`, through the code action provider. */
async function applyQuickFix(uri: vscode.Uri, diagnostic: vscode.Diagnostic, title: string): Promise<void> {
  const actions = await vscode.commands.executeCommand<(vscode.CodeAction | vscode.Command)[]>(
    'vscode.executeCodeActionProvider', uri, diagnostic.range, vscode.CodeActionKind.QuickFix.value);
  const fix = actions.find((a): a is vscode.CodeAction => a.title === title && 'edit' in a);
  assert.ok(fix?.edit, `no quick fix "${title}"; offered: ${actions.map((a) => a.title).join(' | ')}`);
  assert.ok(await vscode.workspace.applyEdit(fix.edit), 'quick fix edit was not applied');
}

describe('Latent Lab in VS Code: experiment files', function () {
  let doc: vscode.TextDocument;

  before(async function () {
    this.timeout(60000);
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is not installed`);
    doc = await vscode.workspace.openTextDocument(workspaceFile('crystal.experiment.yaml'));
    await vscode.window.showTextDocument(doc);
    await until('the extension to activate', () => ext.isActive);
  });

  after(async () => {
    // Leave the file as it was on disk, so nothing is left dirty.
    await vscode.window.showTextDocument(doc);
    await vscode.commands.executeCommand('workbench.action.files.revert');
  });

  it('opens the CrystaL example as a Latent Lab experiment with zero problems', async () => {
    assert.equal(doc.languageId, 'latent-experiment');
    // The command asks the language server to validate now: proves the server answered for this file.
    const summary = await vscode.commands.executeCommand<{ errors: number; warnings: number; problems: string[] }>('latentLab.validateFile', doc.uri);
    assert.ok(summary, 'latentLab.validateFile returned nothing');
    assert.deepEqual(summary.problems, []);
    await until('zero diagnostics', () => vscode.languages.getDiagnostics(doc.uri).length === 0);
  });

  it('a typo in a key shows a helpful diagnostic; its quick fix makes it vanish', async () => {
    const line = lineOf(doc, /^method:/);
    await replaceLine(doc, line, 'methd:');
    const d = await until('the typo diagnostic', () => errorsOf(doc.uri).find((x) => x.message.includes('methd')));
    assert.equal(d.message, 'unknown key `methd` at the top level: did you mean `method`?');
    assert.equal(d.range.start.line, line);
    assert.equal(d.range.start.character, 0);
    assert.equal(d.range.end.character, 5);
    await applyQuickFix(doc.uri, d, "Change to 'method'");
    assert.equal(doc.lineAt(line).text, 'method:');
    await until('the diagnostic to vanish', () => errorsOf(doc.uri).length === 0);
  });

  it('a misspelt method kind is caught and fixed to the nearest kind', async () => {
    const line = lineOf(doc, /^ {2}kind: crystal/);
    await replaceLine(doc, line, '  kind: crystl');
    const d = await until('the enum diagnostic', () => errorsOf(doc.uri).find((x) => x.message.includes('crystl')));
    assert.equal(d.message, "`method.kind` must be one of sft, livr, crystal, valr (got 'crystl'): did you mean 'crystal'?");
    await applyQuickFix(doc.uri, d, "Change to 'crystal'");
    assert.equal(doc.lineAt(line).text, '  kind: crystal');
    await until('the diagnostic to vanish', () => errorsOf(doc.uri).length === 0);
  });

  it('completes the method kind with sft, livr, crystal and valr', async () => {
    const line = lineOf(doc, /^ {2}kind: crystal/);
    await replaceLine(doc, line, '  kind: ');
    const list = await vscode.commands.executeCommand<vscode.CompletionList>(
      'vscode.executeCompletionItemProvider', doc.uri, new vscode.Position(line, 8));
    const labels = list.items.map((i) => (typeof i.label === 'string' ? i.label : i.label.label));
    for (const kind of ['sft', 'livr', 'crystal', 'valr']) assert.ok(labels.includes(kind), `${kind} not offered: ${labels.join(', ')}`);
    await replaceLine(doc, line, '  kind: crystal');
  });

  it('hovers a key with its documentation', async () => {
    const line = lineOf(doc, /^ {4}distance:/);
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, new vscode.Position(line, 6));
    const text = hovers.flatMap((h) => h.contents).map((c) => (typeof c === 'string' ? c : 'value' in c ? c.value : '')).join('\n');
    assert.match(text, /Allowed: `frobenius`, `kl`/);
  });

  it('outlines the file as its key tree', async () => {
    const symbols = await vscode.commands.executeCommand<vscode.DocumentSymbol[]>('vscode.executeDocumentSymbolProvider', doc.uri);
    const names = symbols.map((s) => s.name);
    for (const key of ['name', 'data', 'latents', 'method', 'train', 'eval']) assert.ok(names.includes(key), `${key} missing: ${names}`);
    assert.ok(symbols.find((s) => s.name === 'method')?.children.some((c) => c.name === 'crystal'));
  });
});
