// Ajv errors -> Problems: one message per mistake, naming the field, saying
// what to do, underlining the exact key or value, with a quick fix where there
// is an obvious one (nearest key, nearest enum value, nearest bound).
import type { ErrorObject } from 'ajv';
import type { Problem } from '../problems';
import { nearest } from './nearest';
import { experimentValidator, keysAt, type JsonSchema } from './schema';
import { dottedPath, type ConfigPath, type Locator } from './sourceMap';

/** Validates `value` against the experiment schema, filling defaults in place. */
export function schemaProblems(value: unknown, locator: Locator): Problem[] {
  const validate = experimentValidator();
  if (validate(value)) return [];
  return ajvErrorsToProblems(validate.errors ?? [], locator, '');
}

/** `prefix` is prepended to messages (sweep values are checked against a sub-schema). */
export function ajvErrorsToProblems(errors: ErrorObject[], locator: Locator, prefix: string, basePath: ConfigPath = []): Problem[] {
  const problems: Problem[] = [];
  const hidden = new Set<string>();   // schemaPaths of anyOf branches whose errors are summarised by their anyOf
  for (const e of errors) {
    if (e.keyword !== 'anyOf') continue;
    const branch = branchFor(e);
    for (const other of errors) {
      if (other === e || !other.schemaPath.startsWith(`${e.schemaPath}/`)) continue;
      if (branch === undefined || !other.schemaPath.startsWith(`${e.schemaPath}/${branch}/`)) hidden.add(other.schemaPath + other.instancePath);
    }
    if (branch !== undefined) hidden.add(e.schemaPath + e.instancePath);
  }
  for (const e of errors) {
    if (hidden.has(e.schemaPath + e.instancePath)) continue;
    const problem = errorToProblem(e, locator, [...basePath, ...pointerToPath(e.instancePath)]);
    if (prefix) problem.message = `${prefix}${problem.message}`;
    problems.push(problem);
  }
  return problems;
}

// For an anyOf over a scalar branch and a list branch: when the value is a list,
// the list branch's own errors are more precise than "must match one of".
function branchFor(e: ErrorObject): number | undefined {
  const branches = (e.schema as JsonSchema[] | undefined) ?? [];
  const kind = Array.isArray(e.data) ? 'array' : e.data !== null && typeof e.data === 'object' ? 'object' : undefined;
  if (!kind) return undefined;
  const i = branches.findIndex((b) => b.type === kind);
  return i >= 0 ? i : undefined;
}

function errorToProblem(e: ErrorObject, locator: Locator, path: ConfigPath): Problem {
  const field = `\`${dottedPath(path)}\``;
  const got = describe(e.data);
  const at = (p: ConfigPath, part: 'key' | 'value' | 'head') => locator.locate(p, part);
  const make = (p: ConfigPath, part: 'key' | 'value' | 'head', code: string, message: string, fixes?: Problem['fixes']): Problem => {
    const { file, range } = at(p, part);
    return { file, range, severity: 'error', code, message, path: dottedPath(p), ...(fixes && fixes.length ? { fixes } : {}) };
  };
  const params = e.params as Record<string, unknown>;

  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const valid = keysAt(path);
      const guess = nearest(key, valid);
      const where = path.length ? `in ${field}` : 'at the top level';
      const hint = guess ? `did you mean \`${guess}\`?` : `valid keys are ${valid.map((k) => `\`${k}\``).join(', ')}`;
      return make([...path, key], 'key', 'schema.unknown-key', `unknown key \`${key}\` ${where}: ${hint}`,
        guess ? [{ title: `Change to '${guess}'`, newText: guess }] : undefined);
    }
    case 'required': {
      const key = String(params.missingProperty);
      const where = path.length ? `${field}` : 'the experiment';
      return make(path, 'head', 'schema.required', `${where} needs \`${key}\`: add \`${key}: <value>\`${path.length ? ` under ${field}` : ''}`);
    }
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map(String);
      const guess = typeof e.data === 'string' ? nearest(e.data, allowed) : undefined;
      return make(path, 'value', 'schema.enum', `${field} must be one of ${allowed.join(', ')} (got ${got})${guess ? `: did you mean '${guess}'?` : ''}`,
        guess ? [{ title: `Change to '${guess}'`, newText: guess }] : undefined);
    }
    case 'anyOf': {
      const branches = (e.schema as JsonSchema[]) ?? [];
      const options = branches.map(describeSchema).join(', or ');
      const words = branches.flatMap((b) => (b.enum ?? []).map(String));
      const guess = typeof e.data === 'string' ? nearest(e.data, words) : undefined;
      return make(path, 'value', 'schema.value', `${field} must be ${options} (got ${got})${guess ? `: did you mean '${guess}'?` : ''}`,
        guess ? [{ title: `Change to '${guess}'`, newText: guess }] : undefined);
    }
    case 'type': {
      const expected = describeType(String(params.type));
      return make(path, 'value', 'schema.type', `${field} must be ${expected} (got ${got})${typeHint(e)}`);
    }
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum': {
      const limit = params.limit as number;
      const exclusive = e.keyword.startsWith('exclusive');
      const low = e.keyword.endsWith('inimum');
      const rule = `${low ? (exclusive ? '>' : '≥') : (exclusive ? '<' : '≤')} ${limit}`;
      const fallback = (e.parentSchema as JsonSchema | undefined)?.default;
      const fix = exclusive ? (typeof fallback === 'number' ? fallback : undefined) : limit;
      const todo = exclusive ? `use a value ${rule}` : `set it to ${limit} or ${low ? 'more' : 'less'}`;
      return make(path, 'value', 'schema.range', `${field} must be ${rule} (got ${got}): ${todo}`,
        fix !== undefined ? [{ title: `Change to ${fix}`, newText: String(fix) }] : undefined);
    }
    case 'minItems':
    case 'maxItems': {
      const n = params.limit as number;
      const fewer = e.keyword === 'maxItems';
      const exact = (e.parentSchema as JsonSchema | undefined)?.minItems === (e.parentSchema as JsonSchema | undefined)?.maxItems;
      const rule = exact ? `exactly ${n}` : `${fewer ? 'at most' : 'at least'} ${n}`;
      return make(path, 'value', 'schema.items', `${field} must have ${rule} item${n === 1 ? '' : 's'} (got ${Array.isArray(e.data) ? e.data.length : 0})${path[path.length - 1] === 'intensity' ? ': write [low, high]' : ''}`);
    }
    case 'uniqueItems': {
      const first = Math.min(params.i as number, params.j as number), second = Math.max(params.i as number, params.j as number);
      return make([...path, second], 'value', 'schema.unique', `${field} lists ${describe((e.data as unknown[])[second])} twice (items ${first + 1} and ${second + 1}): remove one`);
    }
    case 'minLength':
      return make(path, 'value', 'schema.empty', `${field} must not be empty: write a value or delete the key`);
    case 'pattern':
      return make(path, 'value', 'schema.pattern', path.length === 1 && path[0] === 'name'
        ? `\`name\` may contain only letters, digits, '.', '_' and '-' and must start with a letter or digit (got ${got}): it names the run folder`
        : `${field} must match ${String(params.pattern)} (got ${got})`);
    default:
      return make(path, 'value', `schema.${e.keyword}`, `${field} ${e.message ?? 'is not valid'}`);
  }
}

function typeHint(e: ErrorObject): string {
  const type = String((e.params as Record<string, unknown>).type);
  if (type === 'object' && (e.data === null || e.data === undefined)) return ': indent its keys under it, or delete the empty key';
  if (type === 'integer' && typeof e.data === 'number') return ': use a whole number';
  if ((type === 'integer' || type === 'number') && typeof e.data === 'string') return ': write the number without quotes';
  if (type === 'array') return ': write a list, e.g. [a, b]';
  return '';
}

function describeType(type: string): string {
  return ({ object: 'a mapping of keys', array: 'a list', integer: 'a whole number', number: 'a number', string: 'text', boolean: 'true or false' } as Record<string, string>)[type] ?? type;
}

function describeSchema(s: JsonSchema): string {
  if (s.enum) return `one of ${s.enum.map(String).join(', ')}`;
  const t = String(s.type);
  if (t === 'integer' && s.minimum !== undefined && s.maximum !== undefined) return `a whole number from ${s.minimum} to ${s.maximum}`;
  if (t === 'array' && s.items) return `a list of ${describeSchema(s.items).replace(/^a /, '')}s`;
  return describeType(t);
}

function describe(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (typeof v === 'string') return `'${v.length > 40 ? `${v.slice(0, 40)}…` : v}'`;
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return String(v);
}

function pointerToPath(pointer: string): string[] {
  if (!pointer) return [];
  return pointer.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}
