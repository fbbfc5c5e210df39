// JSON-schema validation of a capture index with ajv, for Node callers (engine
// tests, CLI). The webview does not import this file: decodeCapture's
// hand-written checks (./check.ts) cover the same ground without ajv.
import Ajv from 'ajv';
import type { ValidateFunction } from 'ajv';
import schemaJson from '../../../schemas/capture.schema.json';

let validate: ValidateFunction | undefined;

export const captureSchema = schemaJson as object;

/** Validates a parsed index against schemas/capture.schema.json; returns one readable line per problem ([] = valid). */
export function validateCaptureIndex(index: unknown): string[] {
  if (!validate) {
    const ajv = new Ajv({ allErrors: true, strict: true });
    validate = ajv.compile(captureSchema);
  }
  if (validate(index)) return [];
  return (validate.errors ?? []).map((e) => {
    const where = e.instancePath === '' ? 'index' : `index${e.instancePath.replace(/\/(\d+)/g, '[$1]').replace(/\//g, '.')}`;
    const extra = e.keyword === 'additionalProperties' ? ` '${(e.params as { additionalProperty: string }).additionalProperty}'`
      : e.keyword === 'enum' || e.keyword === 'const' ? ` (${JSON.stringify((e.params as { allowedValues?: unknown; allowedValue?: unknown }).allowedValues ?? (e.params as { allowedValue?: unknown }).allowedValue)})` : '';
    return `${where}: ${e.message ?? e.keyword}${extra}`;
  });
}
