// The table of compute kernels. One table per instruction-set variant
// (generic x86-64/SSE2, AVX2+FMA, AVX-512); dispatch.cc picks one at run time.
// All arrays are row-major float32; no function allocates.
#pragma once

namespace ll {

// One attention head whose probabilities are never written out (attention.cc's attend):
// q, dq [Tq, dh] (row stride ldq), k, dk [Tk, dh] (ldk), v, dv [Tk, dh] (ldv), ctx, dctx
// [Tq, dh] (ldo), mask [Tq, Tk] or nullptr, stats [Tq, 2] (row max, 1 / row sum of exp),
// extent [Tq]: columns at or past extent[i] are skipped in row i (nullptr: none).
struct AttnHead {
  const float *q, *k, *v, *mask, *dctx;
  float *ctx, *dq, *dk, *dv, *stats;
  long ldq, ldk, ldv, ldo, Tq, Tk, dh;
  float scale;
  const int* extent;
  float* scratch;  // attnHeadScratch(Tk, dh) floats
};

struct KernelTable {
  const char* name;  // "generic" | "avx2" | "avx512"
  // Built-in sgemm on rows [m0, m1) of C[M, N] = op(A)[M, K] · op(B)[K, N]
  // (beta = 0). pa / pb are scratch buffers of packAFloats() / packBFloats(N).
  void (*sgemmRows)(int ta, int tb, int M, int N, int K, const float* A, long lda, const float* B, long ldb,
                    float* C, long ldc, int m0, int m1, float* pa, float* pb);
  long (*packAFloats)();
  long (*packBFloats)(int N);
  void (*exp)(const float* x, float* y, long n);
  void (*erf)(const float* x, float* y, long n);
  // GELU, tanh form: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
  void (*geluTanh)(const float* x, float* y, long n);
  void (*geluTanhGrad)(const float* dy, const float* x, float* dx, long n);
  // LayerNorm over rows [r0, r1) of x[R, D]; population variance, as torch.
  void (*layerNorm)(const float* x, const float* g, const float* b, float* y, long r0, long r1, long D, float eps);
  // Backward over rows [r0, r1): writes dx, ADDS this range's dg / db into dg / db.
  void (*layerNormGrad)(const float* dy, const float* x, const float* g, float* dx, float* dg, float* db,
                        long r0, long r1, long D, float eps);
  // y[c] = sum_r x[r, c] over rows [0, R), columns [c0, c1)
  void (*sumLeading)(const float* x, long R, long C, float* y, long c0, long c1);
  // y[r] = sum_c x[r, c] for rows [r0, r1)
  void (*sumTrailing)(const float* x, long C, float* y, long r0, long r1);
  // p[Tq, Tk] = softmax rows of scale q kᵀ + mask for one head: q [Tq, dh] (row stride ldq),
  // k [Tk, dh] (row stride ldk), mask [Tq, Tk] or nullptr. kᵀ is packed once into scratch
  // (at least dh·(Tk + 64) + Tk + 64 floats), so every output vector is dh FMAs from L1.
  void (*attnScoresSoftmax)(const float* q, long ldq, const float* k, long ldk, const float* mask, float* p, long Tq,
                            long Tk, long dh, float scale, float* scratch);
  // In place: dp = scale p (dp - rowsum(dp p)), the gradient of attnScoresSoftmax wrt its scores.
  void (*softmaxGradRows)(float* dp, const float* p, long rows, long cols, float scale);
  // One head: ctx = softmax(scale q kᵀ + mask) v and its row stats; its gradient dq, dk, dv from
  // dctx, recomputing the probabilities from the stats. Scratch: attnHeadScratch(Tk, dh) floats.
  long (*attnHeadScratch)(long Tk, long dh);
  // 1 + the last of the Tk entries of m above `blocked`, 0 when none is (a mask row's extent).
  long (*rowExtent)(const float* m, long Tk, float blocked);
  void (*attnHeadForward)(const AttnHead& h);
  void (*attnHeadBackward)(const AttnHead& h);
  // v = z[i, 0:n] + bias for rows [0, rows) of z (row stride ldz ≥ n): a linear layer's output
  // from its sgemm. Then y = v, or y = res + v (res [rows, n]), or y = gelu(v) with v kept in pre
  // (pre [rows, n]). bias, res, pre: nullptr = none.
  void (*linearEpilogue)(const float* z, long ldz, const float* bias, const float* res, float* pre, float* y, long rows, long n);
  // Adam / AdamW on [0, n): m, v updated in place, out = new parameter value.
  // out = x (1 - lr wd) - lr (m / bc1) / (sqrt(v / bc2) + eps)
  void (*adam)(const float* x, const float* g, float* m, float* v, float* out, long n, float lr, float b1, float b2,
               float eps, float invBc1, float invBc2, float wd);
};

const KernelTable* genericKernels();
const KernelTable* avx2Kernels();    // nullptr when the compiler could not build it
const KernelTable* avx512Kernels();  // nullptr when the compiler could not build it

}  // namespace ll
