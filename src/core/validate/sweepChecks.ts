// `sweep.fields`: every key is a dotted config path the schema knows, and every
// listed value is valid for that field.
import type { ExperimentConfig } from '../experiment';
import type { Problem } from '../problems';
import { nearest } from './nearest';
import { keysAt, schemaAt, validatorAt } from './schema';
import { ajvErrorsToProblems } from './schemaProblems';
import { semanticProblems } from './semantic';
import { Locator, type ConfigPath } from './sourceMap';

const NOT_SWEEPABLE = new Set(['sweep', 'extends', 'cluster']);
const MAX_COMBINATIONS_CHECKED = 256;

export function sweepProblems(config: ExperimentConfig, locator: Locator): Problem[] {
  const problems: Problem[] = [];
  for (const [field, values] of Object.entries(config.sweep?.fields ?? {})) {
    const at: ConfigPath = ['sweep', 'fields', field];
    const segments = field.split('.');
    const bad = (message: string, suggestion?: string) => {
      const { file, range } = locator.locate(at, 'key');
      problems.push({ file, range, severity: 'error', code: 'sweep.field', message, path: `sweep.fields.${field}`,
        ...(suggestion ? { fixes: [{ title: `Change to '${suggestion}'`, newText: suggestion }] } : {}) });
    };
    if (NOT_SWEEPABLE.has(segments[0])) {
      bad(`\`sweep.fields\`: \`${field}\` cannot be swept: sweep a model, data, method, train or eval field`);
      continue;
    }
    const target = schemaAt(segments);
    if (!target) {
      const suggestion = suggestPath(segments);
      bad(`\`sweep.fields\`: \`${field}\` is not a config field${suggestion ? `: did you mean \`${suggestion}\`?` : ': write a dotted path such as latents.count'}`, suggestion);
      continue;
    }
    const validate = validatorAt(target.pointer);
    if (!validate) continue;
    values.forEach((value, i) => {
      if (validate(structuredClone(value))) return;
      problems.push(...ajvErrorsToProblems(validate.errors ?? [], locator, `sweep value for \`${field}\`: `, [...at, i]));
    });
  }
  if (problems.length === 0) problems.push(...combinationProblems(config, locator));
  return problems;
}

// Values valid one by one can still clash (sweeping heads: [3, 4] with d_model 64):
// run the semantic checks on each combination and underline the value that breaks it.
function combinationProblems(config: ExperimentConfig, locator: Locator): Problem[] {
  const fields = Object.entries(config.sweep?.fields ?? {});
  const count = fields.reduce((n, [, values]) => n * values.length, 1);
  if (fields.length === 0 || count > MAX_COMBINATIONS_CHECKED) return [];
  const base = structuredClone(config);
  delete base.sweep;
  const problems: Problem[] = [];
  const reported = new Set<string>();
  for (let c = 0; c < count; c++) {
    const candidate = structuredClone(base);
    const chosen: [string, number][] = [];
    let rest = c;
    for (const [field, values] of fields) {
      const i = rest % values.length;
      rest = Math.floor(rest / values.length);
      chosen.push([field, i]);
      setPath(candidate as unknown as Record<string, unknown>, field.split('.'), structuredClone(values[i]));
    }
    for (const inner of semanticProblems(candidate, new Locator([], locator.fallbackFile))) {
      if (inner.severity !== 'error') continue;
      const culprit = chosen.find(([field]) => field === inner.path) ?? chosen[0];
      const at: ConfigPath = ['sweep', 'fields', culprit[0], culprit[1]];
      const label = chosen.map(([field, i]) => `${field}=${JSON.stringify(config.sweep!.fields[field][i])}`).join(', ');
      const key = `${at.join('.')}|${inner.code}`;
      if (reported.has(key)) continue;
      reported.add(key);
      const { file, range } = locator.locate(at, 'value');
      problems.push({ file, range, severity: 'error', code: 'sweep.combination', path: `sweep.fields.${culprit[0]}`,
        message: `sweep combination ${label} is invalid: ${inner.message}` });
    }
  }
  return problems;
}

function setPath(root: Record<string, unknown>, segments: string[], value: unknown): void {
  let node = root;
  for (const segment of segments.slice(0, -1)) {
    if (node[segment] === null || typeof node[segment] !== 'object') node[segment] = {};
    node = node[segment] as Record<string, unknown>;
  }
  node[segments[segments.length - 1]] = value;
}

// Replace the first segment the schema does not know by its nearest valid key.
function suggestPath(segments: string[]): string | undefined {
  for (let n = 0; n < segments.length; n++) {
    if (schemaAt(segments.slice(0, n + 1))) continue;
    const guess = nearest(segments[n], keysAt(segments.slice(0, n)));
    if (!guess) return undefined;
    const fixed = [...segments.slice(0, n), guess, ...segments.slice(n + 1)];
    return schemaAt(fixed) ? fixed.join('.') : undefined;
  }
  return undefined;
}
