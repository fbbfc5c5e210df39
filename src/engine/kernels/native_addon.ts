// Finds and loads the optional `latent-lab-native` addon. Never throws: when
// the package is missing or was not built, `loadNativeAddon()` says why.
import * as fs from 'fs';
import * as path from 'path';

/** The functions exported by native/src/addon.cc (all buffers Float32Array). */
export interface NativeAddon {
  loadBlas(libraryPath: string): boolean;
  useBuiltinGemm(on: boolean): void;
  setThreads(threads: number): void;
  selectKernels(variant: 'auto' | 'generic' | 'avx2' | 'avx512'): boolean;
  info(): { simd: string; simdSupported: string; gemm: 'blas' | 'builtin'; blasPath: string; blasConfig: string; threads: number };
  gemm(batch: number, M: number, N: number, K: number, transA: boolean, transB: boolean,
    A: Float32Array, aOffset: number, aStride: number, B: Float32Array, bOffset: number, bStride: number,
    C: Float32Array, cOffset: number, cStride: number): void;
  unary(op: 0 | 1 | 2, x: Float32Array, y: Float32Array): void; // 0 exp, 1 erf, 2 GELU (tanh)
  geluTanhGrad(dy: Float32Array, x: Float32Array, dx: Float32Array): void;
  layerNorm(x: Float32Array, g: Float32Array, b: Float32Array, y: Float32Array, R: number, D: number, eps: number): void;
  layerNormGrad(dy: Float32Array, x: Float32Array, g: Float32Array, dx: Float32Array, dg: Float32Array, db: Float32Array,
    R: number, D: number, eps: number): void;
  sum(x: Float32Array, R: number, C: number, y: Float32Array, mode: 0 | 1): void; // 0: reduce leading, 1: trailing
  adam(x: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, out: Float32Array, lr: number, beta1: number,
    beta2: number, eps: number, invBiasCorrection1: number, invBiasCorrection2: number, weightDecay: number): void;
  // Fused attention core (native/src/attention.cc): q, k, v, ctx [B, T, d]; probs [B, h, Tq, Tk]; mask [B | 1, Tq, Tk].
  attnProbs(q: Float32Array, k: Float32Array, mask: Float32Array | null, probs: Float32Array,
    B: number, heads: number, Tq: number, Tk: number, dh: number, scale: number, maskBatched: boolean): void;
  attnProbsGrad(dprobs: Float32Array, probs: Float32Array, q: Float32Array, k: Float32Array, dq: Float32Array, dk: Float32Array,
    B: number, heads: number, Tq: number, Tk: number, dh: number, scale: number): void;
  attnContext(probs: Float32Array, v: Float32Array, ctx: Float32Array, B: number, heads: number, Tq: number, Tk: number, dh: number): void;
  attnContextGrad(dctx: Float32Array, probs: Float32Array, v: Float32Array, dprobs: Float32Array, dv: Float32Array,
    B: number, heads: number, Tq: number, Tk: number, dh: number): void;
  // Attention that never writes probs: stats [B, h, Tq, 2] (row max, 1/sum) for the backward.
  attend(q: Float32Array, k: Float32Array, v: Float32Array, mask: Float32Array | null, ctx: Float32Array, stats: Float32Array,
    B: number, heads: number, Tq: number, Tk: number, dh: number, scale: number, maskBatched: boolean): void;
  attendGrad(dctx: Float32Array, q: Float32Array, k: Float32Array, v: Float32Array, mask: Float32Array | null, stats: Float32Array,
    dq: Float32Array, dk: Float32Array, dv: Float32Array, B: number, heads: number, Tq: number, Tk: number, dh: number, scale: number, maskBatched: boolean): void;
  // Embedding rows (native/src/embedding.cc): table [V, d], idx [N] (−1: a zero row), out [N, d].
  embedRows(table: Float32Array, idx: Int32Array, out: Float32Array, N: number, V: number, d: number): void;
  embedRowsGrad(dy: Float32Array, idx: Int32Array, dtable: Float32Array, N: number, V: number, d: number): void;
  // Weighted cross-entropy (native/src/crossEntropy.cc): x, t [N, V], w [N].
  crossEntropy(x: Float32Array, t: Float32Array, w: Float32Array, N: number, V: number): number;
  crossEntropyGrad(g: number, x: Float32Array, t: Float32Array, w: Float32Array, dx: Float32Array, N: number, V: number): void;
  // LoRA linear (native/src/lora.cc): x [N, din], w [din, dout], a [din, r], b [r, dout], u = x·a [N, r].
  // res: y = res + layer; pre: y = gelu(layer), layer kept in pre (and read back by the backward).
  loraForward(x: Float32Array, w: Float32Array, a: Float32Array, b: Float32Array, bias: Float32Array | null, res: Float32Array | null,
    y: Float32Array, u: Float32Array, pre: Float32Array | null, N: number, din: number, dout: number, r: number, scale: number): void;
  loraBackward(dy: Float32Array, x: Float32Array, w: Float32Array, a: Float32Array, b: Float32Array, u: Float32Array, pre: Float32Array | null,
    dx: Float32Array, da: Float32Array, db: Float32Array, N: number, din: number, dout: number, r: number, scale: number): void;
}

export interface NativeAddonLoad {
  addon: NativeAddon | null;
  reason?: string;      // why addon is null
  blasReason?: string;  // which BLAS was opened, or why the built-in sgemm is used
  addonPath?: string;
}

interface LoaderModule { load(): NativeAddonLoad }

// The package as installed (optionalDependencies "latent-lab-native": "file:native"),
// else the native/ folder of this checkout (development, tests, bench), else
// LATENT_LAB_NATIVE_DIR.
function findLoader(): { loader: LoaderModule | null; tried: string[] } {
  const tried: string[] = [];
  const candidates: string[] = [];
  if (process.env.LATENT_LAB_NATIVE_DIR) candidates.push(path.resolve(process.env.LATENT_LAB_NATIVE_DIR));
  candidates.push('latent-lab-native');
  for (let dir = __dirname, i = 0; i < 6; i++, dir = path.dirname(dir)) {
    const pkg = path.join(dir, 'native', 'package.json');
    if (fs.existsSync(pkg)) candidates.push(path.join(dir, 'native'));
  }
  for (const c of candidates) {
    tried.push(c);
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      return { loader: require(c) as LoaderModule, tried };
    } catch { /* next */ }
  }
  return { loader: null, tried };
}

let cached: NativeAddonLoad | null = null;

export function loadNativeAddon(): NativeAddonLoad {
  if (cached) return cached;
  const { loader, tried } = findLoader();
  if (!loader) {
    cached = { addon: null, reason: `package latent-lab-native not installed (looked in ${tried.join(', ')})` };
  } else {
    try {
      cached = loader.load();
    } catch (e) {
      cached = { addon: null, reason: `latent-lab-native loader failed: ${(e as Error).message}` };
    }
  }
  return cached;
}
