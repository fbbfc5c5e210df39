// From a merged plain value to a typed config: schema (with defaults), paths made
// absolute, then semantic, sweep and file-existence checks. Shared by the file
// validator and by applyOverrides (sweeps), so both give the same messages.
import * as path from 'node:path';
import type { ExperimentConfig } from '../experiment';
import { clusterProblems } from './clusterChecks';
import { hasErrors, type Problem } from '../problems';
import type { ValidatorHost } from './host';
import { missingPathProblems, outsidePathProblems, resolvePaths, SWEPT_PATH } from './paths';
import { schemaProblems } from './schemaProblems';
import { sizeProblems } from './limits';
import { semanticProblems } from './semantic';
import type { ConfigPath, Locator } from './sourceMap';
import { sweepProblems } from './sweepChecks';


/** `roots`: the folders paths may point into (confine.ts); undefined for overrides the user typed, which are not confined. */
export function checkMergedValue(value: Record<string, unknown>, locator: Locator, baseDirFor: (field: ConfigPath) => string,
  host: ValidatorHost, roots?: string[]): { config?: ExperimentConfig; problems: Problem[] } {
  const problems = schemaProblems(value, locator);
  if (hasErrors(problems)) return { problems };
  const config = value as unknown as ExperimentConfig;

  resolvePaths(config, baseDirFor);
  for (const [field, values] of Object.entries(config.sweep?.fields ?? {})) {
    if (!SWEPT_PATH.test(field)) continue;
    const dir = baseDirFor(['sweep', 'fields', field]);
    config.sweep!.fields[field] = values.map((v) => (typeof v === 'string' && !path.isAbsolute(v) ? path.resolve(dir, v) : v));
  }

  const tooBig = sizeProblems(config, locator);
  if (tooBig.length) return { problems: [...problems, ...tooBig] };   // expanding a huge sweep is what would hang
  const outside = roots ? outsidePathProblems(config, locator, roots) : [];
  if (outside.length) return { problems: [...problems, ...outside] };   // never look at a file outside the workspace
  problems.push(...semanticProblems(config, locator), ...sweepProblems(config, locator), ...clusterProblems(config, locator),
    ...missingPathProblems(config, locator, host));
  return hasErrors(problems) ? { problems } : { config, problems };
}
