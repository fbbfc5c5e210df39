// `cluster:` checks a schema cannot express, and the same checks for the values
// `latent-lab submit` takes as flags (so a flag and a file field get one message).
import type { ClusterConfig, ExperimentConfig } from '../experiment';
import type { Problem } from '../problems';
import { validatorAt, schemaAt } from './schema';
import { ajvErrorsToProblems } from './schemaProblems';
import { Locator, type ConfigPath } from './sourceMap';

// submit writes these itself: one array task per sweep index, logs in the sweep folder.
const RESERVED_SBATCH = new Map([['array', '-a'], ['output', '-o'], ['error', '-e']]);

const SLURM_TIME = /^([0-9]+-)?[0-9]+(:[0-9]{1,2}){0,2}$/;
const MEMORY = /^[0-9]+[KMGT]?$/;

export function clusterProblems(config: ExperimentConfig, locator: Locator): Problem[] {
  const problems: Problem[] = [];
  const c = config.cluster;
  if (!c) return problems;
  const report = (at: ConfigPath, code: string, message: string) => {
    const { file, range } = locator.locate(at, 'value');
    problems.push({ file, range, severity: 'error', code, message, path: at.join('.') });
  };
  if (c.time !== undefined && !SLURM_TIME.test(c.time)) {
    report(['cluster', 'time'], 'cluster.time', `\`cluster.time\` '${c.time}' is not a SLURM time limit: write MM, HH:MM:SS or D-HH:MM:SS, e.g. "02:00:00" (quoted)`);
  }
  if (c.mem !== undefined && !MEMORY.test(c.mem)) {
    report(['cluster', 'mem'], 'cluster.mem', `\`cluster.mem\` '${c.mem}' is not a memory size: write a whole number with an optional unit K, M, G or T, e.g. 16G`);
  }
  (c.sbatch ?? []).forEach((line, i) => {
    const option = reservedOption(line);
    if (!line.startsWith('-') || /[\r\n]/.test(line)) {
      report(['cluster', 'sbatch', i], 'cluster.sbatch-line', `\`cluster.sbatch\`: '${line}' is not one sbatch option: write one option per item, starting with -, e.g. --account=lab`);
    } else if (option) {
      report(['cluster', 'sbatch', i], 'cluster.sbatch-reserved', `\`cluster.sbatch\`: \`${line}\` sets --${option}, which \`latent-lab submit\` writes itself (one array task per sweep configuration, logs in the sweep folder): remove this line`);
    }
  });
  (c.setup ?? []).forEach((line, i) => {
    if (/[\r\n]/.test(line)) report(['cluster', 'setup', i], 'cluster.setup-line', '`cluster.setup`: an item holds several lines: write one shell line per item');
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
