// YAML text -> plain value + a span for every path, in one linear walk.
// Everything that can go wrong with the text itself (binary content, syntax,
// tabs, duplicate keys, empty file, a top level that is not a mapping) becomes
// a Problem here; nothing throws.
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Node as YamlNode } from 'yaml';
import type { Problem, Range } from '../problems';
import { nestingProblem, nodeLimitMessage } from './limits';
import { originRange, pathKey, type NodeSpan, type SourceLayer } from './sourceMap';

export interface ParsedSource {
  value?: Record<string, unknown>;   // present only when the text parsed into a mapping
  layer: SourceLayer;
  problems: Problem[];
}

export function parseExperimentYaml(source: string, file: string): ParsedSource {
  // A lone CR (classic Mac line ending) is a line break for editors and the LSP but not for
  // the YAML parser; CR -> LF keeps every offset, so positions still match the editor's.
  const text = source.includes('\r') ? source.replace(/\r(?!\n)/g, '\n') : source;
  const layer: SourceLayer = { file, spans: new Map() };
  const fail = (range: Range, code: string, message: string): ParsedSource =>
    ({ layer, problems: [{ file, range, severity: 'error', code, message }] });

  const binaryAt = binaryOffset(text);
  if (binaryAt >= 0) {
    return fail(originRange(), 'yaml.binary',
      `this file is not text (binary byte at offset ${binaryAt}); an experiment file must be UTF-8 YAML: open the right file or recreate it from examples/`);
  }
  if (text.trim() === '') {
    return fail(originRange(), 'yaml.empty',
      'the file is empty: an experiment needs at least `name:` (see examples/sft.experiment.yaml)');
  }

  const lines = new LineCounter();   // filled here (not by the parser): the nesting scan needs positions before parsing
  lines.addNewLine(0);
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lines.addNewLine(i + 1);
  const toRange = (start: number, end: number): Range => {
    const a = lines.linePos(start), b = lines.linePos(Math.max(start, end));
    return { start: { line: a.line - 1, character: a.col - 1 }, end: { line: b.line - 1, character: b.col - 1 } };
  };
  const deep = nestingProblem(text, file, toRange);
  if (deep) return { layer, problems: [deep] };
  // uniqueKeys: false because the yaml package's own check is quadratic in a mapping's size;
  // the walk below finds duplicates with one Set per mapping.
  const doc = parseDocument(text, { uniqueKeys: false, prettyErrors: false });

  const problems: Problem[] = [];
  for (const err of doc.errors) problems.push(yamlErrorProblem(text, file, err.code, err.message, err.pos, toRange));
  for (const warn of doc.warnings) {
    problems.push({ file, range: toRange(warn.pos[0], warn.pos[1]), severity: 'warning', code: 'yaml.warning', message: firstLine(warn.message) });
  }
  if (problems.some((p) => p.severity === 'error')) return { layer, problems };

  const root = doc.contents;
  if (root === null) {
    return { layer, problems: [...problems, ...fail(originRange(), 'yaml.empty',
      'the file has no content (only comments): an experiment needs at least `name:` (see examples/sft.experiment.yaml)').problems] };
  }
  const rootRange = root.range ? toRange(root.range[0], root.range[1]) : originRange();
  if (!isMap(root)) {
    const got = isSeq(root) ? 'a list' : 'a single value';
    return { layer, problems: [...problems, ...fail(firstLineOf(rootRange, text, lines), 'yaml.top-level',
      `the top level is ${got}; an experiment file must be a mapping of keys such as \`name: my-run\` and \`method: {kind: livr}\``).problems] };
  }

  // One walk: every node gets a span; aliases are recorded but not followed.
  const walk = (node: YamlNode | null, path: (string | number)[], key: Range | undefined, fallbackAt: number): void => {
    const value = node?.range ? toRange(node.range[0], node.range[1]) : toRange(fallbackAt, fallbackAt);
    const kind: NodeSpan['kind'] = isMap(node) ? 'map' : isSeq(node) ? 'seq' : 'scalar';
    layer.spans.set(pathKey(path), { kind, key, value, head: key ?? firstLineOf(value, text, lines) });
    const items = isSeq(node) || isMap(node) ? node.items.length : 0;
    const tooBig = nodeLimitMessage(path.length, kind, isScalar(node) ? node.value : undefined, items);
    if (tooBig) {
      problems.push({ file, range: key ?? firstLineOf(value, text, lines), severity: 'error', code: 'limit.size', message: tooBig });
      return;
    }
    if (isMap(node)) {
      const seen = new Map<string, Range>();
      for (const pair of node.items) {
        const k = pair.key as YamlNode | null;
        const name = isScalar(k) ? String(k.value) : String(k);
        const keyRange = k?.range ? toRange(k.range[0], k.range[1]) : value;
        const first = seen.get(name);
        if (first) {
          problems.push({ file, range: keyRange, severity: 'error', code: 'yaml.duplicate-key',
            message: `duplicate key '${name}' (first on line ${first.start.line + 1}): a key may appear once per mapping; delete one of them or merge their values` });
          continue;
        }
        seen.set(name, keyRange);
        const after = k?.range ? k.range[1] : (node.range?.[0] ?? 0);
        walk(pair.value as YamlNode | null, [...path, name], keyRange, after);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => walk(item as YamlNode | null, [...path, i], undefined, node.range?.[0] ?? 0));
    } else if (isAlias(node)) {
      // An alias is a value written here; its target's inner paths stay at the anchor.
    }
  };
  walk(root, [], undefined, 0);
  if (problems.some((p) => p.severity === 'error')) return { layer, problems };
  const rootSpan = layer.spans.get('')!;
  const firstKey = root.items[0]?.key as YamlNode | undefined;
  rootSpan.head = firstKey?.range ? firstLineOf(toRange(firstKey.range[0], firstKey.range[1]), text, lines) : firstLineOf(rootRange, text, lines);

  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 1000 });
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    const message = /excessive alias count/i.test(detail)
      ? 'aliases (*name) expand to too many values: each alias repeats its anchor\'s whole value, and nested ones multiply (a "billion laughs" file); write the values out, or use far fewer aliases'
      : `${detail}: define each anchor (&name) before its alias (*name)`;
    return { layer, problems: [...problems, ...fail(rootRange, 'yaml.alias', message).problems] };
  }
  return { value: value as Record<string, unknown>, layer, problems };
}

function yamlErrorProblem(text: string, file: string, code: string, message: string, pos: [number, number], toRange: (a: number, b: number) => Range): Problem {
  const [start, end] = pos;
  if (code === 'TAB_AS_INDENT') {
    // Underline the whole leading whitespace of the line holding the tab.
    const lineStart = text.lastIndexOf('\n', start - 1) + 1;
    let wsEnd = lineStart;
    while (text[wsEnd] === ' ' || text[wsEnd] === '\t') wsEnd++;
    const range = toRange(lineStart, Math.max(wsEnd, start + 1));
    return { file, range, severity: 'error', code: 'yaml.tab', message: `tab used for indentation on line ${range.start.line + 1}: YAML indents with spaces only; replace the tab with spaces` };
  }
  if (code === 'DUPLICATE_KEY') {
    const keyEnd = keyTextEnd(text, start);
    const key = text.slice(start, keyEnd).trim();
    return { file, range: toRange(start, keyEnd), severity: 'error', code: 'yaml.duplicate-key', message: `duplicate key '${key}': a key may appear once per mapping; delete one of them or merge their values` };
  }
  return { file, range: toRange(start, end), severity: 'error', code: 'yaml.syntax', message: `YAML syntax error: ${firstLine(message)}` };
}

function keyTextEnd(text: string, start: number): number {
  let i = start;
  while (i < text.length && text[i] !== ':' && text[i] !== '\n') i++;
  return i > start ? i : start + 1;
}

function firstLine(message: string): string {
  return message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
}

// A one-line range: the range itself if it is on one line, else its first line up to the line's end.
function firstLineOf(range: Range, text: string, lines: LineCounter): Range {
  if (range.start.line === range.end.line) return range;
  const lineStart = lines.lineStarts[range.start.line] ?? 0;
  let lineEnd = text.indexOf('\n', lineStart);
  if (lineEnd < 0) lineEnd = text.length;
  const trimmed = text.slice(lineStart, lineEnd).replace(/\s+$/, '').length;
  return { start: range.start, end: { line: range.start.line, character: Math.max(trimmed, range.start.character) } };
}

// Offset of the first byte that cannot be in a YAML text file, or -1.
// NUL never appears in text; many U+FFFD means invalid UTF-8 decoded as text.
function binaryOffset(text: string): number {
  const nul = text.indexOf('\u0000');
  if (nul >= 0) return nul;
  const sample = text.slice(0, 8192);
  let bad = 0, firstBad = -1;
  for (let i = 0; i < sample.length; i++) {
    const c = sample.charCodeAt(i);
    if (c === 0xfffd || (c < 32 && c !== 9 && c !== 10 && c !== 13)) {
      bad++;
      if (firstBad < 0) firstBad = i;
    }
  }
  return bad > 0 && bad * 20 >= sample.length ? firstBad : -1;
}
