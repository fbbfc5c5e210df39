// Adam / AdamW as one native kernel per variable instead of ~14 tfjs kernels.
// The moments m and v live in Float32Arrays outside tfjs (exposed by
// getState/setState for checkpoints). Same update as tf.train.adam, with
// decoupled weight decay as torch.optim.AdamW:
//   m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2
//   x = x (1 - lr wd) - lr (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps)
import type { KernelFunc, NamedTensorMap, Tensor, TensorInfo, Variable } from '@tensorflow/tfjs';
import type { NativeAddon } from './native_addon';
import { heapView, type TF, type WasmBackendInternals } from './wasm_heap';

export const ADAM_KERNEL = 'LatentLabAdamUpdate';

export interface AdamOptions { learningRate: number; beta1?: number; beta2?: number; epsilon?: number; weightDecay?: number }
export interface AdamMoments { m: Float32Array; v: Float32Array }

export interface NativeAdam {
  /**
   * One step over every gradient; variables found by name (tf.variableGrads keys) or given.
   * weightDecayOf: per-variable decoupled decay (default: the options' weightDecay for all).
   */
  applyGradients(grads: NamedTensorMap, variables?: Record<string, Variable>, weightDecayOf?: (name: string) => number): void;
  setLearningRate(lr: number): void;
  getState(): { step: number; moments: Map<string, AdamMoments> };
  setState(state: { step: number; moments: Map<string, AdamMoments> }): void;
  dispose(): void;
}

// The kernel reads m and v from this table; attrs carry only numbers.
const momentsById = new Map<number, AdamMoments>();
let nextId = 1;

export function adamKernel(addon: NativeAddon): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { x, g } = inputs as { x: TensorInfo; g: TensorInfo };
    const be = backend as WasmBackendInternals;
    const a = attrs as Record<string, number>;
    const moments = momentsById.get(a.momentsId);
    if (!moments) throw new Error('LatentLabAdamUpdate: unknown moments id (optimizer disposed?)');
    const out = be.makeOutput(x.shape, 'float32');
    addon.adam(heapView(be, x), heapView(be, g), moments.m, moments.v, heapView(be, out), a.lr, a.beta1, a.beta2, a.epsilon,
      a.invBc1, a.invBc2, a.weightDecay);
    return out;
  };
}

/** Needs installNativeKernels() to have registered the kernel (check report.native includes 'Adam'). */
export function createNativeAdam(tf: TF, opts: AdamOptions): NativeAdam {
  if (!tf.getKernel(ADAM_KERNEL, tf.getBackend())) {
    throw new Error(`createNativeAdam: kernel ${ADAM_KERNEL} is not registered on backend "${tf.getBackend()}"; call installNativeKernels first and use tf.train.adam when it reports Adam as stock`);
  }
  let lr = opts.learningRate;
  const beta1 = opts.beta1 ?? 0.9, beta2 = opts.beta2 ?? 0.999;
  const epsilon = opts.epsilon ?? tf.backend().epsilon();
  const weightDecay = opts.weightDecay ?? 0;
  const ids = new Map<string, number>(); // variable name -> moments id
  let step = 0;

  const momentsFor = (name: string, size: number): number => {
    let id = ids.get(name);
    if (id === undefined) {
      id = nextId++;
      ids.set(name, id);
      momentsById.set(id, { m: new Float32Array(size), v: new Float32Array(size) });
    }
    return id;
  };

  return {
    applyGradients(grads, variables, weightDecayOf) {
      step++;
      // Bias corrections in float64 (tf.train.adam accumulates beta^t in float32: differences ~1e-7).
      const invBc1 = 1 / (1 - Math.pow(beta1, step)), invBc2 = 1 / (1 - Math.pow(beta2, step));
      tf.tidy(() => {
        for (const [name, g] of Object.entries(grads)) {
          if (g == null) continue;
          const x = variables?.[name] ?? (tf.engine().registeredVariables[name] as Variable | undefined);
          if (!x) throw new Error(`createNativeAdam: no variable named "${name}" for this gradient`);
          const momentsId = momentsFor(name, x.size);
          const wd = weightDecayOf ? weightDecayOf(name) : weightDecay;
          const next = tf.engine().runKernel(ADAM_KERNEL, { x, g }, { momentsId, lr, beta1, beta2, epsilon, invBc1, invBc2, weightDecay: wd }) as Tensor;
          x.assign(next);
        }
      });
    },
    setLearningRate(value) { lr = value; },
    getState() {
      const moments = new Map<string, AdamMoments>();
      for (const [name, id] of ids) moments.set(name, momentsById.get(id) as AdamMoments);
      return { step, moments };
    },
    setState(state) {
      step = state.step;
      for (const [name, mv] of state.moments) {
        const id = momentsFor(name, mv.m.length);
        momentsById.set(id, { m: Float32Array.from(mv.m), v: Float32Array.from(mv.v) });
      }
    },
    dispose() {
      for (const id of ids.values()) momentsById.delete(id);
      ids.clear();
    },
  };
}
