// Where each config path was written: one SourceLayer per file of an `extends`
// chain, and a Locator that answers "which file, which range" for any path of
// the merged config. Paths are arrays of segments (`['model', 'heads']`,
// `['data', 'tasks', 0, 'name']`); sweep field names contain dots, so segments
// are joined with NUL for map keys and with '.' only for display.
import type { Range } from '../problems';

export type ConfigPath = readonly (string | number)[];

export interface NodeSpan {
  kind: 'map' | 'seq' | 'scalar';
  key?: Range;    // the key's range; absent for the root and for list items
  value: Range;   // the whole value (multi-line for maps and lists)
  head: Range;    // one-line range to underline for "this block": the key, or the value's first line
}

export interface SourceLayer {
  file: string;                   // absolute path
  spans: Map<string, NodeSpan>;   // pathKey(path) -> span
}

export interface Location { file: string; range: Range }

const ORIGIN: Range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

export function pathKey(path: ConfigPath): string {
  return path.map(String).join('\u0000');
}

export function dottedPath(path: ConfigPath): string {
  return path.length === 0 ? '(top level)' : path.map(String).join('.');
}

/** Answers where a path of the merged config was written. Layers are child-first. */
export class Locator {
  constructor(readonly layers: readonly SourceLayer[], readonly fallbackFile: string) {}

  /** The file and span that wrote exactly this path, or undefined (a default, or owned by a replaced list/scalar). */
  exact(path: ConfigPath): { file: string; span: NodeSpan } | undefined {
    const hit = this.find(path);
    return hit && hit.length === path.length ? { file: hit.file, span: hit.span } : undefined;
  }

  /** Best range for a problem at `path`: the exact node if written, else the nearest enclosing one. */
  locate(path: ConfigPath, part: 'key' | 'value' | 'head' = 'value'): Location {
    const hit = this.find(path);
    if (!hit) return { file: this.fallbackFile, range: this.rootHead() };
    if (hit.length < path.length) return { file: hit.file, range: hit.length === 0 ? this.rootHead(hit.file) : hit.span.head };
    const span = hit.span;
    const range = part === 'key' ? (span.key ?? span.head) : part === 'head' ? span.head : span.value;
    return { file: hit.file, range: hit.length === 0 ? this.rootHead(hit.file) : range };
  }

  // Child-first: a layer that wrote the full path wins; a layer that wrote a list or
  // scalar at a prefix owns everything under it (lists and scalars replace, maps merge).
  private find(path: ConfigPath): { file: string; span: NodeSpan; length: number } | undefined {
    let nearest: { file: string; span: NodeSpan; length: number } | undefined;
    for (const layer of this.layers) {
      for (let n = path.length; n >= 0; n--) {
        const span = layer.spans.get(pathKey(path.slice(0, n)));
        if (!span) continue;
        if (n === path.length || span.kind !== 'map') return { file: layer.file, span, length: n };
        if (!nearest || n > nearest.length) nearest = { file: layer.file, span, length: n };
        break;
      }
    }
    return nearest;
  }

  private rootHead(file = this.layers[0]?.file ?? this.fallbackFile): Range {
    const layer = this.layers.find((l) => l.file === file);
    return layer?.spans.get('')?.head ?? ORIGIN;
  }
}

export function originRange(): Range {
  return { start: { ...ORIGIN.start }, end: { ...ORIGIN.end } };
}
