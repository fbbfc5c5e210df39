// Dotted-path overrides (`latents.count=16`) and sweep expansion: each combination
// of `sweep.fields` values × `sweep.seeds` becomes one fully validated config.
import type { ExperimentConfig } from '../experiment';
import { InvalidExperimentError, type Problem } from '../problems';
import { checkMergedValue } from './checkConfig';
import { LIMITS, sweepRunCount } from './limits';
import { nodeHost } from './host';
import { schemaAt } from './schema';
import { Locator, originRange } from './sourceMap';

const OVERRIDES_FILE = '<overrides>';

/** A copy of `config` with each dotted path set; re-validated; throws InvalidExperimentError on a bad path or value. */
export function applyOverrides(config: ExperimentConfig, overrides: Record<string, unknown>): ExperimentConfig {
  const value = structuredClone(config) as unknown as Record<string, unknown>;
  const problems: Problem[] = [];
  for (const [field, v] of Object.entries(overrides)) {
    const segments = field.split('.');
    if (segments[0] === 'sweep' || segments[0] === 'extends' || !schemaAt(segments)) {
      problems.push({ file: OVERRIDES_FILE, range: originRange(), severity: 'error', code: 'override.field', path: field,
        message: `override \`${field}\` is not a config field that can be set: use a dotted path such as latents.count` });
      continue;
    }
    setAt(value, segments, structuredClone(v));
  }
  if (problems.length) throw new InvalidExperimentError(problems);
  // Paths already resolved stay as they are; an overridden relative path is relative to the working folder.
  const checked = checkMergedValue(value, new Locator([], OVERRIDES_FILE), () => process.cwd(), nodeHost);
  if (!checked.config) throw new InvalidExperimentError(checked.problems);
  return checked.config;
}

/** Cartesian product of sweep.fields × seeds, each labelled `field=value,...,seed=N`; one unlabelled entry without a sweep. */
export function expandSweep(config: ExperimentConfig): { label: string; config: ExperimentConfig }[] {
  const sweep = config.sweep;
  const fields = Object.entries(sweep?.fields ?? {});
  const seeds = sweep?.seeds ?? [];
  if (!sweep || (fields.length === 0 && seeds.length === 0)) return [{ label: '', config }];

  const runs = sweepRunCount(config);
  if (runs > LIMITS.sweepRuns) {   // the validator refuses this first; a config built in code must not expand either
    throw new InvalidExperimentError([{ file: OVERRIDES_FILE, range: originRange(), severity: 'error', code: 'limit.sweep', path: 'sweep',
      message: `\`sweep\` expands to ${runs} runs, more than the ${LIMITS.sweepRuns} one file may start: sweep fewer values` }]);
  }
  const base = structuredClone(config);
  delete base.sweep;   // each expanded run is a plain experiment
  let combos: [string, unknown][][] = [[]];
  for (const [field, values] of fields) combos = combos.flatMap((combo) => values.map((v): [string, unknown][] => [...combo, [field, v]]));
  const out: { label: string; config: ExperimentConfig }[] = [];
  for (const combo of combos) {
    for (const seed of seeds.length ? seeds : [undefined]) {
      const overrides: Record<string, unknown> = Object.fromEntries(combo);
      if (seed !== undefined) overrides.seed = seed;
      const label = Object.entries(overrides).map(([f, v]) => `${f}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`).join(',');
      out.push({ label, config: applyOverrides(base, overrides) });
    }
  }
  return out;
}

function setAt(root: Record<string, unknown>, segments: string[], value: unknown): void {
  let node: Record<string, unknown> = root;
  segments.slice(0, -1).forEach((segment, i) => {
    const next = node[segment];
    if (next === null || typeof next !== 'object') node[segment] = /^\d+$/.test(segments[i + 1]) ? [] : {};
    node = node[segment] as Record<string, unknown>;
  });
  node[segments[segments.length - 1]] = value;
}
