// Extension activation time: require dist/extension.js (the bundle VS Code loads)
// with a stub `vscode` module, then time `activate()`. The stub answers every API
// call with another stub, so the number is the extension's own work: module
// initialisation plus wiring (the language server process is not started by the stub).
// usage: node scripts/build.mjs && node --experimental-strip-types bench/activation.ts   (or tsx)
import * as path from 'node:path';
import Module = require('node:module');

function stub(name: string): unknown {
  const fn = function () { /* stub */ };
  return new Proxy(fn, {
    get: (_t, prop) => (prop === 'then' ? undefined : prop === Symbol.toPrimitive ? () => name : stub(`${name}.${String(prop)}`)),
    set: () => true,   // assignments (item.name = …) are accepted and forgotten
    apply: (_t, _this, args: unknown[]) => (name.endsWith('.get') && args.length > 1 ? args[1] : /\.(findFiles)$/.test(name) ? Promise.resolve([]) : /Message$/.test(name) ? Promise.resolve(undefined) : stub(`${name}()`)),
    construct: () => stub(`new ${name}`) as object,
  });
}

// esbuild's ESM interop copies the module's own keys: name the API namespaces the bundle reads.
const API = ['commands', 'window', 'workspace', 'languages', 'extensions', 'env', 'Uri', 'EventEmitter', 'Disposable', 'Range', 'Position',
  'TreeItem', 'TreeItemCollapsibleState', 'ThemeIcon', 'MarkdownString', 'CodeLens', 'CodeAction', 'CodeActionKind', 'Diagnostic',
  'DiagnosticSeverity', 'ProgressLocation', 'StatusBarAlignment', 'ViewColumn', 'NotebookCellKind', 'version'];
const target: Record<string, unknown> = {};
for (const k of API) target[k] = stub(`vscode.${k}`);
target.version = '1.100.3';
const vscodeStub = new Proxy(target, { get: (t, prop) => (prop in t ? t[prop as string] : prop === 'then' ? undefined : stub(`vscode.${String(prop)}`)) });
const load = (Module as unknown as { _load: (req: string, parent: unknown, isMain: boolean) => unknown })._load;
(Module as unknown as { _load: typeof load })._load = (req, parent, isMain) => (req === 'vscode' ? vscodeStub : load(req, parent, isMain));

async function main(): Promise<void> {
  const root = path.resolve(process.argv[2] ?? '.');   // the repository root (run from it)
  const t0 = performance.now();
  const ext = require(path.join(root, 'dist/extension.js')) as { activate: (ctx: unknown) => Promise<unknown> };
  const t1 = performance.now();
  // The stub cannot host the language client: its start fails after the wiring is done; that is still counted.
  await ext.activate(stub('context')).catch(() => undefined);
  const t2 = performance.now();
  console.log(`require dist/extension.js: ${(t1 - t0).toFixed(1)} ms; activate(): ${(t2 - t1).toFixed(1)} ms; total ${(t2 - t0).toFixed(1)} ms (target < 100 ms)`);
}
void main();
