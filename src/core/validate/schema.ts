// The experiment JSON schema and its one compiled ajv validator (compiled once
// per process, on first use). Also walks the schema by config path, for sweep
// field checks and for the language server's completion and hover.
import Ajv from 'ajv';
import type { ValidateFunction } from 'ajv';
import schemaJson from '../../../schemas/experiment.schema.json';
import type { ConfigPath } from './sourceMap';

export interface JsonSchema {
  $id?: string;
  type?: string | string[];
  markdownDescription?: string;
  default?: unknown;
  enum?: unknown[];
  properties?: Record<string, JsonSchema>;
  additionalProperties?: boolean | JsonSchema;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
}

export const experimentSchema = schemaJson as unknown as JsonSchema;
const SCHEMA_ID = experimentSchema.$id ?? 'experiment.schema.json';

let ajv: Ajv | undefined;
let fragmentAjv: Ajv | undefined;   // no defaults: checks single values (a default at a fragment's root is an ajv strict error)
let validateExperiment: ValidateFunction | undefined;

function compiler(): Ajv {
  if (!ajv) {
    ajv = new Ajv({ allErrors: true, useDefaults: true, verbose: true, strict: true, allowUnionTypes: true });
    ajv.addKeyword('markdownDescription');
    ajv.addSchema(schemaJson as object);
  }
  return ajv;
}

/** Validates (and fills defaults into) a whole experiment value. */
export function experimentValidator(): ValidateFunction {
  if (!validateExperiment) validateExperiment = compiler().getSchema(SCHEMA_ID)!;
  return validateExperiment;
}

/** The schema node at a config path, with the JSON pointer to it; undefined where the schema allows nothing. */
export function schemaAt(path: ConfigPath): { schema: JsonSchema; pointer: string } | undefined {
  let node: JsonSchema = experimentSchema, pointer = '';
  for (const segment of path) {
    const s = String(segment);
    if (node.properties && Object.prototype.hasOwnProperty.call(node.properties, s)) {
      node = node.properties[s];
      pointer += `/properties/${escapePointer(s)}`;
    } else if (node.items && /^\d+$/.test(s)) {
      node = node.items;
      pointer += '/items';
    } else if (node.additionalProperties && typeof node.additionalProperties === 'object') {
      node = node.additionalProperties;
      pointer += '/additionalProperties';
    } else {
      return undefined;
    }
  }
  return { schema: node, pointer };
}

/** Valid keys of the mapping at `path` (for nearest-key fixes and completion). */
export function keysAt(path: ConfigPath): string[] {
  return Object.keys(schemaAt(path)?.schema.properties ?? {});
}

/** A validator for the value at one schema node (sweep values are checked with it). */
export function validatorAt(pointer: string): ValidateFunction | undefined {
  if (!fragmentAjv) {
    fragmentAjv = new Ajv({ allErrors: true, verbose: true, strict: false });
    fragmentAjv.addSchema(schemaJson as object);
  }
  return fragmentAjv.getSchema(`${SCHEMA_ID}#${pointer}`);
}

function escapePointer(s: string): string {
  return s.replace(/~/g, '~0').replace(/\//g, '~1');
}
