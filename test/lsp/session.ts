// A minimal LSP client for tests: forks dist/server.js as its own process (--node-ipc,
// as the extension does) and speaks the protocol with vscode-languageserver-protocol.

import { fork, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  createProtocolConnection, IPCMessageReader, IPCMessageWriter,
  CodeActionRequest, CompletionRequest, DocumentSymbolRequest, HoverRequest, InitializeRequest, InitializedNotification,
  DidOpenTextDocumentNotification, DidChangeTextDocumentNotification, DidChangeConfigurationNotification, DidCloseTextDocumentNotification, PublishDiagnosticsNotification,
  ShutdownRequest, ExitNotification,
  type CodeAction, type Command, type CompletionItem, type CompletionList, type Diagnostic, type DocumentSymbol, type Hover,
  type ProtocolConnection, type Range, type SymbolInformation,
} from 'vscode-languageserver-protocol/node';

export const REPO_ROOT = path.resolve(__dirname, '../../..');
/** LATENT_LAB_SERVER overrides the bundle under test (default: the repository's dist/server.js). */
export const SERVER_JS = process.env.LATENT_LAB_SERVER ?? path.join(REPO_ROOT, 'dist/server.js');

export function fileUri(file: string): string {
  return pathToFileURL(file).toString();
}

/** A temporary folder with the given files; returns its path. */
export function workspace(files: Record<string, string | Buffer>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'latent-lsp-'));
  for (const [name, body] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), body);
  return dir;
}

export class LspSession {
  private versions = new Map<string, number>();
  private diagnostics = new Map<string, Diagnostic[]>();
  private waiters: (() => void)[] = [];
  readonly stderr: string[] = [];
  exitCode: number | null = null;

  private constructor(private readonly child: ChildProcess, readonly conn: ProtocolConnection) {
    conn.onNotification(PublishDiagnosticsNotification.type, (p) => {
      this.diagnostics.set(p.uri, p.diagnostics);
      for (const w of this.waiters.splice(0)) w();
    });
    child.on('exit', (code) => { this.exitCode = code ?? -1; for (const w of this.waiters.splice(0)) w(); });
  }

  /** The server's process id (for memory bounds). */
  get pid(): number | undefined { return this.child.pid; }

  /** `env`: extra environment variables for the server process (e.g. LATENT_LAB_ALLOW_PATHS). */
  static async start(settings: { debounceMs?: number; allowedPaths?: string[]; env?: Record<string, string> } = { debounceMs: 20 }): Promise<LspSession> {
    if (!fs.existsSync(SERVER_JS)) throw new Error(`${SERVER_JS} is missing: run \`node scripts/build.mjs\` first`);
    const child = fork(SERVER_JS, ['--node-ipc'], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], env: { ...process.env, ...settings.env } });
    const conn = createProtocolConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
    const session = new LspSession(child, conn);
    child.stderr?.on('data', (b: Buffer) => session.stderr.push(b.toString()));
    conn.listen();
    await conn.sendRequest(InitializeRequest.type, {
      processId: process.pid, rootUri: null, workspaceFolders: null,
      capabilities: { textDocument: { publishDiagnostics: { relatedInformation: false }, hover: { contentFormat: ['markdown'] } } },
      initializationOptions: { validation: { debounceMs: settings.debounceMs }, allowedPaths: settings.allowedPaths },
    });
    await conn.sendNotification(InitializedNotification.type, {});
    return session;
  }

  /** The `latentLab` settings section, as the client pushes it when the user changes a setting. */
  async configure(latentLab: Record<string, unknown>): Promise<void> {
    await this.conn.sendNotification(DidChangeConfigurationNotification.type, { settings: { latentLab } });
  }

  async open(uri: string, text: string): Promise<void> {
    this.versions.set(uri, 1);
    this.diagnostics.delete(uri);
    await this.conn.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'latent-experiment', version: 1, text } });
  }

  async change(uri: string, text: string): Promise<void> {
    const version = (this.versions.get(uri) ?? 1) + 1;
    this.versions.set(uri, version);
    await this.conn.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version }, contentChanges: [{ text }] });
  }

  async close(uri: string): Promise<void> {
    await this.conn.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri } });
  }

  /** Waits until the latest diagnostics published for `uri` satisfy `ok`; fails with what was seen. */
  async waitForDiagnostics(uri: string, ok: (d: Diagnostic[]) => boolean, timeoutMs = 15000): Promise<Diagnostic[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const seen = this.diagnostics.get(uri);
      if (seen && ok(seen)) return seen;
      if (this.exitCode !== null) throw new Error(`server exited (${this.exitCode}); stderr: ${this.stderr.join('')}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for diagnostics on ${uri}; last: ${JSON.stringify(seen?.map((d) => d.message))}`);
      await new Promise<void>((resolve) => { const t = setTimeout(resolve, left); this.waiters.push(() => { clearTimeout(t); resolve(); }); });
    }
  }

  async completion(uri: string, line: number, character: number, triggerCharacter?: string): Promise<CompletionItem[]> {
    const context = triggerCharacter ? { triggerKind: 2 as const, triggerCharacter } : { triggerKind: 1 as const };
    const r = await this.conn.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: { line, character }, context });
    return r === null ? [] : Array.isArray(r) ? r : (r as CompletionList).items;
  }

  hover(uri: string, line: number, character: number): Promise<Hover | null> {
    return this.conn.sendRequest(HoverRequest.type, { textDocument: { uri }, position: { line, character } });
  }

  async symbols(uri: string): Promise<DocumentSymbol[]> {
    const r = await this.conn.sendRequest(DocumentSymbolRequest.type, { textDocument: { uri } });
    return (r ?? []) as DocumentSymbol[] | SymbolInformation[] as DocumentSymbol[];
  }

  async codeActions(uri: string, range: Range, diagnostics: Diagnostic[]): Promise<CodeAction[]> {
    const r = await this.conn.sendRequest(CodeActionRequest.type, { textDocument: { uri }, range, context: { diagnostics } });
    return (r ?? []).filter((a: Command | CodeAction): a is CodeAction => 'title' in a && !('command' in a && typeof a.command === 'string'));
  }

  /** The server still answers requests (it did not crash or hang). */
  async assertAlive(uri: string): Promise<void> {
    const answer = await Promise.race([
      this.conn.sendRequest(HoverRequest.type, { textDocument: { uri }, position: { line: 0, character: 0 } }).then(() => 'answered'),
      new Promise<string>((r) => setTimeout(() => r('no answer within 10 s'), 10000)),
    ]);
    if (answer !== 'answered' || this.exitCode !== null) throw new Error(`server not alive: ${answer}, exit ${this.exitCode}; stderr: ${this.stderr.join('')}`);
  }

  async stop(): Promise<void> {
    try {
      await Promise.race([this.conn.sendRequest(ShutdownRequest.type), new Promise((r) => setTimeout(r, 2000))]);
      await this.conn.sendNotification(ExitNotification.type);
    } catch { /* already gone */ }
    this.conn.dispose();
    if (this.exitCode === null) this.child.kill();
  }
}
