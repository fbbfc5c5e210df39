// From a merged plain value to a typed config: schema (with defaults), paths made
// absolute, then semantic, sweep and file-existence checks. Shared by the file
// validator and by applyOverrides (sweeps), so both give the same messages.
import * as path from 'node:path';
import type { ExperimentConfig } from '../experiment';
import { clusterProblems } from './clusterChecks';
import { hasErrors, type Problem } from '../problems';
import type { ValidatorHost } from './host';
import { missingPathProblems, resolvePaths } from './paths';
import { schemaProblems } from './schemaProblems';
import { semanticProblems } from './semantic';
import type { ConfigPath, Locator } from './sourceMap';
import { sweepProblems } from './sweepChecks';

/** Sweep field keys whose values are paths (resolved like the field itself). */
const PATH_FIELD = /^(model\.init_from|data\.jsonl\.(train|val|test|image_root)|output\.runs_dir|method\.valr\.repa\.encoders\.\d+\.path)$/;

export function checkMergedValue(value: Record<string, unknown>, locator: Locator, baseDirFor: (field: ConfigPath) => string,
  host: ValidatorHost): { config?: ExperimentConfig; problems: Problem[] } {
  const problems = schemaProblems(value, locator);
  if (hasErrors(problems)) return { problems };
  const config = value as unknown as ExperimentConfig;

  resolvePaths(config, baseDirFor);
  for (const [field, values] of Object.entries(config.sweep?.fields ?? {})) {
    if (!PATH_FIELD.test(field)) continue;
    const dir = baseDirFor(['sweep', 'fields', field]);
    config.sweep!.fields[field] = values.map((v) => (typeof v === 'string' && !path.isAbsolute(v) ? path.resolve(dir, v) : v));
  }

  problems.push(...semanticProblems(config, locator), ...sweepProblems(config, locator), ...clusterProblems(config, locator),
    ...missingPathProblems(config, locator, host));
  return hasErrors(problems) ? { problems } : { config, problems };
}
