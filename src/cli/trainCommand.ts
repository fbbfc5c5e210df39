// `latent-lab train | resume | eval`: thin wrappers that parse flags, run the
// engine in this process, print its events (progress bar + log lines), and
// turn the outcome into an exit code (0 completed/stopped, 1 failed, 2 usage).

import * as path from 'node:path';
import { BACKEND_NAMES, type BackendName } from '../core/experiment';
import { describeEval } from '../core/events';
import { formatProblem, InvalidExperimentError } from '../core/problems';
import { ProgressPrinter } from './progress';

const BACKENDS: readonly BackendName[] = BACKEND_NAMES;

const TRAIN_HELP = `usage: latent-lab train FILE [--out DIR] [--backend B] [--threads N] [--max-steps N] [--quiet]
       latent-lab train FILE --list-sweep
       latent-lab train FILE --sweep-index I --out SWEEP_DIR [--backend B] [--threads N] [--max-steps N] [--quiet]

Trains the experiment in FILE (*.experiment.yaml). The file is validated first;
an invalid file is refused with file:line:col messages and nothing is created.

  --out DIR        run directory (default: <output.runs_dir>/<YYYYMMDD-HHMMSS>-<name>)
  --backend B      override runtime.backend: ${BACKENDS.join(' | ')}
  --threads N      override runtime.threads (0: adapt to the free cores; 1 lets two runs share 2 cores)
  --max-steps N    stop after N optimizer steps (overrides train.max_steps)
  --quiet          print only evaluations, errors and the result
  --demo           accepted for \`npm run demo\`; trains exactly as without it
  --list-sweep     print the sweep's configurations by index (and what differs in each); train nothing
  --sweep-index I  train configuration I only, into SWEEP_DIR/<its sub-folder> (the same name a whole
                   sweep uses). Again on the same SWEEP_DIR: a completed run is left alone (exit 0), an
                   unfinished one resumes from its last checkpoint. What a scheduler's array task runs.

A sweep (sweep.fields / sweep.seeds) runs its configs one after another in
sub-folders of the run directory. Ctrl-C finishes the current step, writes a
checkpoint and exits 0; 'latent-lab resume RUN_DIR' continues it.
`;

const RESUME_HELP = `usage: latent-lab resume RUN_DIR [--quiet]

Continues a stopped (or crashed) run from RUN_DIR/checkpoints/latest, with the
run's own config.json, exactly as if it had not been interrupted.
`;

const EVAL_HELP = `usage: latent-lab eval RUN_DIR|CHECKPOINT|FILE.experiment.yaml [--split val|test] [--max-examples N] [--backend B]

Evaluates the latest checkpoint of RUN_DIR (or the given checkpoints/step-N
folder): per-task accuracy with greedy generation, plus the diagnostics in the
run's eval.diagnostics. Appends a 'type: eval' record to RUN_DIR/metrics.jsonl.

Given an experiment FILE, evaluates what each of its runs would start from
(model.init_from, new adapters and latents untrained) on the same split and
seeds, and writes nothing: the "before fine-tuning" row of a comparison.

  --split S          val or test (default: test)
  --max-examples N   per task; 0: all (default: the run's eval.max_examples)
  --backend B        RUN_DIR or CHECKPOINT only: override the run's runtime.backend (a checkpoint
                     loads on any backend): ${BACKENDS.join(' | ')}
`;

interface Parsed { positional: string[]; flags: Map<string, string | true> }

export function parse(args: string[], withValue: string[], bare: string[]): Parsed | string {
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith('--')) { positional.push(a); continue; }
    const [name, inline] = a.slice(2).split('=', 2);
    if (bare.includes(name)) { flags.set(name, true); continue; }
    if (!withValue.includes(name)) return `unknown option --${name}`;
    const value = inline ?? args[++i];
    if (value === undefined) return `--${name} needs a value`;
    flags.set(name, value);
  }
  return { positional, flags };
}

export function usageError(message: string, help: string): number {
  process.stderr.write(`latent-lab: ${message}\n\n${help}`);
  return 2;
}

export function intFlag(v: string | true | undefined, name: string): number | undefined | string {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v === true || !Number.isInteger(n) || n < 0) return `--${name} needs a whole number ≥ 0, got '${v}'`;
  return n;
}

export function printInvalid(err: InvalidExperimentError): number {
  for (const p of err.problems) process.stderr.write(formatProblem(p) + '\n');
  const n = err.problems.filter((p) => p.severity === 'error').length;
  process.stderr.write(`latent-lab: refused to train: ${n} error${n === 1 ? '' : 's'}; fix them and run again (nothing was created)\n`);
  return 1;
}

export async function runTrainCommand(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) { process.stdout.write(TRAIN_HELP); return 0; }
  const parsed = parse(args, ['out', 'backend', 'threads', 'max-steps', 'sweep-index'], ['quiet', 'demo', 'list-sweep']);
  if (typeof parsed === 'string') return usageError(parsed, TRAIN_HELP);
  if (parsed.positional.length !== 1) return usageError('train needs exactly one experiment FILE', TRAIN_HELP);
  if (parsed.flags.has('list-sweep')) return (await import('./sweepIndexCommand')).runListSweep(path.resolve(parsed.positional[0]));
  const backend = parsed.flags.get('backend');
  if (backend !== undefined && !BACKENDS.includes(backend as BackendName)) return usageError(`--backend must be one of ${BACKENDS.join(', ')}`, TRAIN_HELP);
  const maxSteps = intFlag(parsed.flags.get('max-steps'), 'max-steps');
  if (typeof maxSteps === 'string') return usageError(maxSteps, TRAIN_HELP);
  const threads = intFlag(parsed.flags.get('threads'), 'threads');
  if (typeof threads === 'string') return usageError(threads, TRAIN_HELP);
  const out = parsed.flags.get('out');
  const printer = new ProgressPrinter({ quiet: parsed.flags.has('quiet') });
  const sweepIndex = intFlag(parsed.flags.get('sweep-index'), 'sweep-index');
  if (typeof sweepIndex === 'string') return usageError(sweepIndex, TRAIN_HELP);
  if (sweepIndex !== undefined) {
    if (typeof out !== 'string') return usageError('--sweep-index needs --out SWEEP_DIR: the sweep folder every index writes into, so that running an index again finds its run', TRAIN_HELP);
    const { runSweepIndex } = await import('./sweepIndexCommand');
    const code = await runSweepIndex(path.resolve(parsed.positional[0]), sweepIndex, out, {
      backend: backend as BackendName | undefined, maxSteps, threads, onEvent: (e) => printer.handle(e), handleSignals: true,
    }, (line) => printer.line([line]));
    printer.finish();
    return code;
  }
  const { trainExperiment } = await import('../engine/run');
  try {
    const results = await trainExperiment(path.resolve(parsed.positional[0]), {
      outDir: typeof out === 'string' ? out : undefined,
      backend: backend as BackendName | undefined,
      maxSteps,
      threads,
      onEvent: (e) => printer.handle(e),
      handleSignals: true,
    });
    printer.finish();
    for (const r of results) printer.line([`run ${r.status}: ${r.runDir}`]);
    return results.some((r) => r.status === 'failed') ? 1 : 0;
  } catch (err) {
    printer.finish();
    if (err instanceof InvalidExperimentError) return printInvalid(err);
    throw err;
  }
}

export async function runResumeCommand(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) { process.stdout.write(RESUME_HELP); return 0; }
  const parsed = parse(args, [], ['quiet']);
  if (typeof parsed === 'string') return usageError(parsed, RESUME_HELP);
  if (parsed.positional.length !== 1) return usageError('resume needs exactly one RUN_DIR', RESUME_HELP);
  const printer = new ProgressPrinter({ quiet: parsed.flags.has('quiet') });
  const { resumeRun } = await import('../engine/run');
  const r = await resumeRun(path.resolve(parsed.positional[0]), { onEvent: (e) => printer.handle(e), handleSignals: true });
  printer.finish();
  printer.line([`run ${r.status}: ${r.runDir}`]);
  return r.status === 'failed' ? 1 : 0;
}

export async function runEvalCommand(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) { process.stdout.write(EVAL_HELP); return 0; }
  const parsed = parse(args, ['split', 'max-examples', 'backend'], []);
  if (typeof parsed === 'string') return usageError(parsed, EVAL_HELP);
  const backend = parsed.flags.get('backend');
  if (backend !== undefined && !BACKENDS.includes(backend as BackendName)) return usageError(`--backend must be one of ${BACKENDS.join(', ')}`, EVAL_HELP);
  if (parsed.positional.length !== 1) return usageError('eval needs exactly one RUN_DIR, CHECKPOINT folder or experiment FILE', EVAL_HELP);
  const split = parsed.flags.get('split') ?? 'test';
  if (split !== 'val' && split !== 'test') return usageError(`--split must be val or test, got '${String(split)}'`, EVAL_HELP);
  const maxExamples = intFlag(parsed.flags.get('max-examples'), 'max-examples');
  if (typeof maxExamples === 'string') return usageError(maxExamples, EVAL_HELP);
  const target = path.resolve(parsed.positional[0]);
  const log = (m: string) => { process.stderr.write(m + '\n'); };
  if (/\.ya?ml$/i.test(target)) {
    if (backend !== undefined) return usageError('--backend applies to a RUN_DIR or CHECKPOINT; an experiment FILE evaluates on its runtime.backend', EVAL_HELP);
    const { evaluateStartingPoint } = await import('../engine/eval/startingPoint');
    try {
      for (const p of await evaluateStartingPoint(target, { split, maxExamples, log })) {
        process.stdout.write([`${p.label || 'run'} (before training):`, ...describeEval(p.record).map((l) => '  ' + l)].join('\n') + '\n');
      }
    } catch (err) {
      if (err instanceof InvalidExperimentError) return printInvalid(err);
      throw err;
    }
    return 0;
  }
  const { evaluateTarget } = await import('../engine/run');
  const record = await evaluateTarget(target, { split, maxExamples, log, backend: backend as BackendName | undefined });
  process.stdout.write(describeEval(record).join('\n') + '\n');
  return 0;
}
