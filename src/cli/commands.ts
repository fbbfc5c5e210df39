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
  submit: {
    summary: 'hand a sweep to a cluster scheduler (SLURM array job; Kubernetes / Ray printed), one task per configuration',
    run: async (args) => (await import('./submitCommand')).runSubmitCommand(args),
  },
  status: {
    summary: 'the state of each run of a sweep folder, from its run directories and squeue / sacct',
    run: async (args) => (await import('./statusCommand')).runStatusCommand(args),
  },
  compare: {
    summary: 'final metrics of runs side by side, mean ± std over seeds (Markdown)',
    run: async (args) => (await import('./compareCommand')).runCompareCommand(args),
  },
  pretrain: {
    summary: 'train a base model (kind: pretrain) and package it with a model card',
    run: async (args) => (await import('./pretrainCommand')).runPretrainCommand(args),
  },
  eval: {
    summary: 'evaluate a run or checkpoint: per-task accuracy and latent diagnostics',
    run: async (args) => (await import('./trainCommand')).runEvalCommand(args),
  },
  inspect: {
    summary: 'run a checkpoint on your examples; dump every attention map and loss term to a capture file',
    run: async (args) => (await import('./inspectCommand')).runInspectCommand(args),
  },
  backend: {
    summary: 'which tfjs backend a run gets here (GPU adapter included) and why others were skipped',
    run: async (args) => (await import('./backendCommand')).runBackendCommand(args),
  },
  export: {
    summary: 'write a checkpoint\'s weights as safetensors (tensor names of docs/model.md)',
    run: async (args) => (await import('./exportCommand')).runExportCommand(args),
  },
};
