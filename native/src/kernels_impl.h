// The compute kernels, written once with GCC vector extensions and compiled
// once per instruction-set variant. Each kernels_<isa>.cc defines
//   LL_NS        namespace of this variant
//   LL_NAME      its name in the report
//   LL_VEC_BYTES vector width in bytes (16, 32, 64)
//   LL_MR        rows of the sgemm micro-tile
// and includes this file AFTER its `#pragma GCC target`. This file includes
// no header and everything in it has internal linkage (anonymous namespace),
// so the linker can never merge an AVX copy of a helper into the generic path
// (that is what would make node_modules die of SIGILL on an older machine).

namespace ll {
namespace LL_NS {
namespace {

typedef float vf __attribute__((vector_size(LL_VEC_BYTES)));
typedef int vi __attribute__((vector_size(LL_VEC_BYTES)));
enum { W = LL_VEC_BYTES / 4 };  // float lanes

inline vf splat(float a) { vf v = {}; return v + a; }
inline vf load(const float* p) { vf v; __builtin_memcpy(&v, p, sizeof v); return v; }
inline void store(float* p, vf v) { __builtin_memcpy(p, &v, sizeof v); }
// Lanes rotated by H: a horizontal reduction in log2(W) steps (a scalar loop is a chain of W − 1
// dependent adds, ~60 cycles at W = 16: as much as a short attention row's arithmetic).
template <int H>
inline vf rotate(vf v) {
  vi idx;
  for (int i = 0; i < W; i++) idx[i] = (i + H) & (W - 1);
  return __builtin_shuffle(v, idx);
}
inline float hsum(vf v) {
  if (W >= 16) v += rotate<8>(v);
  if (W >= 8) v += rotate<4>(v);
  v += rotate<2>(v);
  v += rotate<1>(v);
  return v[0];
}
inline vf vmax(vf a, vf b) { return a > b ? a : b; }
inline float hmax(vf v) {
  if (W >= 16) v = vmax(v, rotate<8>(v));
  if (W >= 8) v = vmax(v, rotate<4>(v));
  v = vmax(v, rotate<2>(v));
  v = vmax(v, rotate<1>(v));
  return v[0];
}

// ------------------------------------------------------------------ sgemm
// Packed panels (BLIS layout): A in MR-row panels, B in NR-column panels,
// k-major inside a panel, zero-padded. The micro-kernel keeps an MR x NR
// tile of C in registers (MR x NV vectors).
enum { MR = LL_MR, NV = 2, NR = NV * W, KC = 256, MC = (120 / MR) * MR };

void packA(int mc, int kc, const float* A, long lda, int ta, float* pa) {
  for (int i0 = 0; i0 < mc; i0 += MR) {
    const int mr = mc - i0 < MR ? mc - i0 : MR;
    for (int k = 0; k < kc; k++, pa += MR) {
      for (int i = 0; i < mr; i++) pa[i] = ta ? A[(long)k * lda + i0 + i] : A[(long)(i0 + i) * lda + k];
      for (int i = mr; i < MR; i++) pa[i] = 0.f;
    }
  }
}

void packB(int kc, int nc, const float* B, long ldb, int tb, float* pb) {
  for (int j0 = 0; j0 < nc; j0 += NR) {
    const int nr = nc - j0 < NR ? nc - j0 : NR;
    for (int k = 0; k < kc; k++, pb += NR) {
      if (!tb && nr == NR) { __builtin_memcpy(pb, B + (long)k * ldb + j0, NR * sizeof(float)); continue; }
      for (int j = 0; j < nr; j++) pb[j] = tb ? B[(long)(j0 + j) * ldb + k] : B[(long)k * ldb + j0 + j];
      for (int j = nr; j < NR; j++) pb[j] = 0.f;
    }
  }
}

// C[0:mr, 0:nr] (+)= pa^T pb over kc
inline void microKernel(int kc, const float* pa, const float* pb, float* C, long ldc, int mr, int nr, bool accumulate) {
  vf c[MR][NV];
  for (int i = 0; i < MR; i++) for (int j = 0; j < NV; j++) c[i][j] = vf{};
  for (int k = 0; k < kc; k++, pa += MR, pb += NR) {
    vf b[NV];
    for (int j = 0; j < NV; j++) b[j] = load(pb + j * W);
    for (int i = 0; i < MR; i++) {
      const vf a = splat(pa[i]);
      for (int j = 0; j < NV; j++) c[i][j] += a * b[j];
    }
  }
  if (mr == MR && nr == NR) {
    for (int i = 0; i < MR; i++)
      for (int j = 0; j < NV; j++) {
        float* d = C + i * ldc + j * W;
        store(d, accumulate ? load(d) + c[i][j] : c[i][j]);
      }
    return;
  }
  float tile[MR][NR];
  for (int i = 0; i < MR; i++) for (int j = 0; j < NV; j++) store(&tile[i][j * W], c[i][j]);
  for (int i = 0; i < mr; i++)
    for (int j = 0; j < nr; j++) C[i * ldc + j] = accumulate ? C[i * ldc + j] + tile[i][j] : tile[i][j];
}

void sgemmRows(int ta, int tb, int M, int N, int K, const float* A, long lda, const float* B, long ldb,
               float* C, long ldc, int m0, int m1, float* pa, float* pb) {
  (void)M;
  for (int k0 = 0; k0 < K; k0 += KC) {
    const int kc = K - k0 < KC ? K - k0 : KC;
    packB(kc, N, tb ? B + k0 : B + (long)k0 * ldb, ldb, tb, pb);
    for (int i0 = m0; i0 < m1; i0 += MC) {
      const int mc = m1 - i0 < MC ? m1 - i0 : MC;
      packA(mc, kc, ta ? A + (long)k0 * lda + i0 : A + (long)i0 * lda + k0, lda, ta, pa);
      for (int j0 = 0; j0 < N; j0 += NR) {
        const int nr = N - j0 < NR ? N - j0 : NR;
        const float* pbj = pb + (long)(j0 / NR) * kc * NR;
        for (int ii = 0; ii < mc; ii += MR) {
          const int mr = mc - ii < MR ? mc - ii : MR;
          microKernel(kc, pa + (long)(ii / MR) * kc * MR, pbj, C + (long)(i0 + ii) * ldc + j0, ldc, mr, nr, k0 > 0);
        }
      }
    }
  }
}
long packAFloats() { return (long)MC * KC; }
long packBFloats(int N) { return (long)((N + NR - 1) / NR) * NR * KC; }

// ------------------------------------------------------------------ exp / erf
// exp: n = round(x log2 e), r = x - n ln2 (Cody-Waite split), degree-5
// polynomial (Cephes expf coefficients), times 2^n built as two factors so
// that results in the denormal range come out right. Overflow -> inf,
// underflow -> 0, NaN -> NaN.
inline vf vexp(vf x) {
  const vf hi = splat(88.72283f), lo = splat(-103.97208f);
  vf xc = x > hi ? hi : x;
  xc = xc < lo ? lo : xc;
  const vf n = (xc * 1.44269504088896341f + 12582912.0f) - 12582912.0f;  // round to nearest
  vf r = xc - n * 0.693145751953125f;
  r = r - n * 1.428606765330187045e-06f;
  vf p = splat(1.9875691500e-4f);
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  const vi ni = __builtin_convertvector(n, vi), n1 = ni >> 1, n2 = ni - n1;
  vf y = (p * (vf)((n1 + 127) << 23)) * (vf)((n2 + 127) << 23);
  y = x > hi ? splat(__builtin_inff()) : y;
  y = x < lo ? splat(0.f) : y;
  return x != x ? x : y;
}

// erf: Taylor series to x^13 for |x| < 0.5; Abramowitz-Stegun 7.1.26 above
// (the formula tfjs-backend-cpu uses; |error| < 1.5e-7). Odd; NaN -> NaN.
inline vf verf(vf x) {
  const vi signBit = vi{} + (int)0x80000000;
  const vi sign = (vi)x & signBit;
  const vf ax = (vf)((vi)x & ~signBit);
  const vf t = 1.0f / (1.0f + 0.3275911f * ax);
  const vf q = ((((1.061405429f * t - 1.453152027f) * t + 1.421413741f) * t - 0.284496736f) * t + 0.254829592f) * t;
  const vf big = 1.0f - q * vexp(-ax * ax);
  const vf s = ax * ax;
  const vf small = ax * (1.1283791671f + s * (-0.3761263890f + s * (0.1128379167f + s * (-0.0268661706f +
                   s * (0.0052239776f + s * (-0.0008548325f + s * 0.0001205529f))))));
  vf y = ax < 0.5f ? small : big;
  y = (vf)((vi)y | sign);
  return x != x ? x : y;
}

// tanh(u) = sign(u) (1 - e) / (1 + e), e = exp(-2|u|): no overflow, exact limits.
inline vf vtanh(vf u) {
  const vi signBit = vi{} + (int)0x80000000;
  const vf au = (vf)((vi)u & ~signBit);
  const vf e = vexp(-2.0f * au);
  return (vf)((vi)((1.0f - e) / (1.0f + e)) | ((vi)u & signBit));
}

const float kGeluA = 0.7978845608028654f;  // sqrt(2 / pi)
const float kGeluB = 0.044715f;
inline vf vgeluTanh(vf x) {
  const vf t = vtanh(kGeluA * (x + kGeluB * x * x * x));
  return 0.5f * x * (1.0f + t);
}

// y = f(x) over n floats; the tail goes through a zero-padded vector.
template <vf (*F)(vf)>
void mapUnary(const float* x, float* y, long n) {
  long i = 0;
  for (; i + W <= n; i += W) store(y + i, F(load(x + i)));
  if (i == n) return;
  float tmp[W] = {};
  for (long j = i; j < n; j++) tmp[j - i] = x[j];
  store(tmp, F(load(tmp)));
  for (long j = i; j < n; j++) y[j] = tmp[j - i];
}
void expKernel(const float* x, float* y, long n) { mapUnary<vexp>(x, y, n); }
void erfKernel(const float* x, float* y, long n) { mapUnary<verf>(x, y, n); }
void geluTanhKernel(const float* x, float* y, long n) { mapUnary<vgeluTanh>(x, y, n); }

// d/dx gelu = 0.5 (1 + t) + 0.5 x (1 - t^2) sqrt(2/pi) (1 + 3 * 0.044715 x^2)
inline vf geluTanhDerivative(vf x) {
  const vf t = vtanh(kGeluA * (x + kGeluB * x * x * x));
  return 0.5f * (1.0f + t) + 0.5f * x * (1.0f - t * t) * kGeluA * (1.0f + 3.0f * kGeluB * x * x);
}
void geluTanhGradKernel(const float* dy, const float* x, float* dx, long n) {
  long i = 0;
  for (; i + W <= n; i += W) store(dx + i, load(dy + i) * geluTanhDerivative(load(x + i)));
  if (i == n) return;
  float tx[W] = {}, tdy[W] = {};
  for (long j = i; j < n; j++) { tx[j - i] = x[j]; tdy[j - i] = dy[j]; }
  store(tx, load(tdy) * geluTanhDerivative(load(tx)));
  for (long j = i; j < n; j++) dx[j] = tx[j - i];
}

// ------------------------------------------------------------------ LayerNorm
inline float rowSum(const float* x, long D) {
  vf acc = {};
  long i = 0;
  for (; i + W <= D; i += W) acc += load(x + i);
  float s = hsum(acc);
  for (; i < D; i++) s += x[i];
  return s;
}
inline float rowCentredSquares(const float* x, long D, float mean) {
  vf acc = {};
  long i = 0;
  for (; i + W <= D; i += W) { const vf d = load(x + i) - mean; acc += d * d; }
  float s = hsum(acc);
  for (; i < D; i++) { const float d = x[i] - mean; s += d * d; }
  return s;
}

void layerNormKernel(const float* x, const float* g, const float* b, float* y, long r0, long r1, long D, float eps) {
  for (long r = r0; r < r1; r++) {
    const float* xr = x + r * D;
    float* yr = y + r * D;
    const float mean = rowSum(xr, D) / (float)D;
    const float rstd = 1.0f / __builtin_sqrtf(rowCentredSquares(xr, D, mean) / (float)D + eps);
    for (long i = 0; i < D; i++) yr[i] = (xr[i] - mean) * rstd * g[i] + b[i];
  }
}

// dx = rstd (g dy - mean(g dy) - xhat mean(g dy xhat)); dg += dy xhat; db += dy
void layerNormGradKernel(const float* dy, const float* x, const float* g, float* dx, float* dg, float* db,
                         long r0, long r1, long D, float eps) {
  for (long r = r0; r < r1; r++) {
    const float* xr = x + r * D;
    const float* dyr = dy + r * D;
    float* dxr = dx + r * D;
    const float mean = rowSum(xr, D) / (float)D;
    const float rstd = 1.0f / __builtin_sqrtf(rowCentredSquares(xr, D, mean) / (float)D + eps);
    float sumGy = 0.f, sumGyXhat = 0.f;
    for (long i = 0; i < D; i++) {
      const float xhat = (xr[i] - mean) * rstd, gy = dyr[i] * g[i];
      sumGy += gy;
      sumGyXhat += gy * xhat;
      dg[i] += dyr[i] * xhat;
      db[i] += dyr[i];
    }
    const float meanGy = sumGy / (float)D, meanGyXhat = sumGyXhat / (float)D;
    for (long i = 0; i < D; i++) {
      const float xhat = (xr[i] - mean) * rstd;
      dxr[i] = rstd * (dyr[i] * g[i] - meanGy - xhat * meanGyXhat);
    }
  }
}

#include "kernels_attention_impl.h"  // attention rows (same namespace, same variant)

// ------------------------------------------------------------------ linear epilogue
// y = z[:, 0:n] + bias, then y = res + y, or y = gelu(y) with its input kept in pre.
void linearEpilogueKernel(const float* z, long ldz, const float* bias, const float* res, float* pre, float* y, long rows, long n) {
  const long full = n - n % W;
  for (long i = 0; i < rows; i++) {
    const float* zi = z + i * ldz;
    float* yi = y + i * n;
    for (long j = 0; j < full; j += W) {
      vf v = load(zi + j);
      if (bias) v += load(bias + j);
      if (pre) { store(pre + i * n + j, v); v = vgeluTanh(v); }
      if (res) v += load(res + i * n + j);
      store(yi + j, v);
    }
    for (long j = full; j < n; j++) {  // the tail through a zero-padded vector, as mapUnary does
      float acc = zi[j] + (bias ? bias[j] : 0.f);
      if (pre) { pre[i * n + j] = acc; float t[W] = {acc}; store(t, vgeluTanh(load(t))); acc = t[0]; }
      if (res) acc += res[i * n + j];
      yi[j] = acc;
    }
  }
}

// ------------------------------------------------------------------ Sum, Adam
void sumLeadingKernel(const float* x, long R, long C, float* y, long c0, long c1) {
  for (long c = c0; c < c1; c++) y[c] = 0.f;
  for (long r = 0; r < R; r++) {
    const float* xr = x + r * C;
    for (long c = c0; c < c1; c++) y[c] += xr[c];
  }
}
void sumTrailingKernel(const float* x, long C, float* y, long r0, long r1) {
  for (long r = r0; r < r1; r++) y[r] = rowSum(x + r * C, C);
}

void adamKernel(const float* x, const float* g, float* m, float* v, float* out, long n, float lr, float b1, float b2,
                float eps, float invBc1, float invBc2, float wd) {
  const float decay = 1.0f - lr * wd;
  for (long i = 0; i < n; i++) {
    const float gi = g[i];
    const float mi = b1 * m[i] + (1.0f - b1) * gi;
    const float vi2 = b2 * v[i] + (1.0f - b2) * gi * gi;
    m[i] = mi;
    v[i] = vi2;
    out[i] = x[i] * decay - lr * (mi * invBc1) / (__builtin_sqrtf(vi2 * invBc2) + eps);
  }
}

const KernelTable kTable = {
  LL_NAME, sgemmRows, packAFloats, packBFloats, expKernel, erfKernel, geluTanhKernel, geluTanhGradKernel,
  layerNormKernel, layerNormGradKernel, sumLeadingKernel, sumTrailingKernel, attnScoresSoftmaxKernel,
  softmaxGradRowsKernel, attnHeadScratchKernel, rowExtentKernel, attnHeadForwardKernel, attnHeadBackwardKernel, linearEpilogueKernel,
  adamKernel,
};

}  // namespace
}  // namespace LL_NS
}  // namespace ll
