// Where in the config tree is the cursor? Answered from indentation, line by line,
// because completion happens while the file is half-typed (`  mod`, `kind: `), where
// a YAML parser sees a different tree than the one the user is writing. Block-style
// YAML only (what the examples use); inside flow collections we offer nothing.

import type { ConfigPath } from './schemaWalk';

export interface LineShape {
  blank: boolean;       // empty or comment only
  dashCols: number[];   // columns of `- ` sequence markers, outermost first
  contentCol: number;   // column where the key or scalar starts
  key?: string;         // mapping key on this line (quotes removed)
  keyEnd: number;       // column after the key text
  colonCol: number;     // column of the `:` after the key, -1 if none
}

const KEY_RE = /^("(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^\s:#'"\[\]{},][^:#]*?)\s*:(?=\s|$)/;

export function lineShape(line: string): LineShape {
  const dashCols: number[] = [];
  let col = 0;
  while (col < line.length && line[col] === ' ') col++;
  while (line[col] === '-' && (col + 1 === line.length || line[col + 1] === ' ')) {
    dashCols.push(col);
    col++;
    while (col < line.length && line[col] === ' ') col++;
  }
  const rest = line.slice(col);
  const blank = dashCols.length === 0 && (rest.trim() === '' || rest.startsWith('#'));
  const m = KEY_RE.exec(rest);
  if (!m) return { blank, dashCols, contentCol: col, keyEnd: col, colonCol: -1 };
  const rawKey = m[1];
  const key = /^["']/.test(rawKey) ? rawKey.slice(1, -1) : rawKey;
  return { blank, dashCols, contentCol: col, key, keyEnd: col + rawKey.length, colonCol: col + m[0].length - 1 };
}

/**
 * Path of the mapping that holds a node starting at `col` on line `lineNo`.
 * `seqItem`: the node is a sequence marker `- ` at `col`, whose owner key may sit at the same column.
 */
function enclosingPath(lines: string[], lineNo: number, col: number, seqItem: boolean): ConfigPath {
  const path: ConfigPath = [];
  let limit = col;
  let allowEqual = seqItem;
  for (let i = lineNo - 1; i >= 0 && (limit > 0 || allowEqual); i--) {
    const s = lineShape(lines[i]);
    if (s.blank) continue;
    if (s.key !== undefined && (s.contentCol < limit || (allowEqual && s.contentCol <= limit))) {
      path.unshift(s.key);
      if (s.dashCols.length) {
        path.unshift(...s.dashCols.map(() => -1));
        limit = s.dashCols[0];
        allowEqual = true;
      } else {
        limit = s.contentCol;
        allowEqual = false;
      }
      continue;
    }
    const containing = s.dashCols.filter((d) => d < limit);
    if (containing.length) {
      path.unshift(...containing.map(() => -1));
      limit = containing[0];
      allowEqual = true;
    } else if (s.dashCols.length === 0 && s.key === undefined && s.contentCol < limit) {
      // A plain scalar line shallower than us (e.g. a multi-line value): nothing encloses past it.
      break;
    }
  }
  return path;
}

/** Path of the mapping that holds the content of line `lineNo` (its key, or its item). */
export function parentPathOfLine(lines: string[], lineNo: number, shape = lineShape(lines[lineNo] ?? '')): ConfigPath {
  if (shape.dashCols.length) {
    return [...enclosingPath(lines, lineNo, shape.dashCols[0], true), ...shape.dashCols.map(() => -1)];
  }
  return enclosingPath(lines, lineNo, shape.contentCol, false);
}

export type CursorContext =
  /** Typing a key: `parent` is the mapping, `start`..`end` the partial key to replace. */
  | { kind: 'key'; parent: ConfigPath; start: number; end: number; siblings: string[] }
  /** Typing the value of `path` (after `key:`), or an item of the sequence at `path` (after `- `). */
  | { kind: 'value'; path: ConfigPath; start: number; end: number; item: boolean; needsSpace: boolean };

function valueEnd(line: string, from: number): number {
  const hash = line.indexOf(' #', from);
  const end = hash < 0 ? line.length : hash;
  return Math.max(from, end - (line.slice(from, end).length - line.slice(from, end).trimEnd().length));
}

export function cursorContext(lines: string[], lineNo: number, character: number): CursorContext | undefined {
  const line = lines[lineNo] ?? '';
  const s = lineShape(line);
  if (/^\s*#/.test(line.slice(0, character)) || /[\[{]/.test(line.slice(0, character))) return undefined;
  if (s.key !== undefined && s.colonCol >= 0 && character > s.colonCol) {
    let start = s.colonCol + 1;
    while (start < line.length && line[start] === ' ') start++;
    const needsSpace = start === s.colonCol + 1;   // `kind:|` — a value must be separated by a space
    return { kind: 'value', path: [...parentPathOfLine(lines, lineNo, s), s.key], start, end: valueEnd(line, start), item: false, needsSpace };
  }
  if (s.dashCols.length && s.key === undefined) {
    // `- blu` : a scalar item, unless the user is starting a key of an object item (decided by the caller's schema).
    const owner = enclosingPath(lines, lineNo, s.dashCols[0], true);
    return { kind: 'value', path: owner, start: s.contentCol, end: valueEnd(line, s.contentCol), item: true, needsSpace: line[s.contentCol - 1] !== ' ' };
  }
  const col = s.blank ? Math.min(character, line.length) : s.contentCol;
  const shape = s.blank ? { ...s, contentCol: col } : s;
  const parent = parentPathOfLine(lines, lineNo, shape);
  const end = s.key !== undefined ? s.keyEnd : Math.max(col, valueEnd(line, col));
  return { kind: 'key', parent, start: col, end, siblings: siblingKeys(lines, lineNo, col, s.dashCols.length > 0) };
}

/** Keys already present in the mapping that line `lineNo` (content at `col`) belongs to. */
export function siblingKeys(lines: string[], lineNo: number, col: number, startsItem: boolean): string[] {
  const keys: string[] = [];
  if (!startsItem) {
    for (let i = lineNo - 1; i >= 0; i--) {
      const s = lineShape(lines[i]);
      if (s.blank) continue;
      if (s.contentCol < col && s.dashCols.length === 0) break;
      if (s.contentCol === col && s.key !== undefined) keys.push(s.key);
      if (s.dashCols.some((d) => d < col)) break;   // start of our sequence item
    }
  }
  for (let i = lineNo + 1; i < lines.length; i++) {
    const s = lineShape(lines[i]);
    if (s.blank) continue;
    if (s.dashCols.some((d) => d < col) || s.contentCol < col) break;
    if (s.contentCol === col && s.key !== undefined) keys.push(s.key);
  }
  return keys;
}

/** The key on line `lineNo` with its full path, for hover (cursor on the key or its value). */
export function keyAtLine(lines: string[], lineNo: number): { path: ConfigPath; start: number; end: number } | undefined {
  const s = lineShape(lines[lineNo] ?? '');
  if (s.key === undefined) return undefined;
  return { path: [...parentPathOfLine(lines, lineNo, s), s.key], start: s.contentCol, end: s.keyEnd };
}
