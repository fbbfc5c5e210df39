// Hover on a key (or its value): the schema's description, default and allowed values.

import { MarkupKind, type Hover, type Position } from 'vscode-languageserver';
import { keyAtLine } from './yamlContext';
import { documentation, schemaAt } from './schemaWalk';

export function hoverAt(text: string, position: Position): Hover | null {
  const lines = text.split(/\r?\n/);
  const hit = keyAtLine(lines, position.line);
  if (!hit || position.character < hit.start) return null;
  const node = schemaAt(hit.path);
  if (!node) return null;
  const key = String(hit.path[hit.path.length - 1]);
  const dotted = hit.path.map((s) => (typeof s === 'number' ? '[]' : s)).join('.').replace(/\.\[\]/g, '[]');
  return {
    contents: { kind: MarkupKind.Markdown, value: `${documentation(key, node)}\n\n\`${dotted}\`` },
    range: { start: { line: position.line, character: hit.start }, end: { line: position.line, character: hit.end } },
  };
}
