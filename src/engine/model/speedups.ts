// The engine's fast paths, each of which must give the same numbers (to float
// tolerance) as the plain path it replaces. All are on; tests and bench/ turn
// one off at a time to prove that and to measure what it buys
// (docs/performance.md, "The engine's own step").
//
//   fusedKernels      LayerNorm and GELU through src/engine/kernels' fused ops
//                     (one native kernel each way; plain tfjs ops when native is off)
//   lazyMatMulGrad    linear layers use tf.matMul and its own gradient: each input's
//                     gradient is computed only when the tape needs it (no weight
//                     gradient for a frozen matrix) and transposes ride as sgemm flags
//   imageTokenCache   a frozen vision encoder + projector runs once per distinct image
//                     (model/imageTokenCache.ts)
//   nativeAdam        Adam/AdamW updates in one native kernel per variable
//   kvCache           greedy generation reuses keys and values (model/generate.ts)
//   fusedAttention    attention's scale + mask + softmax with the q·kᵀ product, and probs·v,
//                     one native kernel each way (model/attention.ts, kernels/attention.ts)
//   flashAttention    when nobody reads the attention probabilities (no capture, no CrystaL
//                     alignment), q·kᵀ, softmax and ·v in one native kernel each way that never
//                     writes them: the backward recomputes each head's from its rows' max and sum
//   fusedCrossEntropy the answer CE in one native kernel each way, only rows with a weight
//   fusedLora         a LoRA linear x·W + b + s·(x·A)·B in one native kernel each way, no dW
//                     (model/linear.ts, kernels/lora.ts; native only: the plain path is the old code)
//   gatherEmbedding  token, latent and position embeddings as a native gather of table rows (a
//                     scatter-add backward) instead of one-hot [B·T, V] products (model/decoder.ts)
//   maskCache         an example's T×T attention mask block is built once per (rule, segment
//                     layout) and copied after that (model/masks.ts): the same bits, no rule calls
export const speedups = {
  fusedKernels: true,
  lazyMatMulGrad: true,
  imageTokenCache: true,
  nativeAdam: true,
  kvCache: true,
  fusedAttention: true,
  flashAttention: true,
  fusedCrossEntropy: true,
  fusedLora: true,
  maskCache: true,
  gatherEmbedding: true,
};

export type Speedup = keyof typeof speedups;

/** Runs f with one fast path set to `on`, then restores it (tests and benches). */
export function withSpeedup<R>(name: Speedup, on: boolean, f: () => R): R {
  const before = speedups[name];
  speedups[name] = on;
  try { return f(); } finally { speedups[name] = before; }
}
