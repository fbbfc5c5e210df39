// `sweep.fields`: every key is a dotted config path the schema knows, and every
// listed value is valid for that field.
import type { ExperimentConfig } from '../experiment';
import type { Problem } from '../problems';
import { nearest } from './nearest';
import { keysAt, schemaAt, validatorAt } from './schema';
import { ajvErrorsToProblems } from './schemaProblems';
import type { ConfigPath, Locator } from './sourceMap';

const NOT_SWEEPABLE = new Set(['sweep', 'extends']);

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
  return problems;
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
