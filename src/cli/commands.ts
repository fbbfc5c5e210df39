// The table of CLI commands. Each command lives in its own module, loaded on use
// so `latent-lab validate` never pays for loading tfjs.

export interface CliCommand {
  summary: string;
  run(args: string[]): Promise<number>;   // exit code
}

export const commandTable: Record<string, CliCommand> = {
  validate: {
    summary: 'check experiment files; prints file:line:col: severity: message',
    run: async (args) => (await import('./validateCommand')).runValidateCommand(args),
  },
  train: {
    summary: 'train an experiment file (a sweep runs every config); Ctrl-C checkpoints and stops',
    run: async (args) => (await import('./trainCommand')).runTrainCommand(args),
  },
  resume: {
    summary: 'continue a stopped run from its latest checkpoint, exactly',
    run: async (args) => (await import('./trainCommand')).runResumeCommand(args),
  },
  eval: {
    summary: 'evaluate a run or checkpoint: per-task accuracy and latent diagnostics',
    run: async (args) => (await import('./trainCommand')).runEvalCommand(args),
  },
};
