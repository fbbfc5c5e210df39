// Quick fixes: each Problem.fixes entry (from the validator) becomes a code action that
// replaces the diagnostic's range, e.g. `methd` -> `method`, `crystl` -> `crystal`.

import { CodeActionKind, type CodeAction, type CodeActionParams, type Diagnostic } from 'vscode-languageserver';
import type { DiagnosticData } from './diagnostics';

function fixesOf(d: Diagnostic): DiagnosticData['fixes'] {
  const data = d.data as Partial<DiagnosticData> | undefined;
  return Array.isArray(data?.fixes) ? data.fixes.filter((f) => typeof f?.title === 'string' && typeof f?.newText === 'string') : [];
}

/** `published`: the server's own diagnostics for the document, used when the client did not echo `data`. */
export function quickFixes(params: CodeActionParams, published: readonly Diagnostic[]): CodeAction[] {
  const only = params.context.only;
  if (only && !only.some((k) => CodeActionKind.QuickFix.startsWith(k))) return [];
  const actions: CodeAction[] = [];
  for (const d of params.context.diagnostics) {
    let fixes = fixesOf(d);
    if (!fixes.length) {
      const same = published.find((p) => p.message === d.message && p.range.start.line === d.range.start.line && p.range.start.character === d.range.start.character);
      fixes = same ? fixesOf(same) : [];
    }
    fixes.forEach((fix, i) => actions.push({
      title: fix.title,
      kind: CodeActionKind.QuickFix,
      diagnostics: [d],
      isPreferred: i === 0,
      edit: { changes: { [params.textDocument.uri]: [{ range: d.range, newText: fix.newText }] } },
    }));
  }
  return actions;
}
