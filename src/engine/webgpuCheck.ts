// The WebGPU kernel check: a fixed set of the ops the model uses (matmul, softmax,
// tanh and its gradient, a 20-way AddN past WebGPU's 8 storage buffers), computed on
// the current backend; compareKernelOutputs holds two backends' results side by side.
// Used by test/unit/webgpu.test.ts and `latent-lab backend --backend webgpu --check`.
import type * as tfType from '@tensorflow/tfjs';

export async function kernelCheckOutputs(tf: typeof tfType): Promise<Float32Array[]> {
  const a = Float32Array.from({ length: 24 * 40 }, (_, i) => Math.sin(i) * 0.5);
  const b = Float32Array.from({ length: 40 * 16 }, (_, i) => Math.cos(i * 0.7) * 0.5);
  const x = tf.tensor2d(a, [24, 40]);   // [24, 40]
  const y = tf.tensor2d(b, [40, 16]);   // [40, 16]
  const outs = tf.tidy(() => {
    const f = (t: tfType.Tensor) => tf.sum(tf.tanh(tf.matMul(t as tfType.Tensor2D, y)));
    const terms = Array.from({ length: 20 }, (_, k) => tf.mul(x, k + 1));
    return [tf.softmax(tf.matMul(x, y)), tf.grad(f)(x), tf.addN(terms)];
  });
  const res: Float32Array[] = [];
  for (const t of outs) res.push(Float32Array.from(await t.data()));
  tf.dispose([x, y, ...outs]);
  return res;
}

/** Largest |p − q| / (1 + |q|) over every output; the outputs' names for messages. */
export function compareKernelOutputs(p: Float32Array[], q: Float32Array[]): { worst: number; where: string } {
  const names = ['softmax(x·y)', 'd/dx Σ tanh(x·y)', 'addN of 20'];
  let worst = 0;
  let where = '';
  p.forEach((vals, k) => vals.forEach((v, i) => {
    const d = Math.abs(v - q[k][i]) / (1 + Math.abs(q[k][i]));
    if (!(d <= worst)) { worst = d; where = `${names[k]}[${i}]: ${v} vs ${q[k][i]}`; }
  }));
  return { worst, where };
}

/** Float32 results of the same ops on two backends differ by summation order only: ~1e-7 relative. */
export const KERNEL_TOLERANCE = 1e-5;

// Tolerances of the training exactness check (gpuExactness.ts; scripts/gpu-compare.js
// repeats TRAIN_LOSS_TOLERANCE and a test keeps the two equal). Measured: see docs/gpu.md.
/** |loss_webgpu − loss_wasm| at any step of bench/gpu/exact.experiment.yaml (losses ≈ 3–4). */
export const TRAIN_LOSS_TOLERANCE = 1e-4;
/** |Δ answer→latent attention| of the final evaluation (a mean of probabilities). */
export const EVAL_ATTENTION_TOLERANCE = 1e-5;
/** |Δ logit| of greedy decoding from the same checkpoint on both backends. */
export const GENERATION_LOGIT_TOLERANCE = 1e-4;
