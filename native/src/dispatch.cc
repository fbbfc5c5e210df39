#include "dispatch.h"

#include <stdlib.h>
#include <string.h>

#include <vector>

#include "blas.h"
#include "pool.h"

namespace ll {
namespace {

bool cpuHas(const char* variant) {
  if (!strcmp(variant, "generic")) return true;
#if defined(__x86_64__) && defined(__GNUC__)
  __builtin_cpu_init();
  if (!strcmp(variant, "avx2")) return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  if (!strcmp(variant, "avx512"))
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#endif
  return false;
}
const KernelTable* tableFor(const char* variant) {
  if (!strcmp(variant, "generic")) return genericKernels();
  if (!strcmp(variant, "avx2")) return avx2Kernels();
  if (!strcmp(variant, "avx512")) return avx512Kernels();
  return nullptr;
}
const KernelTable* widest() {
  for (const char* v : {"avx512", "avx2"})
    if (cpuHas(v) && tableFor(v)) return tableFor(v);
  return genericKernels();
}

const KernelTable* g_kernels = nullptr;
bool g_builtin = false;

// Per-thread packing buffers of the built-in sgemm, grown on demand.
struct Scratch {
  std::vector<float> a, b;
};
thread_local Scratch t_scratch;

// Below this many multiply-adds a split costs more than it saves.
const double kMinParallelWork = 32768.0;
const long kMinParallelElements = 65536;

// Rows [m0, m1) of every batch entry in [b0, b1).
struct GemmArgs {
  int batch, M, N, K;
  bool ta, tb;
  const float *A, *B;
  float* C;
  long strideA, strideB, strideC;
};
void gemmRange(const GemmArgs& g, int b0, int b1, int m0, int m1) {
  const long lda = g.ta ? g.M : g.K, ldb = g.tb ? g.K : g.N, ldc = g.N;
  if (g_builtin || !blasLoaded()) {
    const KernelTable* k = kernels();
    Scratch& s = t_scratch;
    if ((long)s.a.size() < k->packAFloats()) s.a.resize(k->packAFloats());
    if ((long)s.b.size() < k->packBFloats(g.N)) s.b.resize(k->packBFloats(g.N));
    for (int i = b0; i < b1; i++)
      k->sgemmRows(g.ta, g.tb, g.M, g.N, g.K, g.A + i * g.strideA, lda, g.B + i * g.strideB, ldb, g.C + i * g.strideC,
                   ldc, m0, m1, s.a.data(), s.b.data());
    return;
  }
  for (int i = b0; i < b1; i++) {
    const float* A = g.A + i * g.strideA + (g.ta ? m0 : (long)m0 * lda);
    blasSgemm(g.ta, g.tb, m1 - m0, g.N, g.K, A, (int)lda, g.B + i * g.strideB, (int)ldb, g.C + i * g.strideC + (long)m0 * ldc,
              (int)ldc);
  }
}
// Split by batch entries when there are enough, else by 8-aligned row blocks.
void gemmPart(void* arg, int part, int parts) {
  const GemmArgs& g = *(const GemmArgs*)arg;
  if (g.batch >= parts) {
    gemmRange(g, (int)((long)g.batch * part / parts), (int)((long)g.batch * (part + 1) / parts), 0, g.M);
    return;
  }
  int m0 = (int)((long)g.M * part / parts) & ~7, m1 = part == parts - 1 ? g.M : (int)((long)g.M * (part + 1) / parts) & ~7;
  if (m1 > m0) gemmRange(g, 0, g.batch, m0, m1);
}

// Element ranges aligned to 16 floats so every part but the last is whole vectors.
inline void elementRange(long n, int part, int parts, long* a, long* b) {
  *a = (n * part / parts) & ~15L;
  *b = part == parts - 1 ? n : (n * (part + 1) / parts) & ~15L;
}
struct UnaryArgs { void (*f)(const float*, float*, long); const float* x; float* y; long n; };
void unaryPart(void* arg, int part, int parts) {
  const UnaryArgs& u = *(const UnaryArgs*)arg;
  long a, b;
  elementRange(u.n, part, parts, &a, &b);
  if (b > a) u.f(u.x + a, u.y + a, b - a);
}
struct GeluGradArgs { const float *dy, *x; float* dx; long n; };
void geluGradPart(void* arg, int part, int parts) {
  const GeluGradArgs& u = *(const GeluGradArgs*)arg;
  long a, b;
  elementRange(u.n, part, parts, &a, &b);
  if (b > a) kernels()->geluTanhGrad(u.dy + a, u.x + a, u.dx + a, b - a);
}
struct LayerNormArgs { const float *x, *g, *b, *dy; float *y, *dg, *db; long R, D; float eps; float* partials; };
void layerNormPart(void* arg, int part, int parts) {
  const LayerNormArgs& l = *(const LayerNormArgs*)arg;
  kernels()->layerNorm(l.x, l.g, l.b, l.y, l.R * part / parts, l.R * (part + 1) / parts, l.D, l.eps);
}
// Each part accumulates dg / db into its own slice of `partials`; summed after.
void layerNormGradPart(void* arg, int part, int parts) {
  const LayerNormArgs& l = *(const LayerNormArgs*)arg;
  float* dg = l.partials + (long)part * 2 * l.D;
  kernels()->layerNormGrad(l.dy, l.x, l.g, l.y, dg, dg + l.D, l.R * part / parts, l.R * (part + 1) / parts, l.D, l.eps);
}

}  // namespace

bool selectKernels(const char* name) {
  const KernelTable* t = !strcmp(name, "auto") ? widest() : (cpuHas(name) ? tableFor(name) : nullptr);
  if (!t) return false;
  g_kernels = t;
  return true;
}
const KernelTable* kernels() {
  if (!g_kernels) {
    const char* env = getenv("LATENT_LAB_SIMD");
    if (!env || !selectKernels(env)) g_kernels = widest();
  }
  return g_kernels;
}
const char* cpuSupportedVariants() {
  static char buf[64];
  strcpy(buf, "generic");
  for (const char* v : {"avx2", "avx512"})
    if (cpuHas(v) && tableFor(v)) { strcat(buf, ","); strcat(buf, v); }
  return buf;
}

void useBuiltinGemm(bool on) { g_builtin = on; }
bool builtinGemm() { return g_builtin || !blasLoaded(); }

void gemm(int batch, int M, int N, int K, bool ta, bool tb, const float* A, long strideA, const float* B,
          long strideB, float* C, long strideC) {
  GemmArgs g{batch, M, N, K, ta, tb, A, B, C, strideA, strideB, strideC};
  const double work = (double)batch * M * N * K;
  if (poolThreads() > 1 && work >= kMinParallelWork && (batch >= 2 || M >= 32)) poolRun(gemmPart, &g);
  else gemmRange(g, 0, batch, 0, M);
}

void gemmSerial(bool ta, bool tb, int M, int N, int K, const float* A, long lda, const float* B, long ldb, float* C,
                long ldc) {
  if (g_builtin || !blasLoaded()) {
    const KernelTable* k = kernels();
    Scratch& s = t_scratch;
    if ((long)s.a.size() < k->packAFloats()) s.a.resize(k->packAFloats());
    if ((long)s.b.size() < k->packBFloats(N)) s.b.resize(k->packBFloats(N));
    k->sgemmRows(ta, tb, M, N, K, A, lda, B, ldb, C, ldc, 0, M, s.a.data(), s.b.data());
    return;
  }
  blasSgemm(ta, tb, M, N, K, A, (int)lda, B, (int)ldb, C, (int)ldc);
}

namespace {
struct ForArgs { long n; void (*fn)(void*, long, long); void* arg; };
void forPart(void* a, int part, int parts) {
  const ForArgs& f = *(const ForArgs*)a;
  const long i0 = f.n * part / parts, i1 = f.n * (part + 1) / parts;
  if (i1 > i0) f.fn(f.arg, i0, i1);
}
}  // namespace

void parallelFor(long n, double work, void (*fn)(void* arg, long i0, long i1), void* arg) {
  if (n <= 0) return;
  ForArgs f{n, fn, arg};
  if (poolThreads() > 1 && n >= 2 && work >= kMinParallelWork) poolRun(forPart, &f);
  else fn(arg, 0, n);
}

void unary(int op, const float* x, float* y, long n) {
  const KernelTable* k = kernels();
  UnaryArgs u{op == kExp ? k->exp : op == kErf ? k->erf : k->geluTanh, x, y, n};
  if (poolThreads() > 1 && n >= kMinParallelElements) poolRun(unaryPart, &u);
  else u.f(x, y, n);
}

void geluTanhGrad(const float* dy, const float* x, float* dx, long n) {
  GeluGradArgs u{dy, x, dx, n};
  if (poolThreads() > 1 && n >= kMinParallelElements) poolRun(geluGradPart, &u);
  else kernels()->geluTanhGrad(dy, x, dx, n);
}

void layerNorm(const float* x, const float* g, const float* b, float* y, long R, long D, float eps) {
  LayerNormArgs l{x, g, b, nullptr, y, nullptr, nullptr, R, D, eps, nullptr};
  if (poolThreads() > 1 && R * D >= kMinParallelElements) poolRun(layerNormPart, &l);
  else kernels()->layerNorm(x, g, b, y, 0, R, D, eps);
}

void layerNormGrad(const float* dy, const float* x, const float* g, float* dx, float* dg, float* db, long R, long D,
                   float eps) {
  const int parts = poolThreads() > 1 && R * D >= kMinParallelElements ? poolThreads() : 1;
  std::vector<float> partials((size_t)parts * 2 * D, 0.f);
  LayerNormArgs l{x, g, nullptr, dy, dx, dg, db, R, D, eps, partials.data()};
  if (parts > 1) poolRun(layerNormGradPart, &l);
  else layerNormGradPart(&l, 0, 1);
  for (long i = 0; i < D; i++) { dg[i] = 0.f; db[i] = 0.f; }
  for (int p = 0; p < parts; p++)
    for (long i = 0; i < D; i++) { dg[i] += partials[(size_t)p * 2 * D + i]; db[i] += partials[(size_t)p * 2 * D + D + i]; }
}

void sumLeading(const float* x, long R, long C, float* y) { kernels()->sumLeading(x, R, C, y, 0, C); }
void sumTrailing(const float* x, long R, long C, float* y) { kernels()->sumTrailing(x, C, y, 0, R); }

void adam(const float* x, const float* g, float* m, float* v, float* out, long n, float lr, float b1, float b2,
          float eps, float invBc1, float invBc2, float wd) {
  kernels()->adam(x, g, m, v, out, n, lr, b1, b2, eps, invBc1, invBc2, wd);
}

}  // namespace ll
