// What a training method is: "a loss over one batch", plus the few decisions
// that belong to the method (sequence layout, attention mask per epoch, which
// variables train, how many epochs). The train loop knows nothing else about it.

import { tf } from '../backend';
import type { ExperimentConfig } from '../../core/experiment';
import type { Example } from '../data/example';

/** The part of the model a method and the train loop use (TinyVlm satisfies it). */
export interface TrainableModel {
  variables: Map<string, tf.Variable>;
  dispose(): void;
}

/** A batch ready for the tape: host-side encoding done, tensors (ids, masks, one-hots) built. */
export interface PreparedBatch {
  size: number;                 // examples
  dispose(): void;              // frees the batch's tensors
}

/** Where the run is: what a staged method (livr, valr) picks its stage from. */
export interface TrainingProgress {
  step: number;                 // 0-based index of this step
  epoch: number;                // 0-based
  totalSteps: number;           // steps the whole run trains (train.max_steps already applied)
}

export interface MethodContext extends TrainingProgress {
  config: ExperimentConfig;
}

export interface MethodLoss {
  loss: tf.Scalar;                          // what is differentiated
  terms: Record<string, tf.Scalar>;         // named parts, logged (e.g. { ce })
}

export interface TrainingMethod<M extends TrainableModel = TrainableModel, B extends PreparedBatch = PreparedBatch> {
  readonly name: string;
  /** Epochs the run trains for (livr: stage1 + stage2, overriding train.epochs). */
  readonly totalEpochs: number;
  /** Human label of the training stage of a step, logged with every step.
   *  Without `progress` (tests, benches) a staged method falls back to the epoch alone. */
  stageOf(epoch: number, progress?: TrainingProgress): string;
  /** Name → variable of what the optimizer updates. */
  trainableVariables(model: M): Map<string, tf.Variable>;
  /** Encodes examples and builds the batch tensors for `epoch` (at `progress`), outside the gradient tape. */
  prepareBatch(examples: Example[], epoch: number, progress?: TrainingProgress): B;
  /**
   * Host work before a step's batch that needs a value read back from the model (awaited:
   * readback.ts), e.g. VaLR's one-time REPA snapshot. Optional; runs before prepareBatch.
   */
  beforeStep?(model: M, progress: TrainingProgress): Promise<void>;
  /** The loss over one batch; runs inside the tape, so it must not read values back. */
  loss(model: M, batch: B, ctx: MethodContext): MethodLoss;
}
