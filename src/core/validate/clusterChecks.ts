// `cluster:` checks a schema cannot express, and the same checks for the values
// `latent-lab submit` takes as flags (so a flag and a file field get one message).
import type { ClusterConfig, ExperimentConfig } from '../experiment';
import type { Problem } from '../problems';
import { validatorAt, schemaAt } from './schema';
import { ajvErrorsToProblems } from './schemaProblems';
import { Locator, type ConfigPath } from './sourceMap';

// submit writes these itself: one array task per sweep index, logs in the sweep folder.
const RESERVED_SBATCH = new Map([['array', '-a'], ['output', '-o'], ['error', '-e']]);

export function clusterProblems(config: ExperimentConfig, locator: Locator): Problem[] {
  const problems: Problem[] = [];
  (config.cluster?.sbatch ?? []).forEach((line, i) => {
    const option = reservedOption(line);
    if (!option) return;
    const at: ConfigPath = ['cluster', 'sbatch', i];
    const { file, range } = locator.locate(at, 'value');
    problems.push({ file, range, severity: 'error', code: 'cluster.sbatch-reserved', path: `cluster.sbatch.${i}`,
      message: `\`cluster.sbatch\`: \`${line}\` sets --${option}, which \`latent-lab submit\` writes itself (one array task per sweep configuration, logs in the sweep folder): remove this line` });
  });
  return problems;
}

/** The sbatch option a line sets when submit reserves it (`array`, `output`, `error`), else undefined. */
export function reservedOption(line: string): string | undefined {
  const long = /^--([A-Za-z-]+)/.exec(line)?.[1];
  if (long !== undefined) return RESERVED_SBATCH.has(long) ? long : undefined;
  const short = /^(-[A-Za-z])/.exec(line)?.[1];
  return [...RESERVED_SBATCH].find(([, s]) => s === short)?.[0];
}

/**
 * Checks a cluster block assembled from the file and the command line against the
 * schema and the checks above; messages name the flag (`--time`) a field came from.
 */
export function clusterValueProblems(cluster: ClusterConfig, flagOf: (field: string) => string): string[] {
  const pointer = schemaAt(['cluster'])!.pointer;
  const validate = validatorAt(pointer)!;
  const locator = new Locator([], '<command line>');
  const problems = validate(structuredClone(cluster)) ? [] : ajvErrorsToProblems(validate.errors ?? [], locator, '', ['cluster']);
  problems.push(...clusterProblems({ cluster } as ExperimentConfig, locator));
  return problems.map((p) => {
    const field = (p.path ?? 'cluster').split('.')[1] ?? '';
    return `${flagOf(field)}: ${p.message}`;
  });
}
