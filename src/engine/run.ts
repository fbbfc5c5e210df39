// One training run from start to end: validate → backend → data → tokenizer →
// model → method → train loop (with logging, evaluation, checkpoints) → summary.
// Also `resumeRun` (continue from checkpoints/latest exactly) and `trainExperiment`
// (a sweep runs its configs one after another in sub-folders).
// Every file of the run directory is described in src/core/runLayout.ts.

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BackendName, ExperimentConfig } from '../core/experiment';
import { describeBackend, describeEvent, type EngineEvent, type EvalMetrics, type RunStatus, type TrainMetrics } from '../core/events';
import { READ_LIMITS, readTextBounded } from '../core/boundedRead';
import { isCheckpointDir, isRunDir, isSweepRecordFile, latestCheckpoint, readMetrics, runDirOfCheckpoint, runFolderName, runPaths, stepOfCheckpointFolder, type RunSummary } from '../core/runLayout';
import { deadRunReason, readPidFile, startHeartbeat } from '../core/runLiveness';
import { loadExperiment } from '../core/validator';
import { entryRunDir, planSweep } from '../core/sweepPlan';
import { selectBackend, tf } from './backend';
import type { BackendReport } from '../core/events';
import { installNativeKernels } from './kernels';
import { explainMemoryFailure } from './memoryErrors';
import { DiskFullError, writeFileAtomic } from '../core/atomicWrite';
import { loadCheckpoint, saveCheckpoint } from './checkpoint';
import { Optimizer } from './optimizer';
import { NonFiniteLossError, runTrainingLoop, stepsPerEpoch, type LoopState, type StepReport } from './train';
import { buildSession, checkSupported, type Session } from './session';
import { evaluate } from './eval/evaluate';
import { EvalInterrupted } from './eval/interrupt';
import { writeTestTimeScaling } from './eval/testTimeScaling';

export interface RunOptions {
  /** Exact run directory (the CLI's --out). Default: <runs_dir>/<YYYYMMDD-HHMMSS>-<name>. */
  outDir?: string;
  backend?: BackendName;             // overrides runtime.backend
  maxSteps?: number;                 // overrides train.max_steps
  threads?: number;                  // overrides runtime.threads
  initFrom?: string;                 // overrides model.init_from (a checkpoint folder)
  onEvent?: (e: EngineEvent) => void;
  /** Set `requested` to true (signal, IPC stop) to finish the step, checkpoint and stop. */
  stop?: { requested: boolean };
  /** Install SIGINT/SIGTERM handlers that request a stop (CLI and child process). */
  handleSignals?: boolean;
  /** Test hook: make the loss read back at this step NaN. */
  nanLossAtStep?: number;
}

export interface RunResult { runDir: string; status: RunStatus; summary: RunSummary }

/** `latent-lab train FILE`: validates (throws InvalidExperimentError, creating nothing) and runs every sweep entry. */
export async function trainExperiment(file: string, opts: RunOptions = {}): Promise<RunResult[]> {
  const config = loadExperiment(file);
  const entries = planSweep(config);   // the folder of each entry, as --sweep-index and schedulers find it
  for (const e of entries) checkSupported(e.config);
  const source = readTextBounded(file, READ_LIMITS.experiment, 'experiment file');
  const baseDir = opts.outDir ? path.resolve(opts.outDir) : path.join(config.output.runs_dir, runFolderName(config.name));
  const results: RunResult[] = [];
  for (const e of entries) {
    const r = await startRun(e.config, source, entryRunDir(baseDir, e), opts);
    results.push(r);
    if (r.status === 'stopped') break;   // a stop request ends the whole sweep
  }
  return results;
}

/** A fresh run of one resolved config in `runDir`. */
export async function startRun(config: ExperimentConfig, sourceYaml: string, runDir: string, opts: RunOptions = {}): Promise<RunResult> {
  const cfg = withRunOverrides(config, opts);
  checkSupported(cfg);
  if (fs.existsSync(runDir) && fs.readdirSync(runDir).some((n) => !isSweepRecordFile(n))) {
    throw new Error(`run directory ${runDir} exists and is not empty: choose another --out, or resume it with 'latent-lab resume ${runDir}'`);
  }
  const p = runPaths(runDir);
  fs.mkdirSync(p.checkpoints, { recursive: true });
  writeFileAtomic(p.config, JSON.stringify(cfg, null, 2) + '\n');
  writeFileAtomic(p.source, sourceYaml);
  return execute(cfg, runDir, undefined, opts);
}

/** The config a run records in config.json: `config` with the command line's overrides applied. */
export function withRunOverrides(config: ExperimentConfig, opts: RunOptions): ExperimentConfig {
  const cfg: ExperimentConfig = structuredClone(config);
  if (opts.backend) cfg.runtime.backend = opts.backend;
  if (opts.maxSteps !== undefined) cfg.train.max_steps = opts.maxSteps;
  if (opts.threads !== undefined) cfg.runtime.threads = opts.threads;
  if (opts.initFrom !== undefined) {
    cfg.model.init_from = path.resolve(opts.initFrom);
    if (!fs.existsSync(path.join(cfg.model.init_from, 'checkpoint.json'))) throw new Error(`--init-from ${opts.initFrom}: no checkpoint.json there; pass a checkpoint folder (e.g. a base's checkpoint/)`);
  }
  return cfg;
}

/** `latent-lab resume RUN_DIR`: continues from checkpoints/latest with the run's own config.json. */
export async function resumeRun(runDir: string, opts: RunOptions = {}): Promise<RunResult> {
  const p = runPaths(path.resolve(runDir));
  if (!fs.existsSync(p.config)) throw new Error(`${runDir} is not a run directory (no config.json)`);
  const summary = readSummaryIfAny(p.summary);
  const pid = readPidFile(p.dir)?.pid;
  if (summary?.status === 'running' && pid !== undefined && pid !== process.pid && !deadRunReason(p.dir, summary)) {
    throw new Error(`${runDir} is still running (engine pid ${pid}): stop it first (Ctrl-C in its terminal, or Stop in the Runs view)`);
  }
  const ckpt = latestCheckpoint(p.dir);
  if (!ckpt) throw new Error(`${runDir} has no checkpoint to resume from (checkpoints/latest is missing)`);
  return execute(readRunConfig(p.config), p.dir, ckpt, opts);
}

async function execute(cfg: ExperimentConfig, runDir: string, resumeFrom: string | undefined, opts: RunOptions): Promise<RunResult> {
  const p = runPaths(runDir);
  const started = Date.now();
  const stop = opts.stop ?? { requested: false };
  // A log line lost to a full disk must not hide the error being logged: the summary records it.
  const log = (line: string) => { try { fs.appendFileSync(p.log, line + '\n'); } catch { /* disk full or run folder gone */ } };
  const emit = (e: EngineEvent) => {
    if (e.type !== 'progress') {
      for (const line of describeEvent(e)) log(line);
    }
    opts.onEvent?.(e);
  };
  const now = () => new Date().toISOString();
  const summary: RunSummary = {
    name: cfg.name, method: cfg.method.kind, status: 'running', started: now(), updated: now(),
    wall_seconds: 0, step: 0, total_steps: 0,
  };
  const previous = resumeFrom ? readSummaryIfAny(p.summary) : undefined;
  if (previous?.best) summary.best = previous.best;
  const priorWall = previous?.wall_seconds ?? 0;
  const writeSummary = (opts: { inPlaceWhenFull?: boolean } = {}) => {
    summary.updated = now();
    summary.wall_seconds = priorWall + (Date.now() - started) / 1000;
    writeFileAtomic(p.summary, JSON.stringify(summary, null, 2) + '\n', opts);
  };
  const state: LoopState = { step: 0, epoch: 0, positionInEpoch: 0 };
  // Until the checkpoint is loaded, an error belongs to the step being resumed from.
  if (resumeFrom) state.step = summary.step = stepOfCheckpointFolder(path.basename(resumeFrom)) ?? previous?.step ?? 0;
  writeSummary();
  const heartbeat = startHeartbeat(runDir);
  // A second stop signal exits without finishing the step: say so in the summary first, so the
  // run is not left `running`; its last checkpoint is intact and resume continues from it.
  const abortNow = () => {
    summary.status = 'stopped';
    summary.error = `aborted by a second stop signal during step ${state.step + 1}; resume continues from the last checkpoint`;
    try { writeSummary({ inPlaceWhenFull: true }); } catch { /* exiting anyway: liveness (runLiveness.ts) reports it */ }
    heartbeat.stop();
    process.exit(130);
  };

  const signalHandler = () => {
    if (stop.requested) abortNow();   // second signal: give up at once
    stop.requested = true;
    emit({ type: 'log', runDir, time: now(), level: 'info', message: 'stop requested: finishing the current step or evaluation batch and writing a checkpoint (signal again to abort)' });
  };
  if (opts.handleSignals) { process.on('SIGINT', signalHandler); process.on('SIGTERM', signalHandler); }

  let session: Session | undefined;
  let optimizer: Optimizer | undefined;
  try {
    const { backend, native } = await startBackend(cfg);
    summary.backend = backend;
    summary.native_kernels = native;
    emit({ type: 'log', runDir, time: now(), level: 'info', message: native });
    const ckpt = resumeFrom ? loadCheckpoint(resumeFrom) : undefined;
    if (ckpt?.indexVerified === false) emit({ type: 'log', runDir, time: now(), level: 'warning', message: `${resumeFrom}: checkpoint index of format 1 has no checksum of its own: its step, RNG state and tensor layout cannot be verified` });
    session = await buildSession(cfg, { tokenizerJson: ckpt?.tokenizer, log: (m) => emit({ type: 'log', runDir, time: now(), level: 'info', message: m }) });
    const { model, method, splits } = session;
    const params = method.trainableVariables(model);
    optimizer = new Optimizer(cfg.train.optimizer, cfg.train.grad_clip, params);
    if (ckpt) {
      session.loadWeights(ckpt.weights, true);
      if (ckpt.optimizer) optimizer.setState(ckpt.optimizer);
      state.step = ckpt.step;
      state.epoch = ckpt.epoch;
      state.positionInEpoch = ckpt.positionInEpoch;
      truncateMetricsAfter(p.metrics, ckpt.step);
    }
    const perEpoch = stepsPerEpoch(splits.train.length, cfg.train.batch_size);
    let totalSteps = perEpoch * method.totalEpochs;
    if (cfg.train.max_steps > 0) totalSteps = Math.min(totalSteps, cfg.train.max_steps);
    summary.total_steps = totalSteps;
    summary.step = state.step;
    const total = [...model.variables.values()].reduce((a, v) => a + v.size, 0);
    const trainable = [...params.values()].reduce((a, v) => a + v.size, 0);
    emit({
      type: 'started', runDir, time: now(), name: cfg.name, method: method.name, backend,
      totalSteps, totalEpochs: method.totalEpochs, stepsPerEpoch: perEpoch, resumedFromStep: state.step,
      trainExamples: splits.train.length, parameters: { total, trainable },
    });

    const checkpoint = async (reason: 'periodic' | 'final' | 'stop') => {
      const folder = saveCheckpoint(p.checkpoints, {
        step: state.step, epoch: state.epoch, positionInEpoch: state.positionInEpoch,
        weights: await session!.hostWeights(), optimizer: await optimizer!.getState(),
        rng: session!.rngStates(), tokenizer: session!.tokenizer.toJSON(),
        meta: { name: cfg.name, method: method.name, seed: cfg.seed },
      });
      summary.latest_checkpoint = path.basename(folder);
      writeSummary();
      emit({ type: 'checkpoint', runDir, time: now(), step: state.step, path: folder, reason });
    };
    const interrupted = (what: string) => emit({ type: 'log', runDir, time: now(), level: 'info', message: `stop requested: ${what} at step ${state.step} was interrupted and not recorded` });
    /** The periodic and the final evaluation; undefined when a stop request interrupted it (nothing written). */
    const runEval = async (): Promise<EvalMetrics | undefined> => {
      let record: EvalMetrics;
      try {
        record = await evaluate(session!, cfg.eval.split, {
          step: state.step, maxExamples: cfg.eval.max_examples, diagnostics: cfg.eval.diagnostics, captureRunDir: runDir,
          onCapture: (file) => emit({ type: 'log', runDir, time: now(), level: 'info', message: `attention capture: ${file}` }),
          shouldStop: () => stop.requested,
        });
      } catch (err) {
        if (!(err instanceof EvalInterrupted)) throw err;
        interrupted('the evaluation');
        return undefined;
      }
      fs.appendFileSync(p.metrics, JSON.stringify(record) + '\n');
      if (!summary.best || record.mean_accuracy > summary.best.value) {
        summary.best = { metric: 'mean_accuracy', value: record.mean_accuracy, step: record.step, split: record.split };
      }
      emit({ type: 'evaluation', runDir, time: now(), record });
      return record;
    };

    let windowExamples = 0;
    let windowSeconds = 0;
    let lastProgress = 0;
    const loopStart = Date.now();
    const stepsAtStart = state.step;
    const afterStep = async (r: StepReport, s: LoopState) => {
      windowExamples += r.examples;
      windowSeconds += r.seconds;
      const exPerS = windowSeconds > 0 ? windowExamples / windowSeconds : 0;
      summary.step = s.step;
      if (s.step % cfg.train.log_every === 0 || s.step === totalSteps) {
        const record: TrainMetrics = {
          type: 'train', step: r.step, epoch: r.epoch, stage: r.stage, lr: r.lr, loss: r.loss, terms: r.terms,
          grad_norm: r.gradNorm, examples_per_s: exPerS, time: now(),
        };
        fs.appendFileSync(p.metrics, JSON.stringify(record) + '\n');
        emit({ type: 'metrics', runDir, time: now(), record });
        windowExamples = 0;
        windowSeconds = 0;
      }
      if (Date.now() - lastProgress > 250 || s.step === totalSteps || stop.requested) {
        lastProgress = Date.now();
        const elapsed = (Date.now() - loopStart) / 1000;
        const rate = elapsed / Math.max(1, s.step - stepsAtStart);
        emit({
          type: 'progress', runDir, time: now(), step: s.step, totalSteps, epoch: r.epoch, totalEpochs: method.totalEpochs,
          stage: r.stage, loss: r.loss, lr: r.lr, examplesPerSecond: exPerS, etaSeconds: rate * (totalSteps - s.step),
        });
      }
      if (cfg.eval.every > 0 && s.step % cfg.eval.every === 0 && s.step < totalSteps) await runEval();
      if (cfg.train.checkpoint_every > 0 && s.step % cfg.train.checkpoint_every === 0 && s.step < totalSteps) await checkpoint('periodic');
    };

    const outcome = await runTrainingLoop({
      model, method, optimizer, params, train: cfg.train, ctxConfig: cfg, examples: splits.train, totalSteps,
      epochOrder: (epoch) => session!.epochOrder(epoch), state,
      hooks: {
        afterStep, shouldStop: () => stop.requested,
        overrideLoss: opts.nanLossAtStep ? (step, loss) => (step === opts.nanLossAtStep ? NaN : loss) : undefined,
      },
    });
    // A stop request during the final evaluation leaves the run stopped at its last step:
    // resuming it runs no step and evaluates.
    const final = outcome === 'completed' ? await runEval() : undefined;
    let finished = final !== undefined;
    if (final && cfg.method.kind === 'valr') {   // accuracy vs latents per step at inference (eval/testTimeScaling.ts)
      try {
        const tts = await writeTestTimeScaling(session, runDir, state.step, () => stop.requested);
        log(`test-time scaling: ${tts.rows.map((r) => `K'=${r.latents_per_step} ${r.mean_accuracy === null ? 'skipped' : r.mean_accuracy.toFixed(3)}`).join(', ')}`);
      } catch (err) {
        if (!(err instanceof EvalInterrupted)) throw err;
        interrupted('the test-time scaling sweep');
        finished = false;
      }
    }
    if (finished) {
      summary.final = final;
      await checkpoint('final');
      summary.status = 'completed';
    } else {
      await checkpoint('stop');
      summary.status = 'stopped';
    }
    writeSummary();
    emit({ type: 'done', runDir, time: now(), status: summary.status as 'completed' | 'stopped', step: state.step, wallSeconds: summary.wall_seconds, finalEval: summary.final });
  } catch (err) {
    const advice = err instanceof DiskFullError ? `; then continue with \`latent-lab resume ${runDir}\`` : '';
    const message = explainMemoryFailure(err instanceof Error ? err.message : String(err)) + advice;
    summary.status = 'failed';
    summary.error = message;
    try {
      writeSummary({ inPlaceWhenFull: true });   // the failure must be recorded even on a full disk
    } catch (writeErr) {
      emit({ type: 'log', runDir, time: now(), level: 'warning', message: `could not record the failure in ${p.summary}: ${(writeErr as Error).message}` });
    }
    emit({ type: 'error', runDir, time: now(), message, step: err instanceof NonFiniteLossError ? err.step : state.step });
  } finally {
    heartbeat.stop();
    if (opts.handleSignals) { process.off('SIGINT', signalHandler); process.off('SIGTERM', signalHandler); }
    optimizer?.dispose();
    session?.dispose();
  }
  return { runDir, status: summary.status, summary };
}

/** Selects the backend, then the native kernels of runtime.native_kernels (wasm only; 'auto' falls back to stock). */
export async function startBackend(cfg: ExperimentConfig): Promise<{ backend: BackendReport; native: string }> {
  const backend = await selectBackend(cfg.runtime.backend, { threads: cfg.runtime.threads });
  if (backend.name !== 'wasm' && cfg.runtime.native_kernels !== 'on') return { backend, native: `native kernels: none (backend ${backend.name})` };
  return { backend, native: installNativeKernels(tf, { mode: cfg.runtime.native_kernels, threads: cfg.runtime.threads }).summary };
}

function readSummaryIfAny(file: string): RunSummary | undefined {
  try {
    return JSON.parse(readTextBounded(file, READ_LIMITS.runJson, 'run summary')) as RunSummary;
  } catch {
    return undefined;
  }
}

function readRunConfig(file: string): ExperimentConfig {
  try {
    return JSON.parse(readTextBounded(file, READ_LIMITS.runJson, 'run config')) as ExperimentConfig;
  } catch (err) {
    throw new Error(`${file} cannot be read as the run's config (${(err as Error).message}): the run folder is damaged; start a new run from the experiment file`);
  }
}

/** Drops train/eval records logged after `step` (a run that died after its last checkpoint). */
function truncateMetricsAfter(file: string, step: number): void {
  if (!fs.existsSync(file)) return;
  const records = readMetrics(path.dirname(file));
  const kept = records.filter((r) => r.step <= step);
  if (kept.length !== records.length) writeFileAtomic(file, kept.map((r) => JSON.stringify(r) + '\n').join(''));
}

export interface EvalTargetOptions {
  split: 'val' | 'test';
  maxExamples?: number;              // default: the run's eval.max_examples
  backend?: BackendName;             // overrides the run's runtime.backend
  log?: (message: string) => void;
}

/**
 * `latent-lab eval RUN_DIR|CHECKPOINT`: loads the run's config and the checkpoint
 * (a run's latest by default), evaluates, and appends the record to the run's metrics.jsonl.
 */
export async function evaluateTarget(target: string, o: EvalTargetOptions): Promise<EvalMetrics> {
  const dir = path.resolve(target);
  let runDir: string;
  let ckptDir: string | undefined;
  if (isCheckpointDir(dir)) {
    ckptDir = dir;
    runDir = runDirOfCheckpoint(dir);
  } else if (isRunDir(dir)) {
    runDir = dir;
    ckptDir = latestCheckpoint(dir);
    if (!ckptDir) throw new Error(`${target} has no checkpoint yet (checkpoints/latest is missing): train or resume it first`);
  } else {
    throw new Error(`${target} is neither a run directory (config.json) nor a checkpoint folder (checkpoint.json)`);
  }
  const p = runPaths(runDir);
  if (!fs.existsSync(p.config)) throw new Error(`${ckptDir} is not inside a run directory (no ${p.config}); eval needs the run's config.json`);
  const cfg = readRunConfig(p.config);
  if (o.backend) cfg.runtime.backend = o.backend;
  const { backend, native } = await startBackend(cfg);
  o.log?.(`backend ${describeBackend(backend)}; ${native}; checkpoint ${ckptDir}`);
  const ckpt = loadCheckpoint(ckptDir);
  const session = await buildSession(cfg, { tokenizerJson: ckpt.tokenizer, log: o.log });
  try {
    session.loadWeights(ckpt.weights, true);
    const record = await evaluate(session, o.split, {
      step: ckpt.step, maxExamples: o.maxExamples ?? cfg.eval.max_examples, diagnostics: cfg.eval.diagnostics,
      captureRunDir: runDir, onCapture: (file) => o.log?.(`attention capture: ${file}`),
    });
    fs.appendFileSync(p.metrics, JSON.stringify(record) + '\n');
    return record;
  } finally {
    session.dispose();
  }
}
