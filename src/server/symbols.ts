// Document symbols: the YAML key tree (outline, breadcrumbs, Go to Symbol).

import { isMap, isPair, isScalar, isSeq, parseDocument, type Node } from 'yaml';
import { SymbolKind, type DocumentSymbol, type Range } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';

const MAX_SYMBOLS = 20_000;   // a pathological file still answers quickly

function kindOf(node: unknown): SymbolKind {
  if (isMap(node)) return SymbolKind.Namespace;
  if (isSeq(node)) return SymbolKind.Array;
  if (isScalar(node)) {
    if (typeof node.value === 'number') return SymbolKind.Number;
    if (typeof node.value === 'boolean') return SymbolKind.Boolean;
  }
  return SymbolKind.String;
}

export function documentSymbols(doc: TextDocument): DocumentSymbol[] {
  const parsed = parseDocument(doc.getText(), { prettyErrors: false, uniqueKeys: false });
  let budget = MAX_SYMBOLS;
  const rangeOf = (start: number, end: number): Range => ({ start: doc.positionAt(start), end: doc.positionAt(Math.max(start, end)) });

  function children(node: unknown): DocumentSymbol[] {
    const out: DocumentSymbol[] = [];
    if (isMap(node)) {
      for (const pair of node.items) {
        if (!isPair(pair) || budget <= 0) continue;
        const key = pair.key as Node | null;
        if (!key || !key.range) continue;
        budget--;
        const value = pair.value as Node | null;
        const end = value?.range ? value.range[1] : key.range[1];
        const detail = isScalar(value) ? String(value.value ?? '') : undefined;
        out.push({
          name: isScalar(key) ? String(key.value) : String(key),
          detail: detail !== undefined && detail.length > 60 ? detail.slice(0, 57) + '...' : detail,
          kind: kindOf(value),
          range: rangeOf(key.range[0], end),
          selectionRange: rangeOf(key.range[0], key.range[1]),
          children: children(value),
        });
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => {
        const n = item as Node | null;
        if (!n || !n.range || budget <= 0) return;
        budget--;
        // A list item named by its `name:` (a task) reads better than its index.
        const named = isMap(n) ? n.get('name') : undefined;
        out.push({
          name: named !== undefined && named !== null ? String(named) : `[${i}]`,
          kind: kindOf(n),
          range: rangeOf(n.range[0], n.range[1]),
          selectionRange: rangeOf(n.range[0], n.range[0]),
          children: children(n),
        });
      });
    }
    return out;
  }
  return children(parsed.contents);
}
