// Walks schemas/experiment.schema.json by config path, for completion and hover.
// The validator owns checking; this file only answers "what may go here and what
// does it mean", so it reads properties/items/anyOf/enum/default and nothing else.

import rawSchema from '../../schemas/experiment.schema.json';

export interface SchemaNode {
  type?: string | string[];
  markdownDescription?: string;
  description?: string;
  default?: unknown;
  enum?: unknown[];
  const?: unknown;
  properties?: Record<string, SchemaNode>;
  additionalProperties?: boolean | SchemaNode;
  items?: SchemaNode | SchemaNode[];
  anyOf?: SchemaNode[];
  oneOf?: SchemaNode[];
  allOf?: SchemaNode[];
  $ref?: string;
  definitions?: Record<string, SchemaNode>;
  $defs?: Record<string, SchemaNode>;
}

/** A config path: mapping keys are strings, sequence items are numbers (index unknown = -1). */
export type ConfigPath = (string | number)[];

export const experimentSchema = rawSchema as unknown as SchemaNode;

function resolveRef(node: SchemaNode, root: SchemaNode): SchemaNode {
  let n = node;
  for (let hops = 0; n.$ref && hops < 16; hops++) {
    const m = /^#\/(definitions|\$defs)\/(.+)$/.exec(n.$ref);
    const target = m ? root[m[1] as 'definitions' | '$defs']?.[m[2]] : undefined;
    if (!target) return n;
    n = target;
  }
  return n;
}

/** The node itself plus its anyOf/oneOf/allOf branches, flattened (refs resolved). */
export function branches(node: SchemaNode, root: SchemaNode = experimentSchema): SchemaNode[] {
  const n = resolveRef(node, root);
  const subs = [...(n.anyOf ?? []), ...(n.oneOf ?? []), ...(n.allOf ?? [])];
  return [n, ...subs.flatMap((s) => branches(s, root))];
}

/** Schema node at `path`, or undefined where the path leaves the schema. */
export function schemaAt(path: ConfigPath, root: SchemaNode = experimentSchema): SchemaNode | undefined {
  let node: SchemaNode | undefined = root;
  for (const seg of path) {
    if (!node) return undefined;
    let next: SchemaNode | undefined;
    for (const b of branches(node, root)) {
      if (typeof seg === 'string' && b.properties?.[seg]) { next = b.properties[seg]; break; }
      if (typeof seg === 'number' && b.items) { next = Array.isArray(b.items) ? b.items[Math.max(0, seg)] : b.items; break; }
    }
    node = next ? resolveRef(next, root) : undefined;
  }
  return node;
}

/** Keys a mapping at this node may hold, with their schema nodes. */
export function propertiesOf(node: SchemaNode, root: SchemaNode = experimentSchema): Record<string, SchemaNode> {
  const out: Record<string, SchemaNode> = {};
  for (const b of branches(node, root)) Object.assign(out, b.properties ?? {});
  return out;
}

function typesOf(node: SchemaNode, root: SchemaNode): string[] {
  return branches(node, root).flatMap((b) => (b.type === undefined ? [] : Array.isArray(b.type) ? b.type : [b.type]));
}

export function isObjectNode(node: SchemaNode, root: SchemaNode = experimentSchema): boolean {
  return typesOf(node, root).includes('object') || Object.keys(propertiesOf(node, root)).length > 0;
}

export function isArrayNode(node: SchemaNode, root: SchemaNode = experimentSchema): boolean {
  return typesOf(node, root).includes('array');
}

/** Scalar values that may be written here: enum members, `const`s, and true/false for booleans. */
export function allowedValues(node: SchemaNode, root: SchemaNode = experimentSchema): unknown[] {
  const values: unknown[] = [];
  for (const b of branches(node, root)) {
    for (const v of b.enum ?? []) if (!values.includes(v)) values.push(v);
    if (b.const !== undefined && !values.includes(b.const)) values.push(b.const);
    const t = b.type === undefined ? [] : Array.isArray(b.type) ? b.type : [b.type];
    if (t.includes('boolean')) for (const v of [true, false]) if (!values.includes(v)) values.push(v);
  }
  return values;
}

/** Allowed values of the items of an array node (e.g. corruption modes). */
export function allowedItemValues(node: SchemaNode, root: SchemaNode = experimentSchema): unknown[] {
  const items = branches(node, root).map((b) => b.items).find((i) => i !== undefined);
  const item = Array.isArray(items) ? items[0] : items;
  return item ? allowedValues(item, root) : [];
}

export function describe(node: SchemaNode, root: SchemaNode = experimentSchema): string {
  return branches(node, root).map((b) => b.markdownDescription ?? b.description).find((d) => d !== undefined) ?? '';
}

export function formatValue(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** Markdown shown on hover and as completion documentation: description, default, allowed values. */
export function documentation(key: string, node: SchemaNode, root: SchemaNode = experimentSchema): string {
  const parts = [`**${key}**`, describe(node, root)];
  if (node.default !== undefined && !(typeof node.default === 'object' && node.default !== null && Object.keys(node.default).length === 0)) {
    parts.push(`Default: \`${formatValue(node.default)}\``);
  }
  const values = allowedValues(node, root);
  if (values.length) parts.push(`Allowed: ${values.map((v) => `\`${formatValue(v)}\``).join(', ')}`);
  const itemValues = isArrayNode(node, root) ? allowedItemValues(node, root) : [];
  if (itemValues.length) parts.push(`Items: ${itemValues.map((v) => `\`${formatValue(v)}\``).join(', ')}`);
  return parts.filter((p) => p !== '').join('\n\n');
}
