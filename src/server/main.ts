// Language server entry: wires the connection to the handlers and does nothing else.
// Transport comes from argv (--node-ipc from the extension, --stdio for other clients).

import { createConnection, ProposedFeatures, TextDocuments, TextDocumentSyncKind, type InitializeResult } from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { formatProblem } from '../core/problems';
import { quickFixes } from './codeActions';
import { completionsAt } from './completion';
import { absoluteFolders, DEFAULT_DEBOUNCE_MS, DiagnosticsScheduler } from './diagnostics';
import { uriToPath } from './documentHost';
import { describeError, guarded } from './guard';
import { hoverAt } from './hover';
import { VALIDATE_REQUEST, type ServerSettings, type ValidateParams, type ValidateSummary } from '../core/lspProtocol';
import { documentSymbols } from './symbols';

const connection = createConnection(ProposedFeatures.all);
const documents = new TextDocuments(TextDocument);
const diagnostics = new DiagnosticsScheduler(connection, documents);
const log = { error: (m: string) => connection.console.error(m) };

function applySettings(settings: ServerSettings | undefined): void {
  const ms = settings?.validation?.debounceMs;
  diagnostics.debounceMs = typeof ms === 'number' && Number.isFinite(ms) && ms >= 0 ? Math.min(ms, 10_000) : DEFAULT_DEBOUNCE_MS;
  diagnostics.setAllowedPaths(absoluteFolders(settings?.allowedPaths));
}

process.on('uncaughtException', (e) => log.error(`latent-lab server: uncaught ${describeError(e)}`));
process.on('unhandledRejection', (e) => log.error(`latent-lab server: unhandled rejection ${describeError(e)}`));

connection.onInitialize((params): InitializeResult => {
  guarded('initialize', log, undefined, () => applySettings(params.initializationOptions as ServerSettings | undefined))();
  const folders = params.workspaceFolders?.map((f) => f.uri) ?? (params.rootUri ? [params.rootUri] : []);
  diagnostics.workspaceFolders = folders.filter((u) => u.startsWith('file:')).map(uriToPath);
  return {
    capabilities: {
      textDocumentSync: TextDocumentSyncKind.Incremental,
      completionProvider: { triggerCharacters: [' '] },
      hoverProvider: true,
      documentSymbolProvider: true,
      codeActionProvider: { codeActionKinds: ['quickfix'] },
    },
    serverInfo: { name: 'latent-lab', version: '0.1.0' },
  };
});

connection.onDidChangeConfiguration(guarded('didChangeConfiguration', log, undefined, (change) => {
  const settings = (change.settings as { latentLab?: ServerSettings } | undefined)?.latentLab;
  if (settings) applySettings(settings);
}));

// Opening is debounced like typing: a file closed again before the timer fires (a burst of
// opens, e.g. a search touching many files) costs nothing, so the server stays responsive.
documents.onDidOpen(guarded('didOpen', log, undefined, (e) => diagnostics.schedule(e.document.uri)));
documents.onDidChangeContent(guarded('didChange', log, undefined, (e) => diagnostics.schedule(e.document.uri)));
documents.onDidClose(guarded('didClose', log, undefined, (e) => diagnostics.forget(e.document.uri)));

connection.onCompletion(guarded('completion', log, [], (p) => {
  const doc = documents.get(p.textDocument.uri);
  return doc ? completionsAt(doc.getText(), p.position, p.context?.triggerCharacter) : [];
}));
connection.onHover(guarded('hover', log, null, (p) => {
  const doc = documents.get(p.textDocument.uri);
  return doc ? hoverAt(doc.getText(), p.position) : null;
}));
connection.onDocumentSymbol(guarded('documentSymbol', log, [], (p) => {
  const doc = documents.get(p.textDocument.uri);
  return doc ? documentSymbols(doc) : [];
}));
connection.onCodeAction(guarded('codeAction', log, [], (p) => quickFixes(p, diagnostics.publishedFor(p.textDocument.uri))));

connection.onRequest(VALIDATE_REQUEST, guarded('validate', log, null, (p: ValidateParams): ValidateSummary | null => {
  const result = diagnostics.validateNow(p.uri);
  if (!result) return null;
  const problems = result.problems.map(formatProblem);
  return {
    uri: p.uri,
    errors: result.problems.filter((q) => q.severity === 'error').length,
    warnings: result.problems.filter((q) => q.severity === 'warning').length,
    problems,
  };
}));

connection.onShutdown(() => diagnostics.dispose());
documents.listen(connection);
connection.listen();
