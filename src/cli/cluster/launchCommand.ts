// The one command line every scheduler runs for one index (the contract of
// src/core/sweepPlan.ts): `latent-lab train FILE --sweep-index I --out SWEEP_DIR`,
// with the Node and CLI of this installation, by absolute path (the cluster must
// see this repository and the runs folder at the same paths: docs/cluster.md).

import * as path from 'node:path';

export interface LaunchTarget {
  experimentFile: string;       // absolute
  sweepDir: string;             // absolute
  trainFlags: string[];         // pass-through: --backend, --threads, --max-steps
}

/** POSIX shell single-quoting. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./=:,@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * The Node that runs the CLI on a compute node: `$LATENT_LAB_NODE` when set there,
 * else this process's Node (inside VS Code, whose runtime is Electron, `node` from PATH).
 */
export function nodeCommand(env: NodeJS.ProcessEnv = process.env, execPath = process.execPath): string {
  const fallback = env.ELECTRON_RUN_AS_NODE ? 'node' : execPath;
  return `"\${LATENT_LAB_NODE:-${fallback.replace(/["$`\\]/g, '\\$&')}}"`;
}

/** This CLI's entry script (dist/cli.js), absolute. */
export function cliScript(): string {
  return path.resolve(process.argv[1]);
}

/** The shell command for one index; `indexExpr` is shell text such as "$SLURM_ARRAY_TASK_ID" or "3". */
export function trainCommandLine(t: LaunchTarget, indexExpr: string, node = nodeCommand(), cli = cliScript()): string {
  return [node, shellQuote(cli), 'train', shellQuote(t.experimentFile), '--sweep-index', indexExpr,
    '--out', shellQuote(t.sweepDir), ...t.trainFlags.map(shellQuote)].join(' ');
}
