// Completion of keys (the schema's properties not yet written in this mapping) and of
// values (enum members, booleans) at the cursor, documented from the schema.

import { CompletionItemKind, InsertTextFormat, MarkupKind, type CompletionItem, type Position } from 'vscode-languageserver';
import { cursorContext, siblingKeys, lineShape } from './yamlContext';
import {
  allowedItemValues, allowedValues, documentation, formatValue, isArrayNode, isObjectNode, propertiesOf, schemaAt,
  type ConfigPath, type SchemaNode,
} from './schemaWalk';

function range(line: number, start: number, end: number) {
  return { start: { line, character: start }, end: { line, character: end } };
}

function keyItems(parent: ConfigPath, siblings: string[], line: number, start: number, end: number): CompletionItem[] {
  const node = schemaAt(parent);
  if (!node) return [];
  const present = new Set(siblings);
  return Object.entries(propertiesOf(node)).filter(([key]) => !present.has(key)).map(([key, child], i) => {
    const compound = isObjectNode(child) || isArrayNode(child);
    const hasValues = allowedValues(child).length > 0;
    return {
      label: key,
      kind: compound ? CompletionItemKind.Module : CompletionItemKind.Property,
      documentation: { kind: MarkupKind.Markdown, value: documentation(key, child) },
      detail: compound ? (isArrayNode(child) ? 'list' : 'section') : child.default !== undefined ? `default: ${formatValue(child.default)}` : undefined,
      sortText: String(i).padStart(3, '0'),
      textEdit: { range: range(line, start, end), newText: compound ? `${key}:` : `${key}: ` },
      insertTextFormat: InsertTextFormat.PlainText,
      // After `kind: ` the user wants the values next: open the list again.
      command: hasValues ? { title: 'Suggest values', command: 'editor.action.triggerSuggest' } : undefined,
    };
  });
}

function valueItems(key: string, node: SchemaNode, values: unknown[], line: number, start: number, end: number, space: boolean): CompletionItem[] {
  return values.map((v, i) => ({
    label: formatValue(v),
    kind: typeof v === 'boolean' ? CompletionItemKind.Keyword : CompletionItemKind.EnumMember,
    documentation: { kind: MarkupKind.Markdown, value: documentation(key, node) },
    detail: node.default !== undefined && formatValue(node.default) === formatValue(v) ? 'default' : undefined,
    preselect: node.default !== undefined && formatValue(node.default) === formatValue(v),
    sortText: String(i).padStart(3, '0'),
    filterText: formatValue(v),
    textEdit: { range: range(line, start, end), newText: (space ? ' ' : '') + formatValue(v) },
  }));
}

/** `triggerCharacter`: a space only asks for values (after `key: ` or `- `), never while indenting. */
export function completionsAt(text: string, position: Position, triggerCharacter?: string): CompletionItem[] {
  const lines = text.split(/\r?\n/);
  const before = (lines[position.line] ?? '').slice(0, position.character);
  if (triggerCharacter === ' ' && !/(:|^\s*-) $/.test(before)) return [];
  const ctx = cursorContext(lines, position.line, position.character);
  if (!ctx) return [];
  if (ctx.kind === 'key') return keyItems(ctx.parent, ctx.siblings, position.line, ctx.start, ctx.end);
  const node = schemaAt(ctx.path);
  if (!node) return [];
  const key = String([...ctx.path].reverse().find((s) => typeof s === 'string') ?? '');
  if (!ctx.item) return valueItems(key, node, allowedValues(node), position.line, ctx.start, ctx.end, ctx.needsSpace);
  // `- x`: an item of a list; object items get keys, scalar items get values.
  const itemNode = schemaAt([...ctx.path, -1]);
  if (itemNode && isObjectNode(itemNode)) {
    const col = lineShape(lines[position.line]).contentCol;
    const end = Math.max(ctx.start, position.character);
    return keyItems([...ctx.path, -1], siblingKeys(lines, position.line, col, true), position.line, ctx.start, end);
  }
  return valueItems(key, node, allowedItemValues(node), position.line, ctx.start, ctx.end, ctx.needsSpace);
}
