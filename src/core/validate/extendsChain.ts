// `extends: base.experiment.yaml`: read the chain child -> base -> base's base,
// stop on a missing file or a cycle (naming the chain), and merge: mappings merge
// key by key (deeply), lists and scalars in the variant replace the base's, and
// `key: null` in the variant removes the base's value (as in JSON Merge Patch),
// e.g. `model: { init_from: null }` trains a variant from scratch.
import * as path from 'node:path';
import type { Problem } from '../problems';
import { allowedRoots, isInside, outsideMessage } from './confine';
import { isReadFailure, type ValidatorHost } from './host';
import { pathKey, type SourceLayer } from './sourceMap';
import { parseExperimentYaml } from './yamlSource';

export interface ResolvedChain {
  value?: Record<string, unknown>;   // merged; absent when any file of the chain failed to parse or resolve
  layers: SourceLayer[];             // child-first
  files: string[];                   // the file and every base it extends, child-first
  problems: Problem[];
}

const MAX_DEPTH = 32;

export function resolveChain(text: string, file: string, host: ValidatorHost): ResolvedChain {
  return load(text, file, host, [file], allowedRoots(file, host));
}

function load(text: string, file: string, host: ValidatorHost, stack: string[], roots: string[]): ResolvedChain {
  const parsed = parseExperimentYaml(text, file);
  const chain: ResolvedChain = { layers: [parsed.layer], files: [file], problems: [...parsed.problems] };
  if (!parsed.value || parsed.problems.some((p) => p.severity === 'error')) return chain;

  const { extends: ext, ...own } = parsed.value;
  if (ext === undefined) return { ...chain, value: own };

  const span = parsed.layer.spans.get(pathKey(['extends']));
  const range = span?.value ?? span?.head ?? { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
  const fail = (code: string, message: string): ResolvedChain =>
    ({ ...chain, problems: [...chain.problems, { file, range, severity: 'error', code, message, path: 'extends' }] });

  if (typeof ext !== 'string' || ext.trim() === '') {
    return fail('extends.type', '`extends` must be the path of a base experiment file, e.g. `extends: livr.experiment.yaml`');
  }
  const basePath = path.resolve(path.dirname(file), ext);
  const shown = (p: string) => path.relative(path.dirname(stack[0]), p) || path.basename(p);
  if (stack.includes(basePath)) {
    const cycle = [...stack.slice(stack.indexOf(basePath)), basePath].map(shown).join(' → ');
    return fail('extends.cycle', `\`extends\` makes a cycle: ${cycle}; remove the \`extends\` that closes the loop`);
  }
  if (stack.length > MAX_DEPTH) return fail('extends.depth', `\`extends\` chain is deeper than ${MAX_DEPTH} files: flatten it`);
  if (!isInside(basePath, roots)) return fail('path.outside', outsideMessage('extends', basePath, roots));
  const baseText = host.fileExists(basePath) ? host.readFile(basePath) : undefined;
  if (baseText === undefined) {
    return fail('extends.missing', `\`extends\`: base file '${ext}' not found (looked for ${basePath}); fix the path, which is relative to this file's folder`);
  }
  if (isReadFailure(baseText)) return fail('extends.unreadable', `\`extends\`: base file not read: ${baseText.error}`);

  const base = load(baseText, basePath, host, [...stack, basePath], roots);
  const merged: ResolvedChain = {
    layers: [...chain.layers, ...base.layers],
    files: [...chain.files, ...base.files],
    problems: [...chain.problems, ...base.problems],
  };
  if (!base.value) return merged;   // validator.ts points the variant's `extends` at the base's errors
  return { ...merged, value: deepMerge(base.value, own) as Record<string, unknown> };
}

/** Mappings merge key by key; `null` removes the base's key; anything else in `over` replaces `base`. */
export function deepMerge(base: unknown, over: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(over)) return over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === null) delete out[k];
    else out[k] = k in base ? deepMerge(base[k], v) : v;
  }
  return out;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
