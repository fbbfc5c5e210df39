// installNativeKernels: registers the latent-lab-native kernels on the tfjs
// wasm backend and reports which kernels are native and why any are not.
// Fallback chain: addon absent / mode 'off' / other backend / tfjs internals
// changed -> stock tfjs kernels; no BLAS found (or LATENT_LAB_BLAS=builtin)
// -> built-in sgemm; no AVX2 -> generic SIMD code. See docs/performance.md.
import { adamKernel, ADAM_KERNEL } from './adam';
import {
  ATTEND_GRAD_KERNEL, ATTEND_KERNEL, ATTEND_UNMASKED_KERNEL, attendGradKernel, attendKernel, ATTN_CONTEXT_GRAD_KERNEL, ATTN_CONTEXT_KERNEL, ATTN_PROBS_GRAD_KERNEL, ATTN_PROBS_KERNEL, attnContextGradKernel, attnContextKernel,
  attnProbsGradKernel, attnProbsKernel, CROSS_ENTROPY_GRAD_KERNEL, CROSS_ENTROPY_KERNEL, crossEntropyGradKernel, crossEntropyKernel,
  registerAttentionGradients,
} from './attention';
import { makeCast, makeIdentity, makeSlice, makeSum, makeUnary } from './elementwise';
import { EMBED_ROWS_GRAD_KERNEL, EMBED_ROWS_KERNEL, embedRowsGradKernel, embedRowsKernel, registerEmbeddingGradient } from './embedding';
import {
  GELU_TANH_GRAD_KERNEL, GELU_TANH_KERNEL, geluTanhGradKernel, geluTanhKernel, LAYER_NORM_GRAD_KERNEL, LAYER_NORM_KERNEL,
  layerNormGradKernel, layerNormKernel, registerFusedGradients,
} from './fused';
import { LORA_LINEAR_GELU_KERNEL, LORA_LINEAR_GRAD_KERNEL, LORA_LINEAR_KERNEL, loraLinearGradKernel, loraLinearKernel, registerLoraGradient } from './lora';
import { makeBatchMatMul } from './matmul';
import { loadNativeAddon } from './native_addon';
import { registerNewWasmKernel, replaceWasmKernel, restoreStockKernels } from './registry';
import { chooseThreads } from './threads';
import { backendInternalsProblem, type TF } from './wasm_heap';

export { fusedGeluTanh, fusedLayerNorm, geluTanhOps } from './fused';
export { attend, attendIsNative, attentionContext, attentionProbs, weightedCrossEntropy } from './attention';
export { loraLinear, loraLinearIsNative } from './lora';
export { embedRows, embedRowsIsNative, oneHotRows } from './embedding';
export { ADAM_KERNEL, createNativeAdam, type NativeAdam, type AdamOptions } from './adam';
export { activeNativeKernels, isNativeKernelActive } from './registry';
export { TFJS_VERSION_PINNED, backendInternalsProblem } from './wasm_heap';

export type NativeKernelsMode = 'auto' | 'on' | 'off';
export const NATIVE_KERNEL_NAMES = ['BatchMatMul', 'Identity', 'Cast', 'Exp', 'Erf', 'Sum', 'Slice', 'LayerNorm', 'GeluTanh', 'Adam', 'Attention', 'CrossEntropy', 'LoraLinear', 'EmbedRows'] as const;
export type NativeKernelName = (typeof NATIVE_KERNEL_NAMES)[number];

export interface NativeKernelReport {
  mode: NativeKernelsMode;
  native: NativeKernelName[];                       // kernels now running natively
  stock: Partial<Record<NativeKernelName, string>>; // kernel -> why it is stock
  gemm: string | null;       // 'openblas <path>' | 'builtin' | null (matmul stock)
  gemmReason: string | null; // e.g. 'dlopen …' or 'no CBLAS found …' or 'LATENT_LAB_BLAS=builtin'
  simd: string | null;       // 'avx512' | 'avx2' | 'generic'
  threads: number;
  threadsReason: string;
  summary: string;           // one line for the run log
}

const NATIVE_ONLY_KERNELS = [
  LAYER_NORM_KERNEL, LAYER_NORM_GRAD_KERNEL, GELU_TANH_KERNEL, GELU_TANH_GRAD_KERNEL, ADAM_KERNEL, ATTN_PROBS_KERNEL, ATTN_PROBS_GRAD_KERNEL,
  ATTN_CONTEXT_KERNEL, ATTN_CONTEXT_GRAD_KERNEL, ATTEND_KERNEL, ATTEND_UNMASKED_KERNEL, ATTEND_GRAD_KERNEL, CROSS_ENTROPY_KERNEL, CROSS_ENTROPY_GRAD_KERNEL, LORA_LINEAR_KERNEL, LORA_LINEAR_GELU_KERNEL, LORA_LINEAR_GRAD_KERNEL,
  EMBED_ROWS_KERNEL, EMBED_ROWS_GRAD_KERNEL,
];

function stockReport(mode: NativeKernelsMode, reason: string, threads = 1, threadsReason = 'native kernels off'): NativeKernelReport {
  const stock: Partial<Record<NativeKernelName, string>> = {};
  for (const k of NATIVE_KERNEL_NAMES) stock[k] = reason;
  return { mode, native: [], stock, gemm: null, gemmReason: null, simd: null, threads, threadsReason, summary: `native kernels: none (${reason})` };
}

/**
 * Call after `await tf.setBackend(...)` and `await tf.ready()`.
 * mode 'off': stock kernels. 'auto': native when possible. 'on': native or throw.
 * threads: 0 = adapt to the cores free now, n = split over n threads.
 */
export function installNativeKernels(tf: TF, opts: { mode: NativeKernelsMode; threads: number }): NativeKernelReport {
  const { mode } = opts;
  const fail = (reason: string): NativeKernelReport => {
    if (mode === 'on') {
      throw new Error(`runtime.native_kernels is 'on' but native kernels cannot be used: ${reason}. ` +
        `Build them with \`(cd native && node build.js)\`, or set runtime.native_kernels: auto to fall back to stock tfjs kernels.`);
    }
    return stockReport(mode, reason);
  };
  restoreStockKernels(tf, NATIVE_ONLY_KERNELS); // idempotent: never wrap a wrapped kernel
  if (mode === 'off') return stockReport(mode, 'runtime.native_kernels: off');
  if ((process.env.LATENT_LAB_NATIVE ?? '').toLowerCase() === 'off') return stockReport(mode, 'env LATENT_LAB_NATIVE=off');
  if (tf.getBackend() !== 'wasm') return fail(`backend is "${tf.getBackend()}"; native kernels run on the wasm backend only`);
  const problem = backendInternalsProblem(tf, tf.backend());
  if (problem) return fail(problem);
  const { addon, reason, blasReason } = loadNativeAddon();
  if (!addon) return fail(reason ?? 'addon absent');

  const { threads, reason: threadsReason } = chooseThreads(opts.threads);
  addon.setThreads(threads);
  const installed: NativeKernelName[] = [];
  const stock: Partial<Record<NativeKernelName, string>> = {};
  const replace = (name: NativeKernelName, kernelName: string, make: Parameters<typeof replaceWasmKernel>[2]) => {
    if (replaceWasmKernel(tf, kernelName, make)) installed.push(name);
    else stock[name] = `no stock wasm kernel ${kernelName} to replace`;
  };
  replace('BatchMatMul', 'BatchMatMul', (s) => makeBatchMatMul(tf, addon, s));
  replace('Identity', 'Identity', (s) => makeIdentity(s));
  replace('Cast', 'Cast', (s) => makeCast(s));
  replace('Exp', 'Exp', (s) => makeUnary(addon, 0, s));
  replace('Erf', 'Erf', (s) => makeUnary(addon, 1, s));
  replace('Sum', 'Sum', (s) => makeSum(tf, addon, s));
  replace('Slice', 'Slice', (s) => makeSlice(tf, s));
  registerNewWasmKernel(tf, LAYER_NORM_KERNEL, layerNormKernel(addon));
  registerNewWasmKernel(tf, LAYER_NORM_GRAD_KERNEL, layerNormGradKernel(addon));
  registerNewWasmKernel(tf, GELU_TANH_KERNEL, geluTanhKernel(addon));
  registerNewWasmKernel(tf, GELU_TANH_GRAD_KERNEL, geluTanhGradKernel(addon));
  registerFusedGradients(tf);
  registerNewWasmKernel(tf, ADAM_KERNEL, adamKernel(addon));
  registerNewWasmKernel(tf, ATTN_PROBS_KERNEL, attnProbsKernel(addon));
  registerNewWasmKernel(tf, ATTN_PROBS_GRAD_KERNEL, attnProbsGradKernel(addon));
  registerNewWasmKernel(tf, ATTN_CONTEXT_KERNEL, attnContextKernel(addon));
  registerNewWasmKernel(tf, ATTN_CONTEXT_GRAD_KERNEL, attnContextGradKernel(addon));
  registerNewWasmKernel(tf, ATTEND_KERNEL, attendKernel(addon));
  registerNewWasmKernel(tf, ATTEND_UNMASKED_KERNEL, attendKernel(addon));
  registerNewWasmKernel(tf, ATTEND_GRAD_KERNEL, attendGradKernel(addon));
  registerNewWasmKernel(tf, CROSS_ENTROPY_KERNEL, crossEntropyKernel(addon));
  registerNewWasmKernel(tf, CROSS_ENTROPY_GRAD_KERNEL, crossEntropyGradKernel(addon));
  registerAttentionGradients(tf);
  registerNewWasmKernel(tf, LORA_LINEAR_KERNEL, loraLinearKernel(addon));
  registerNewWasmKernel(tf, LORA_LINEAR_GELU_KERNEL, loraLinearKernel(addon));
  registerNewWasmKernel(tf, LORA_LINEAR_GRAD_KERNEL, loraLinearGradKernel(addon));
  registerLoraGradient(tf);
  registerNewWasmKernel(tf, EMBED_ROWS_KERNEL, embedRowsKernel(addon));
  registerNewWasmKernel(tf, EMBED_ROWS_GRAD_KERNEL, embedRowsGradKernel(addon));
  registerEmbeddingGradient(tf);
  installed.push('LayerNorm', 'GeluTanh', 'Adam', 'Attention', 'CrossEntropy', 'LoraLinear', 'EmbedRows');

  const info = addon.info();
  const gemm = info.gemm === 'blas' ? `openblas ${info.blasPath}` : 'builtin';
  return {
    mode, native: installed, stock, gemm, gemmReason: blasReason ?? null, simd: info.simd, threads, threadsReason,
    summary: `native kernels: ${installed.join(', ')}; sgemm ${gemm}; simd ${info.simd}; ${threads} thread(s) (${threadsReason})`,
  };
}

/** Back to stock tfjs kernels (tests compare both in one process). */
export function uninstallNativeKernels(tf: TF): void {
  restoreStockKernels(tf, NATIVE_ONLY_KERNELS);
}
