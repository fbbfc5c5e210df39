// The operations the addon exports, on raw float pointers: picks the kernel
// variant for this CPU, routes sgemm to BLAS or the built-in kernel, and splits
// work over the pool. addon.cc only converts N-API values and checks bounds.
#pragma once

#include "kernels.h"

namespace ll {

// Variant selection. "auto" = widest the CPU supports (LATENT_LAB_SIMD may
// name a narrower one). Returns false (and keeps the current one) when the CPU
// or the compiler lacks the named variant.
bool selectKernels(const char* name);
const KernelTable* kernels();
const char* cpuSupportedVariants();  // e.g. "generic,avx2,avx512"

void useBuiltinGemm(bool on);
bool builtinGemm();  // true when sgemm goes to the built-in kernel

// C[b] = op(A[b]) op(B[b]) for b < batch; strides in floats (0 = broadcast).
void gemm(int batch, int M, int N, int K, bool ta, bool tb, const float* A, long strideA, const float* B,
          long strideB, float* C, long strideC);
// One C = op(A) op(B) on the calling thread (no split), any leading dimensions:
// the per-head products of attention.cc, which splits over heads itself.
void gemmSerial(bool ta, bool tb, int M, int N, int K, const float* A, long lda, const float* B, long ldb, float* C,
                long ldc);
// Runs fn(arg, i0, i1) over [0, n) split across the pool when work (flops) pays for it.
void parallelFor(long n, double work, void (*fn)(void* arg, long i0, long i1), void* arg);
enum UnaryOp { kExp = 0, kErf = 1, kGeluTanh = 2 };
void unary(int op, const float* x, float* y, long n);
void geluTanhGrad(const float* dy, const float* x, float* dx, long n);
void layerNorm(const float* x, const float* g, const float* b, float* y, long R, long D, float eps);
void layerNormGrad(const float* dy, const float* x, const float* g, float* dx, float* dg, float* db, long R, long D,
                   float eps);
void sumLeading(const float* x, long R, long C, float* y);
void sumTrailing(const float* x, long R, long C, float* y);
void adam(const float* x, const float* g, float* m, float* v, float* out, long n, float lr, float b1, float b2,
          float eps, float invBc1, float invBc2, float wd);

}  // namespace ll
