// The training loop: epochs of shuffled mini-batches, one optimizer step each.
// It owns no files; run.ts supplies hooks for logging, evaluation and
// checkpoints. The loop state (step, epoch, position in the epoch) is all a
// resumed run needs besides weights, optimizer and RNG, because the shuffled
// order of an epoch is a pure function of (seed, epoch).

import { tf } from './backend';
import { readFloats } from './readback';
import type { TrainConfig } from '../core/experiment';
import type { Example } from './data/example';
import { learningRateAt } from './schedule';
import { Optimizer } from './optimizer';
import type { MethodContext, PreparedBatch, TrainableModel, TrainingMethod } from './methods/types';

export interface LoopState {
  step: number;              // optimizer steps done
  epoch: number;             // epoch of the next step (0-based)
  positionInEpoch: number;   // examples of that epoch's order already consumed
}

export interface StepReport {
  step: number;              // steps done, counting this one (1-based)
  epoch: number;
  stage: string;
  lr: number;
  loss: number;
  terms: Record<string, number>;
  gradNorm: number;
  examples: number;
  seconds: number;           // wall time of this step
}

/** A loss or gradient that is NaN or ±Inf; the update was not applied. */
export class NonFiniteLossError extends Error {
  constructor(readonly step: number, readonly term: string, readonly value: number) {
    super(`loss became ${value} at step ${step} (term '${term}'). The update was not applied; ` +
      `the last good checkpoint is kept. Try a lower train.optimizer.lr or a smaller train.grad_clip (e.g. 1.0).`);
    this.name = 'NonFiniteLossError';
  }
}

export interface LoopHooks {
  /** After every successful step (state already advanced). */
  afterStep(report: StepReport, state: LoopState): Promise<void> | void;
  /** Checked after every step; true ends the loop early (a stop request). */
  shouldStop(): boolean;
  /** Test hook: a value to replace the loss read back at `step` (e.g. NaN). */
  overrideLoss?(step: number, loss: number): number;
}

export interface LoopOptions<M extends TrainableModel, B extends PreparedBatch> {
  model: M;
  method: TrainingMethod<M, B>;
  optimizer: Optimizer;
  params: Map<string, tf.Variable>;
  train: TrainConfig;
  ctxConfig: MethodContext['config'];
  examples: Example[];
  totalSteps: number;
  /** The shuffled order of an epoch (indices into `examples`). */
  epochOrder(epoch: number): number[];
  state: LoopState;          // advanced in place
  hooks: LoopHooks;
}

/** Steps per epoch: full batches only (static shapes), at least one. */
export function stepsPerEpoch(examples: number, batchSize: number): number {
  return Math.max(1, Math.floor(examples / batchSize));
}

/** Runs until totalSteps, or until hooks.shouldStop(). Returns 'completed' or 'stopped'. */
export async function runTrainingLoop<M extends TrainableModel, B extends PreparedBatch>(o: LoopOptions<M, B>): Promise<'completed' | 'stopped'> {
  const { state, train } = o;
  const batchSize = Math.min(train.batch_size, o.examples.length);
  const perEpoch = stepsPerEpoch(o.examples.length, train.batch_size);
  let order = o.epochOrder(state.epoch);
  // At an epoch's end the state moves to the start of the next one, so a
  // checkpoint taken there resumes with the next epoch's order.
  const advanceEpochIfDone = () => {
    if (state.positionInEpoch < perEpoch * batchSize) return;
    state.epoch += 1;
    state.positionInEpoch = 0;
    order = o.epochOrder(state.epoch);
  };
  while (state.step < o.totalSteps) {
    advanceEpochIfDone();
    const batchExamples = order.slice(state.positionInEpoch, state.positionInEpoch + batchSize).map((i) => o.examples[i]);
    const started = Date.now();
    if (o.method.beforeStep) await o.method.beforeStep(o.model, { step: state.step, epoch: state.epoch, totalSteps: o.totalSteps });
    const report = await trainStep(o, batchExamples, state);
    report.seconds = (Date.now() - started) / 1000;
    state.step += 1;
    state.positionInEpoch += batchSize;
    advanceEpochIfDone();
    await o.hooks.afterStep(report, state);
    // Let the event loop run (a macrotask, not just a microtask), so a signal or
    // an IPC stop message that arrived during the step is seen before the next one.
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (o.hooks.shouldStop() && state.step < o.totalSteps) return 'stopped';
  }
  return 'completed';
}

async function trainStep<M extends TrainableModel, B extends PreparedBatch>(o: LoopOptions<M, B>, examples: Example[], state: LoopState): Promise<StepReport> {
  const ctx: MethodContext = { step: state.step, epoch: state.epoch, totalSteps: o.totalSteps, config: o.ctxConfig };
  const lr = learningRateAt(state.step, o.totalSteps, o.train);
  const batch = o.method.prepareBatch(examples, state.epoch, ctx);   // masks and one-hots: outside the tape
  const varList = [...o.params.values()];
  const nameOf = new Map<string, string>();
  for (const [name, v] of o.params) nameOf.set(v.name, name);
  let kept: Record<string, tf.Scalar> = {};
  try {
    const { value, grads } = tf.variableGrads(() => {
      const out = o.method.loss(o.model, batch, ctx);
      kept = {};
      for (const [k, t] of Object.entries(out.terms)) kept[k] = tf.keep(t.clone());
      return out.loss;
    }, varList);
    const byName: Record<string, tf.Tensor> = {};
    for (const [vname, g] of Object.entries(grads)) byName[nameOf.get(vname) ?? vname] = g;
    const normT = Optimizer.globalNorm(byName);
    const termNames = Object.keys(kept);
    // One read-back per step: loss, every term, and the gradient norm. Awaited (readback.ts):
    // the clip scale and the NaN check below need them on the host before the update.
    let values: Float32Array;
    try {
      values = await readFloats(tf.tidy(() => tf.stack([value, normT, ...termNames.map((k) => kept[k])])));
    } catch (err) {
      for (const g of Object.values(grads)) g.dispose();
      throw err;
    } finally {
      value.dispose();
      normT.dispose();
    }
    let loss = values[0];
    if (o.hooks.overrideLoss) loss = o.hooks.overrideLoss(state.step + 1, loss);
    const gradNorm = values[1];
    const terms: Record<string, number> = {};
    termNames.forEach((k, i) => { terms[k] = values[2 + i]; });
    try {
      for (const [k, v] of Object.entries(terms)) if (!Number.isFinite(v)) throw new NonFiniteLossError(state.step + 1, k, v);
      if (!Number.isFinite(loss)) throw new NonFiniteLossError(state.step + 1, 'loss', loss);
      if (!Number.isFinite(gradNorm)) throw new NonFiniteLossError(state.step + 1, 'gradient norm', gradNorm);
      o.optimizer.apply(byName, lr, gradNorm);
    } finally {
      for (const g of Object.values(grads)) g.dispose();
    }
    return { step: state.step + 1, epoch: state.epoch, stage: o.method.stageOf(state.epoch, ctx), lr, loss, terms, gradNorm, examples: examples.length, seconds: 0 };
  } finally {
    for (const t of Object.values(kept)) t.dispose();
    batch.dispose();
  }
}
