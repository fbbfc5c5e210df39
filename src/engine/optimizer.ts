// AdamW / Adam / SGD written out by hand (not tf.train.*) so that the whole
// optimizer state — first and second moments and the step count — can be read
// into host arrays, saved in a checkpoint, and restored bit-exactly on resume.
//
//   adamw: m = β1 m + (1-β1) g;  v = β2 v + (1-β2) g²
//          p -= lr · ( m̂ / (√v̂ + ε) + wd · p )          (decoupled decay)
//   adam:  the same with g += wd · p (classic L2) and no decoupled term
//   sgd:   p -= lr · (g + wd · p)                          (no momentum; β ignored)
//
// Weight decay applies to matrices only (rank ≥ 2: linear weights, embeddings),
// never to biases, LayerNorm gains or position vectors, as in nanoGPT.
// Gradients are first scaled so their global L2 norm is at most `grad_clip`.
// With the native kernels installed, adam and adamw run one native kernel per
// variable (kernels/adam.ts; moments in host arrays) instead of ~14 tfjs ops.

import { tf } from './backend';
import type { TrainConfig } from '../core/experiment';
import { ADAM_KERNEL, createNativeAdam, isNativeKernelActive, type NativeAdam } from './kernels';
import { speedups } from './model/speedups';

const EPS = 1e-8;

export interface OptimizerSlotState { name: string; shape: number[]; m?: Float32Array; v?: Float32Array }
export interface OptimizerState { kind: TrainConfig['optimizer']['kind']; step: number; slots: OptimizerSlotState[] }

export class Optimizer {
  /** Updates applied so far (the t of Adam's bias correction). */
  step = 0;
  private readonly m = new Map<string, tf.Variable>();
  private readonly v = new Map<string, tf.Variable>();
  private readonly native: NativeAdam | null = null;

  constructor(
    private readonly cfg: TrainConfig['optimizer'],
    private readonly gradClip: number,
    private readonly params: Map<string, tf.Variable>,   // name → trainable variable
  ) {
    if (cfg.kind === 'sgd') return;
    if (speedups.nativeAdam && isNativeKernelActive(tf, ADAM_KERNEL)) {
      this.native = createNativeAdam(tf, { learningRate: cfg.lr, beta1: cfg.beta1, beta2: cfg.beta2, epsilon: EPS });
      return;
    }
    // tf.variable keeps its initial tensor alive unless that tensor dies with a tidy.
    tf.tidy(() => {
      for (const [name, p] of params) {
        this.m.set(name, tf.variable(tf.zerosLike(p), false, `opt/m/${name}`));
        this.v.set(name, tf.variable(tf.zerosLike(p), false, `opt/v/${name}`));
      }
    });
  }

  /** Global L2 norm over all gradients, a scalar tensor (the caller disposes it). */
  static globalNorm(grads: Record<string, tf.Tensor>): tf.Scalar {
    return tf.tidy(() => {
      const squares = Object.values(grads).map((g) => tf.sum(tf.square(g)));
      return tf.sqrt(squares.length ? tf.addN(squares) : tf.scalar(0)) as tf.Scalar;
    });
  }

  /**
   * One update with learning rate `lr`. `gradNorm` is `globalNorm(grads)`, computed
   * (and checked finite) by the caller. Gradients are not disposed here.
   */
  apply(grads: Record<string, tf.Tensor>, lr: number, gradNorm: number): void {
    this.step += 1;
    const { kind, beta1, beta2, weight_decay: wd } = this.cfg;
    const clipScale = this.gradClip > 0 && gradNorm > this.gradClip ? this.gradClip / (gradNorm + 1e-6) : 1;
    if (this.native) { this.applyNative(grads, lr, clipScale); return; }
    const bias1 = 1 - Math.pow(beta1, this.step);
    const bias2 = 1 - Math.pow(beta2, this.step);
    tf.tidy(() => {
      for (const [name, p] of this.params) {
        const raw = grads[name];
        if (!raw) continue;   // a variable the loss did not reach this step
        const decays = wd > 0 && p.shape.length >= 2;
        let g = clipScale === 1 ? raw : tf.mul(raw, clipScale);
        if (kind === 'sgd') {
          if (decays) g = tf.add(g, tf.mul(p, wd));
          p.assign(tf.sub(p, tf.mul(g, lr)));
          continue;
        }
        if (kind === 'adam' && decays) g = tf.add(g, tf.mul(p, wd));
        const m = this.m.get(name)!;
        const v = this.v.get(name)!;
        m.assign(tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1)));
        v.assign(tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2)));
        const mHat = tf.div(m, bias1);
        const vHat = tf.div(v, bias2);
        let update = tf.div(mHat, tf.add(tf.sqrt(vHat), EPS));
        if (kind === 'adamw' && decays) update = tf.add(update, tf.mul(p, wd));
        p.assign(tf.sub(p, tf.mul(update, lr)));
      }
    });
  }

  /** The same update through the native Adam kernel: decoupled decay (adamw) as a kernel argument, L2 (adam) added to g. */
  private applyNative(grads: Record<string, tf.Tensor>, lr: number, clipScale: number): void {
    const { kind, weight_decay: wd } = this.cfg;
    const decays = (name: string) => wd > 0 && this.params.get(name)!.shape.length >= 2;
    tf.tidy(() => {
      const scaled: Record<string, tf.Tensor> = {};
      const variables: Record<string, tf.Variable> = {};
      for (const [name, p] of this.params) {
        const raw = grads[name];
        if (!raw) continue;
        let g = clipScale === 1 ? raw : tf.mul(raw, clipScale);
        if (kind === 'adam' && decays(name)) g = tf.add(g, tf.mul(p, wd));
        scaled[name] = g;
        variables[name] = p;
      }
      this.native!.setLearningRate(lr);
      this.native!.applyGradients(scaled, variables, (name) => kind === 'adamw' && decays(name) ? wd : 0);
    });
  }

  /** Host copies of the moments (awaited: readback.ts), for a checkpoint. */
  async getState(): Promise<OptimizerState> {
    const slots: OptimizerSlotState[] = [];
    const nativeMoments = this.native?.getState().moments;
    for (const [name, p] of this.params) {
      const slot: OptimizerSlotState = { name, shape: p.shape.slice() };
      const m = this.m.get(name);
      const v = this.v.get(name);
      if (m && v) {
        slot.m = await m.data() as Float32Array;
        slot.v = await v.data() as Float32Array;
      } else if (nativeMoments) {   // a variable no step has reached yet has zero moments
        const mv = nativeMoments.get(name);
        slot.m = mv ? Float32Array.from(mv.m) : new Float32Array(p.size);
        slot.v = mv ? Float32Array.from(mv.v) : new Float32Array(p.size);
      }
      slots.push(slot);
    }
    return { kind: this.cfg.kind, step: this.step, slots };
  }

  /** Restores a saved state; every slot must match a parameter by name and shape. */
  setState(state: OptimizerState): void {
    if (state.kind !== this.cfg.kind) {
      throw new Error(`optimizer state is for '${state.kind}' but train.optimizer.kind is '${this.cfg.kind}'`);
    }
    this.step = state.step;
    if (this.cfg.kind === 'sgd') return;
    const byName = new Map(state.slots.map((s) => [s.name, s]));
    const nativeMoments = new Map<string, { m: Float32Array; v: Float32Array }>();
    for (const [name, p] of this.params) {
      const slot = byName.get(name);
      if (!slot || !slot.m || !slot.v) throw new Error(`optimizer state has no moments for parameter '${name}'`);
      if (slot.shape.join(',') !== p.shape.join(',')) {
        throw new Error(`optimizer state for '${name}' has shape [${slot.shape}] but the parameter is [${p.shape}]`);
      }
      if (this.native) { nativeMoments.set(name, { m: slot.m, v: slot.v }); continue; }
      tf.tidy(() => {
        this.m.get(name)!.assign(tf.tensor(slot.m!, p.shape, 'float32'));
        this.v.get(name)!.assign(tf.tensor(slot.v!, p.shape, 'float32'));
      });
    }
    this.native?.setState({ step: state.step, moments: nativeMoments });
  }

  dispose(): void {
    this.native?.dispose();
    for (const t of this.m.values()) t.dispose();
    for (const t of this.v.values()) t.dispose();
    this.m.clear();
    this.v.clear();
  }
}
