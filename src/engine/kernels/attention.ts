// Attention's core and the answer cross-entropy as fused native kernels, each
// one call per direction (native/src/attention.cc, crossEntropy.cc):
//   attentionProbs(q, k, mask, heads)  = softmax(q_h·k_hᵀ/√dh + mask)   scale + mask + softmax with the product
//   attentionContext(probs, v)         = merge_h(probs_h·v_h)            no split / merge transposes
//   attend(q, k, v, mask, heads)       = attentionContext(attentionProbs(q, k, mask, heads), v), one kernel
//                                        each way that never writes the probabilities (the backward
//                                        recomputes them per head from each row's max and 1/sum)
//   weightedCrossEntropy(x, t, w)      = −Σ w·Σ_v t·log softmax(x) / max(Σ w, 1), only rows with w ≠ 0 computed
// The ops run the native kernel when installNativeKernels() registered it for the
// current backend, else the same math in plain tfjs ops (the model's old code).
import type { GradFunc, KernelFunc, Tensor, TensorInfo } from '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs';
import type { NativeAddon } from './native_addon';
import { heapView, scratchTensor, type TF, type WasmBackendInternals } from './wasm_heap';

export const ATTN_PROBS_KERNEL = 'LatentLabAttnProbs';
export const ATTN_PROBS_GRAD_KERNEL = 'LatentLabAttnProbsGrad';
export const ATTN_CONTEXT_KERNEL = 'LatentLabAttnContext';
export const ATTN_CONTEXT_GRAD_KERNEL = 'LatentLabAttnContextGrad';
export const ATTEND_KERNEL = 'LatentLabAttend';                  // with a mask input
export const ATTEND_UNMASKED_KERNEL = 'LatentLabAttendUnmasked';  // the same kernel without (tfjs saves inputs by name)
export const ATTEND_GRAD_KERNEL = 'LatentLabAttendGrad';
export const CROSS_ENTROPY_KERNEL = 'LatentLabCrossEntropy';
export const CROSS_ENTROPY_GRAD_KERNEL = 'LatentLabCrossEntropyGrad';

type Be = WasmBackendInternals;
/** [B, h, Tq, Tk, dh] of probs [B, h, Tq, Tk] against k or v [B, Tk, d]. */
const dims = (probs: TensorInfo, kv: TensorInfo) => {
  const [B, h, Tq, Tk] = probs.shape;
  return [B, h, Tq, Tk, kv.shape[2] / h] as const;
};

// ------------------------------------------------------------------ kernels
export function attnProbsKernel(addon: NativeAddon): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { q, k, mask } = inputs as { q: TensorInfo; k: TensorInfo; mask?: TensorInfo };
    const be = backend as Be;
    const h = attrs?.heads as number;
    const [B, Tq, d] = q.shape, Tk = k.shape[1];
    const probs = be.makeOutput([B, h, Tq, Tk], 'float32');                    // [B, h, Tq, Tk]
    addon.attnProbs(heapView(be, q), heapView(be, k), mask ? heapView(be, mask) : null, heapView(be, probs),
      B, h, Tq, Tk, d / h, attrs?.scale as number, mask !== undefined && mask.shape[0] !== 1);
    return probs;
  };
}

export function attnProbsGradKernel(addon: NativeAddon): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { dprobs, probs, q, k } = inputs as Record<string, TensorInfo>;
    const be = backend as Be;
    const dq = be.makeOutput(q.shape, 'float32'), dk = be.makeOutput(k.shape, 'float32');
    addon.attnProbsGrad(heapView(be, dprobs), heapView(be, probs), heapView(be, q), heapView(be, k), heapView(be, dq), heapView(be, dk),
      ...dims(probs, k), attrs?.scale as number);
    return [dq, dk];
  };
}

export function attnContextKernel(addon: NativeAddon): KernelFunc {
  return ({ inputs, backend }) => {
    const { probs, v } = inputs as Record<string, TensorInfo>;
    const be = backend as Be;
    const ctx = be.makeOutput([probs.shape[0], probs.shape[2], v.shape[2]], 'float32'); // [B, Tq, d]
    addon.attnContext(heapView(be, probs), heapView(be, v), heapView(be, ctx), ...dims(probs, v));
    return ctx;
  };
}

export function attnContextGradKernel(addon: NativeAddon): KernelFunc {
  return ({ inputs, backend }) => {
    const { dctx, probs, v } = inputs as Record<string, TensorInfo>;
    const be = backend as Be;
    const dprobs = be.makeOutput(probs.shape, 'float32'), dv = be.makeOutput(v.shape, 'float32');
    addon.attnContextGrad(heapView(be, dctx), heapView(be, probs), heapView(be, v), heapView(be, dprobs), heapView(be, dv), ...dims(probs, v));
    return [dprobs, dv];
  };
}

/** q [B, Tq, d], k, v [B, Tk, d], mask?, and the scratch stats [B, h, Tq, 2] it fills (row max, 1/sum: the backward's) → ctx [B, Tq, d]. */
export function attendKernel(addon: NativeAddon): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { q, k, v, mask, stats } = inputs as { q: TensorInfo; k: TensorInfo; v: TensorInfo; mask?: TensorInfo; stats: TensorInfo };
    const be = backend as Be;
    const h = attrs?.heads as number;
    const [B, Tq, d] = q.shape, Tk = k.shape[1];
    const ctx = be.makeOutput([B, Tq, d], 'float32');
    addon.attend(heapView(be, q), heapView(be, k), heapView(be, v), mask ? heapView(be, mask) : null, heapView(be, ctx), heapView(be, stats),
      B, h, Tq, Tk, d / h, attrs?.scale as number, mask !== undefined && mask.shape[0] !== 1);
    return ctx;
  };
}

export function attendGradKernel(addon: NativeAddon): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { dctx, q, k, v, mask, stats } = inputs as { dctx: TensorInfo; q: TensorInfo; k: TensorInfo; v: TensorInfo; mask?: TensorInfo; stats: TensorInfo };
    const be = backend as Be;
    const h = attrs?.heads as number;
    const [B, Tq, d] = q.shape, Tk = k.shape[1];
    const dq = be.makeOutput(q.shape, 'float32'), dk = be.makeOutput(k.shape, 'float32'), dv = be.makeOutput(v.shape, 'float32');
    addon.attendGrad(heapView(be, dctx), heapView(be, q), heapView(be, k), heapView(be, v), mask ? heapView(be, mask) : null, heapView(be, stats),
      heapView(be, dq), heapView(be, dk), heapView(be, dv), B, h, Tq, Tk, d / h, attrs?.scale as number, mask !== undefined && mask.shape[0] !== 1);
    return [dq, dk, dv];
  };
}

export function crossEntropyKernel(addon: NativeAddon): KernelFunc {
  return ({ inputs, backend }) => {
    const { logits, targets, weights } = inputs as Record<string, TensorInfo>;
    const be = backend as Be;
    const [N, V] = logits.shape;
    const out = be.makeOutput([], 'float32');
    heapView(be, out)[0] = addon.crossEntropy(heapView(be, logits), heapView(be, targets), heapView(be, weights), N, V);
    return out;
  };
}

export function crossEntropyGradKernel(addon: NativeAddon): KernelFunc {
  return ({ inputs, backend }) => {
    const { dy, logits, targets, weights } = inputs as Record<string, TensorInfo>;
    const be = backend as Be;
    const [N, V] = logits.shape;
    const dx = be.makeOutput(logits.shape, 'float32');                           // [N, V]
    addon.crossEntropyGrad(heapView(be, dy)[0], heapView(be, logits), heapView(be, targets), heapView(be, weights), heapView(be, dx), N, V);
    return dx;
  };
}

// ------------------------------------------------------------------ gradients
// No gradient for mask, targets or weights: they are constants built outside the
// tape (tfjs throws "Cannot backprop through input mask" if one ever is not).
const attnProbsGrad: GradFunc = (dy, saved, attrs) => {
  const [q, k, probs] = saved;
  const [dq, dk] = tf.engine().runKernel(ATTN_PROBS_GRAD_KERNEL, { dprobs: dy as Tensor, probs, q, k }, attrs) as Tensor[];
  return { q: () => dq, k: () => dk };
};
const attnContextGrad: GradFunc = (dy, saved) => {
  const [probs, v] = saved;
  const [dprobs, dv] = tf.engine().runKernel(ATTN_CONTEXT_GRAD_KERNEL, { dctx: dy as Tensor, probs, v }) as Tensor[];
  return { probs: () => dprobs, v: () => dv };
};
// Saved: q, k, v (and the mask when there is one), then the stats the forward filled.
const attendGrad: GradFunc = (dctx, saved, attrs) => {
  const [q, k, v] = saved, mask = saved.length === 5 ? saved[3] : undefined, stats = saved[saved.length - 1];
  const inputs: Record<string, Tensor> = { dctx: dctx as Tensor, q, k, v, stats };
  if (mask) inputs.mask = mask;
  const [dq, dk, dv] = tf.engine().runKernel(ATTEND_GRAD_KERNEL, inputs, attrs) as Tensor[];
  return { q: () => dq, k: () => dk, v: () => dv };
};
const crossEntropyGrad: GradFunc = (dy, saved) => {
  const [logits, targets, weights] = saved;
  return { logits: () => tf.engine().runKernel(CROSS_ENTROPY_GRAD_KERNEL, { dy: dy as Tensor, logits, targets, weights }) as Tensor };
};

export function registerAttentionGradients(tfm: TF): void {
  if (!tfm.getGradient(ATTN_PROBS_KERNEL)) {
    tfm.registerGradient({ kernelName: ATTN_PROBS_KERNEL, inputsToSave: ['q', 'k'], outputsToSave: [true], gradFunc: attnProbsGrad });
  }
  if (!tfm.getGradient(ATTN_CONTEXT_KERNEL)) tfm.registerGradient({ kernelName: ATTN_CONTEXT_KERNEL, inputsToSave: ['probs', 'v'], gradFunc: attnContextGrad });
  if (!tfm.getGradient(ATTEND_KERNEL)) tfm.registerGradient({ kernelName: ATTEND_KERNEL, inputsToSave: ['q', 'k', 'v', 'mask', 'stats'], gradFunc: attendGrad });
  if (!tfm.getGradient(ATTEND_UNMASKED_KERNEL)) {
    tfm.registerGradient({ kernelName: ATTEND_UNMASKED_KERNEL, inputsToSave: ['q', 'k', 'v', 'stats'], gradFunc: attendGrad });
  }
  if (!tfm.getGradient(CROSS_ENTROPY_KERNEL)) {
    tfm.registerGradient({ kernelName: CROSS_ENTROPY_KERNEL, inputsToSave: ['logits', 'targets', 'weights'], gradFunc: crossEntropyGrad });
  }
}

// ------------------------------------------------------------------ ops
function native(kernelName: string, ...xs: Tensor[]): boolean {
  return xs.every((x) => x.dtype === 'float32' && x.size > 0) && tf.getKernel(kernelName, tf.getBackend()) !== undefined;
}

/** x [B, T, d] → [B, h, T, dh] (perm [0, 2, 1, 3]) or, with kT, [B, h, dh, T]. */
function splitHeads(x: Tensor, heads: number, kT = false): tf.Tensor4D {
  const [B, T, d] = x.shape;
  return tf.transpose(tf.reshape(x, [B, T, heads, d / heads]), kT ? [0, 2, 3, 1] : [0, 2, 1, 3]);
}

/**
 * q [B, Tq, d], k [B, Tk, d], mask additive [B | 1, 1, Tq, Tk] or null → probs [B, h, Tq, Tk]
 * = softmax(q_h·k_hᵀ/√dh + mask) per head h (columns h·dh .. h·dh + dh − 1 of d).
 */
export function attentionProbs(q: Tensor, k: Tensor, mask: Tensor | null, heads: number): tf.Tensor4D {
  const [B, Tq, d] = q.shape, Tk = k.shape[1];
  const scale = 1 / Math.sqrt(d / heads);
  const maskFits = !mask || (mask.rank === 4 && (mask.shape[0] === B || mask.shape[0] === 1) && mask.shape[1] === 1 && mask.shape[2] === Tq && mask.shape[3] === Tk);
  if (maskFits && native(ATTN_PROBS_KERNEL, q, k, ...(mask ? [mask] : []))) {
    return tf.engine().runKernel(ATTN_PROBS_KERNEL, mask ? { q, k, mask } : { q, k }, { heads, scale }) as tf.Tensor4D;
  }
  return tf.tidy(() => {
    let scores = tf.mul(tf.matMul(splitHeads(q, heads), splitHeads(k, heads, true)), scale); // [B, h, Tq, Tk]
    if (mask) scores = tf.add(scores, mask);                                                   // broadcasts over heads
    return tf.softmax(scores) as tf.Tensor4D;
  });
}

/** probs [B, h, Tq, Tk], v [B, Tk, d] → ctx [B, Tq, d]: head h's probs_h·v_h in columns h·dh .. h·dh + dh − 1. */
export function attentionContext(probs: tf.Tensor4D, v: Tensor): tf.Tensor3D {
  if (native(ATTN_CONTEXT_KERNEL, probs, v)) return tf.engine().runKernel(ATTN_CONTEXT_KERNEL, { probs, v }) as tf.Tensor3D;
  const [B, h, Tq] = probs.shape;
  return tf.tidy(() => tf.reshape(tf.transpose(tf.matMul(probs, splitHeads(v, h)), [0, 2, 1, 3]), [B, Tq, v.shape[2] as number]) as tf.Tensor3D);
}

/**
 * q [B, Tq, d], k, v [B, Tk, d], mask [B | 1, 1, Tq, Tk] or null → ctx [B, Tq, d]: the same as
 * attentionContext(attentionProbs(q, k, mask, heads), v), for callers that do not read the probabilities.
 */
export function attend(q: Tensor, k: Tensor, v: Tensor, mask: Tensor | null, heads: number): tf.Tensor3D {
  const [B, Tq, d] = q.shape, Tk = k.shape[1];
  const maskFits = !mask || (mask.rank === 4 && (mask.shape[0] === B || mask.shape[0] === 1) && mask.shape[1] === 1 && mask.shape[2] === Tq && mask.shape[3] === Tk);
  if (maskFits && native(ATTEND_KERNEL, q, k, v, ...(mask ? [mask] : []))) {
    const attrs = { heads, scale: 1 / Math.sqrt(d / heads) };
    const stats = scratchTensor([B, heads, Tq, 2]);   // filled by the kernel, read by its backward
    const ctx = (mask ? tf.engine().runKernel(ATTEND_KERNEL, { q, k, v, mask, stats }, attrs)
      : tf.engine().runKernel(ATTEND_UNMASKED_KERNEL, { q, k, v, stats }, attrs)) as tf.Tensor3D;
    stats.dispose();   // the tape keeps its own reference for the gradient
    return ctx;
  }
  return tf.tidy(() => attentionContext(attentionProbs(q, k, mask, heads), v));
}

/** Whether attend runs its native kernel on the current backend. */
export function attendIsNative(): boolean {
  return tf.getKernel(ATTEND_KERNEL, tf.getBackend()) !== undefined;
}

/** logits [N, V], targets [N, V] (one-hot), weights [N, 1] → −Σ w·Σ_v t·log softmax(logits) / max(Σ w, 1). */
export function weightedCrossEntropy(logits: tf.Tensor2D, targets: tf.Tensor2D, weights: tf.Tensor2D): tf.Scalar {
  if (native(CROSS_ENTROPY_KERNEL, logits, targets, weights)) {
    return tf.engine().runKernel(CROSS_ENTROPY_KERNEL, { logits, targets, weights }) as tf.Scalar;
  }
  return tf.tidy(() => {
    const picked = tf.sum(tf.mul(tf.logSoftmax(logits), targets), 1, true);  // [N, 1]
    const total = tf.sum(tf.mul(picked, weights));
    return tf.neg(tf.div(total, tf.maximum(tf.sum(weights), 1))) as tf.Scalar;
  });
}
