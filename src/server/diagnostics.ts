// Diagnostics as you type: each change (re)starts a per-document timer; when it fires,
// the one validator (src/core/validator.ts) checks the document and its problems are
// published. Problems the validator finds in a base file (reached through `extends`)
// are summarised on this file's `extends:` line, so the file you are editing says why
// it is invalid even when the base is closed.

import * as path from 'node:path';
import { DiagnosticSeverity, type Connection, type Diagnostic, type TextDocuments } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { Problem, Range } from '../core/problems';
import { validateExperimentText, type ValidationResult } from '../core/validator';
import { editorValidatorHost, uriToPath } from './documentHost';
import { describeError } from './guard';

export const DEFAULT_DEBOUNCE_MS = 200;

/** What a diagnostic carries back to the server in `codeAction` requests. */
export interface DiagnosticData { fixes: { title: string; newText: string }[] }

const SEVERITY: Record<Problem['severity'], DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
};

/** Range of the value of the top-level `extends:` key, or the first line if there is none. */
export function extendsLineRange(text: string): Range {
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const m = /^extends\s*:\s*/.exec(lines[i]);
    if (m) {
      const end = lines[i].replace(/\s+#.*$/, '').trimEnd().length;
      return { start: { line: i, character: m[0].length < end ? m[0].length : 0 }, end: { line: i, character: end } };
    }
  }
  return { start: { line: 0, character: 0 }, end: { line: 0, character: (lines[0] ?? '').length } };
}

export function problemsToDiagnostics(problems: readonly Problem[], file: string, text: string): Diagnostic[] {
  const own = path.normalize(file);
  return problems.map((p) => {
    const elsewhere = path.normalize(p.file) !== own;
    const where = `${path.relative(path.dirname(own), p.file) || p.file}:${p.range.start.line + 1}:${p.range.start.character + 1}`;
    const data: DiagnosticData = { fixes: elsewhere ? [] : p.fixes ?? [] };
    return {
      range: elsewhere ? extendsLineRange(text) : p.range,
      severity: SEVERITY[p.severity] ?? DiagnosticSeverity.Error,
      message: elsewhere ? `In ${where}: ${p.message}` : p.message,
      code: p.code,
      source: 'latent-lab',
      data,
    };
  });
}

/** The absolute folder paths of a setting's value (anything else is dropped: relative to what?). */
export function absoluteFolders(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  return value.filter((p): p is string => typeof p === 'string' && p.length > 0 && path.isAbsolute(p)).slice(0, 256);
}

export class DiagnosticsScheduler {
  debounceMs = DEFAULT_DEBOUNCE_MS;
  /** The editor's workspace folders (absolute paths): where experiments may point (core/validate/confine.ts). */
  workspaceFolders: string[] = [];
  /** `latentLab.allowedPaths` (absolute): more folders experiments may point into. */
  private allowedPaths: string[] = [];
  private timers = new Map<string, NodeJS.Timeout>();
  private results = new Map<string, ValidationResult>();   // uri -> last result
  private published = new Map<string, Diagnostic[]>();     // uri -> what the client was sent

  constructor(private readonly connection: Connection, private readonly documents: TextDocuments<TextDocument>) {}

  /** Re-validate `uri` after the debounce delay, and every open file that extends it. */
  schedule(uri: string): void {
    this.lastActivity = Date.now();
    for (const target of [uri, ...this.dependentsOf(uri)]) {
      clearTimeout(this.timers.get(target));
      this.timers.set(target, setTimeout(() => { this.timers.delete(target); this.enqueue(target); }, this.debounceMs));
    }
  }

  // Due validations wait until no document was opened, changed or closed for the
  // debounce delay, then run one per event-loop turn, so messages that arrive meanwhile
  // (a close, an edit, a hover) are handled between two of them. A burst of opens and
  // closes (a search touching 100 large files) therefore validates nothing it closed,
  // instead of validating file after file while every request waits.
  private queue = new Set<string>();
  private draining = false;
  private lastActivity = 0;

  private enqueue(uri: string): void {
    this.queue.add(uri);
    if (!this.draining) { this.draining = true; setImmediate(() => this.drainOne()); }
  }

  private drainOne(): void {
    const quietFor = Date.now() - this.lastActivity;
    if (quietFor < this.debounceMs) { setTimeout(() => this.drainOne(), this.debounceMs - quietFor); return; }
    const [next] = this.queue;
    if (next === undefined) { this.draining = false; return; }
    this.queue.delete(next);
    if (this.documents.get(next)) this.validateNow(next);
    setImmediate(() => this.drainOne());
  }

  /** Validate one open document now and publish its diagnostics. */
  validateNow(uri: string): ValidationResult | undefined {
    const doc = this.documents.get(uri);
    if (!doc) return undefined;
    const file = uriToPath(uri);
    const text = doc.getText();
    let result: ValidationResult;
    try {
      result = validateExperimentText(text, file, editorValidatorHost(this.documents, () => [...this.workspaceFolders, ...this.allowedPaths]));
    } catch (e) {
      // The validator must not throw; if it ever does, say so on the file instead of going silent.
      this.connection.console.error(`latent-lab server: validator threw on ${file}: ${describeError(e)}`);
      result = { problems: [{ file, range: extendsLineRange(''), severity: 'error', code: 'internal',
        message: `Latent Lab could not check this file (internal error: ${e instanceof Error ? e.message : String(e)}). Please report it.` }], files: [file] };
    }
    const diagnostics = problemsToDiagnostics(result.problems, file, text);
    this.results.set(uri, result);
    this.published.set(uri, diagnostics);
    void this.connection.sendDiagnostics({ uri, version: doc.version, diagnostics });
    return result;
  }

  /** New allowed folders change which paths are confined: every open document is checked again. */
  setAllowedPaths(folders: string[]): void {
    if (folders.length === this.allowedPaths.length && folders.every((f, i) => f === this.allowedPaths[i])) return;
    this.allowedPaths = folders;
    for (const doc of this.documents.all()) this.schedule(doc.uri);
  }

  lastResult(uri: string): ValidationResult | undefined {
    return this.results.get(uri);
  }

  publishedFor(uri: string): Diagnostic[] {
    return this.published.get(uri) ?? [];
  }

  forget(uri: string): void {
    this.lastActivity = Date.now();
    clearTimeout(this.timers.get(uri));
    this.timers.delete(uri);
    this.queue.delete(uri);
    this.results.delete(uri);
    this.published.delete(uri);
    void this.connection.sendDiagnostics({ uri, diagnostics: [] });
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.queue.clear();
  }

  /** Open documents whose last validation read `uri`'s file (they extend it, directly or not). */
  private dependentsOf(uri: string): string[] {
    const file = path.normalize(uriToPath(uri));
    const out: string[] = [];
    for (const [other, result] of this.results) {
      if (other !== uri && this.documents.get(other) && result.files.some((f) => path.normalize(f) === file)) out.push(other);
    }
    return out;
  }
}
