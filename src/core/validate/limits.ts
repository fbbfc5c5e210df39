// Sizes a hostile or broken experiment file could use to make every tool that
// reads it hang or run out of memory: nesting, string length, list length,
// sweep size, task count. Each is far above what a real experiment needs, and
// each is refused with a positioned message that says what to do.
import type { ExperimentConfig } from '../experiment';
import type { Problem, Range } from '../problems';
import type { ConfigPath, Locator } from './sourceMap';

export const LIMITS = {
  nesting: 32,            // mappings and lists inside each other (a real experiment uses 5)
  indentColumns: 256,     // leading spaces of one line
  stringLength: 4096,     // one scalar value or key
  listItems: 10_000,      // one list
  sweepRuns: 1024,        // combinations × seeds of one sweep
  tasks: 64,              // data.tasks entries
} as const;

/**
 * Before parsing: flow brackets nested deeper than the limit, or lines indented past it,
 * would make the YAML parser recurse until the stack overflows. A linear scan finds them.
 */
export function nestingProblem(text: string, file: string, toRange: (start: number, end: number) => Range): Problem | undefined {
  let depth = 0, column = 0, lineStart = true;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\n' || c === '\r') { lineStart = true; column = 0; quote = undefined; continue; }
    if (lineStart && c === ' ') {
      if (++column > LIMITS.indentColumns) return tooDeep(file, toRange(i, i + 1), `a line is indented more than ${LIMITS.indentColumns} columns`);
      continue;
    }
    lineStart = false;
    if (quote) { if (c === quote) quote = undefined; continue; }
    if (c === '#' ) { while (i + 1 < text.length && text[i + 1] !== '\n' && text[i + 1] !== '\r') i++; continue; }
    if (c === '"' || c === "'") quote = c;
    else if (c === '[' || c === '{') {
      if (++depth > LIMITS.nesting) return tooDeep(file, toRange(i, i + 1), `brackets are nested more than ${LIMITS.nesting} deep`);
    } else if ((c === ']' || c === '}') && depth > 0) depth--;
  }
  return undefined;
}

function tooDeep(file: string, range: Range, what: string): Problem {
  return { file, range, severity: 'error', code: 'limit.nesting',
    message: `${what}: an experiment file nests a few levels only (see examples/); flatten this structure` };
}

/** Problems of one parsed node: too deep, a string too long, a list too long. `depth` counts enclosing collections. */
export function nodeLimitMessage(depth: number, kind: 'map' | 'seq' | 'scalar', value: unknown, items: number): string | undefined {
  if (depth > LIMITS.nesting) return `nested more than ${LIMITS.nesting} levels deep: an experiment file nests a few levels only; flatten this structure`;
  if (kind === 'scalar' && typeof value === 'string' && value.length > LIMITS.stringLength) {
    return `this value is ${value.length} characters long, more than the ${LIMITS.stringLength} allowed: shorten it (data belongs in data.jsonl files)`;
  }
  if (kind === 'seq' && items > LIMITS.listItems) return `this list has ${items} items, more than the ${LIMITS.listItems} allowed: shorten it`;
  return undefined;
}

/** How many runs a sweep expands to (combinations × seeds). */
export function sweepRunCount(config: Pick<ExperimentConfig, 'sweep'>): number {
  const fields = Object.values(config.sweep?.fields ?? {});
  const seeds = config.sweep?.seeds?.length ?? 0;
  return fields.reduce((n, values) => n * Math.max(1, values.length), 1) * Math.max(1, seeds);
}

/** The sweep's size and the task count, each against its limit. */
export function sizeProblems(config: ExperimentConfig, locator: Locator): Problem[] {
  const problems: Problem[] = [];
  const report = (field: ConfigPath, code: string, message: string) => {
    const { file, range } = locator.locate(field, 'head');
    problems.push({ file, range, severity: 'error', code, message, path: field.join('.') });
  };
  const runs = sweepRunCount(config);
  if (config.sweep && runs > LIMITS.sweepRuns) {
    const parts = [...Object.entries(config.sweep.fields ?? {}).map(([f, v]) => `${v.length} ${f}`), ...(config.sweep.seeds?.length ? [`${config.sweep.seeds.length} seeds`] : [])];
    report(['sweep'], 'limit.sweep', `\`sweep\` expands to ${runs} runs (${parts.join(' × ')}), more than the ${LIMITS.sweepRuns} one file may start: sweep fewer values, or split the sweep into several files`);
  }
  if (config.data.tasks.length > LIMITS.tasks) {
    report(['data', 'tasks'], 'limit.tasks', `\`data.tasks\` lists ${config.data.tasks.length} tasks, more than the ${LIMITS.tasks} allowed: list each task once`);
  }
  return problems;
}
