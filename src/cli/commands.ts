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
};
