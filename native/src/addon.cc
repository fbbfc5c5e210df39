// N-API surface of latent-lab-native. Every buffer argument is a Float32Array
// (a JS array or a view of the tfjs wasm heap, so no copy is made); every
// function checks that the sizes it was given fit the arrays before touching
// memory, and throws a RangeError/TypeError otherwise.
#include <node_api.h>
#include <stdint.h>

#include "addon_fused.h"
#include "blas.h"
#include "dispatch.h"
#include "napi_args.h"
#include "pool.h"

namespace {

using namespace ll_napi;

// loadBlas(path) -> bool
napi_value LoadBlas(napi_env env, napi_callback_info info) {
  Args a(env, info, 1, "loadBlas");
  char path[512] = {0};
  a.string(0, path, sizeof path);
  return a.ok ? boolean(env, ll::blasLoad(path)) : nullptr;
}
// useBuiltinGemm(on)
napi_value UseBuiltinGemm(napi_env env, napi_callback_info info) {
  Args a(env, info, 1, "useBuiltinGemm");
  if (a.ok) ll::useBuiltinGemm(a.flag(0));
  return nullptr;
}
// setThreads(n): 1 = no split; n > 1 = split over n-1 helper threads + caller
napi_value SetThreads(napi_env env, napi_callback_info info) {
  Args a(env, info, 1, "setThreads");
  if (a.ok) ll::poolSetThreads((int)a.i64(0));
  return nullptr;
}
// selectKernels("auto" | "generic" | "avx2" | "avx512") -> bool
napi_value SelectKernels(napi_env env, napi_callback_info info) {
  Args a(env, info, 1, "selectKernels");
  char name[32] = {0};
  a.string(0, name, sizeof name);
  return a.ok ? boolean(env, ll::selectKernels(name)) : nullptr;
}
// info() -> {simd, simdSupported, gemm: 'blas'|'builtin', blasPath, blasConfig, threads}
napi_value Info(napi_env env, napi_callback_info) {
  napi_value o;
  napi_create_object(env, &o);
  napi_set_named_property(env, o, "simd", string(env, ll::kernels()->name));
  napi_set_named_property(env, o, "simdSupported", string(env, ll::cpuSupportedVariants()));
  napi_set_named_property(env, o, "gemm", string(env, ll::builtinGemm() ? "builtin" : "blas"));
  napi_set_named_property(env, o, "blasPath", string(env, ll::blasPath()));
  napi_set_named_property(env, o, "blasConfig", string(env, ll::blasConfig()));
  napi_set_named_property(env, o, "threads", number(env, ll::poolThreads()));
  return o;
}

// gemm(batch, M, N, K, transA, transB, A, aOffset, aStride, B, bOffset, bStride, C, cOffset, cStride)
napi_value Gemm(napi_env env, napi_callback_info info) {
  Args a(env, info, 15, "gemm");
  const int64_t batch = a.i64(0), M = a.i64(1), N = a.i64(2), K = a.i64(3);
  const bool ta = a.flag(4), tb = a.flag(5);
  F32 A = a.f32(6, "gemm"), B = a.f32(9, "gemm"), C = a.f32(12, "gemm");
  const int64_t aOff = a.i64(7), sA = a.i64(8), bOff = a.i64(10), sB = a.i64(11), cOff = a.i64(13), sC = a.i64(14);
  if (!a.ok || batch <= 0 || M <= 0 || N <= 0 || K <= 0) return nullptr;
  if (aOff < 0 || bOff < 0 || cOff < 0 || sA < 0 || sB < 0 || sC < 0 || M > 1 << 30 || N > 1 << 30 || K > 1 << 30) {
    a.fail("gemm", "negative offset/stride or huge size");
    return nullptr;
  }
  if (!a.fits(A, aOff + sA * (batch - 1) + M * K, "gemm A") || !a.fits(B, bOff + sB * (batch - 1) + K * N, "gemm B") ||
      !a.fits(C, cOff + sC * (batch - 1) + M * N, "gemm C"))
    return nullptr;
  ll::gemm((int)batch, (int)M, (int)N, (int)K, ta, tb, A.data + aOff, sA, B.data + bOff, sB, C.data + cOff, sC);
  return nullptr;
}

// unary(op, x, y): op 0 exp, 1 erf, 2 GELU (tanh form)
napi_value Unary(napi_env env, napi_callback_info info) {
  Args a(env, info, 3, "unary");
  const int64_t op = a.i64(0);
  F32 x = a.f32(1, "unary"), y = a.f32(2, "unary");
  if (a.ok && (op < 0 || op > 2)) a.fail("unary", "unknown op");
  if (!a.fits(y, (int64_t)x.length, "unary y")) return nullptr;
  ll::unary((int)op, x.data, y.data, (long)x.length);
  return nullptr;
}
// geluTanhGrad(dy, x, dx)
napi_value GeluTanhGrad(napi_env env, napi_callback_info info) {
  Args a(env, info, 3, "geluTanhGrad");
  F32 dy = a.f32(0, "geluTanhGrad"), x = a.f32(1, "geluTanhGrad"), dx = a.f32(2, "geluTanhGrad");
  if (!a.fits(dy, (int64_t)x.length, "geluTanhGrad dy") || !a.fits(dx, (int64_t)x.length, "geluTanhGrad dx")) return nullptr;
  ll::geluTanhGrad(dy.data, x.data, dx.data, (long)x.length);
  return nullptr;
}
// layerNorm(x, g, b, y, R, D, eps)
napi_value LayerNorm(napi_env env, napi_callback_info info) {
  Args a(env, info, 7, "layerNorm");
  F32 x = a.f32(0, "layerNorm"), g = a.f32(1, "layerNorm"), b = a.f32(2, "layerNorm"), y = a.f32(3, "layerNorm");
  const int64_t R = a.i64(4), D = a.i64(5);
  const double eps = a.f64(6);
  if (!a.ok || R <= 0 || D <= 0) return nullptr;
  if (!a.fits(x, R * D, "layerNorm x") || !a.fits(y, R * D, "layerNorm y") || !a.fits(g, D, "layerNorm g") ||
      !a.fits(b, D, "layerNorm b"))
    return nullptr;
  ll::layerNorm(x.data, g.data, b.data, y.data, (long)R, (long)D, (float)eps);
  return nullptr;
}
// layerNormGrad(dy, x, g, dx, dg, db, R, D, eps)
napi_value LayerNormGrad(napi_env env, napi_callback_info info) {
  Args a(env, info, 9, "layerNormGrad");
  F32 dy = a.f32(0, "layerNormGrad"), x = a.f32(1, "layerNormGrad"), g = a.f32(2, "layerNormGrad");
  F32 dx = a.f32(3, "layerNormGrad"), dg = a.f32(4, "layerNormGrad"), db = a.f32(5, "layerNormGrad");
  const int64_t R = a.i64(6), D = a.i64(7);
  const double eps = a.f64(8);
  if (!a.ok || R <= 0 || D <= 0) return nullptr;
  if (!a.fits(dy, R * D, "layerNormGrad dy") || !a.fits(x, R * D, "layerNormGrad x") || !a.fits(dx, R * D, "layerNormGrad dx") ||
      !a.fits(g, D, "layerNormGrad g") || !a.fits(dg, D, "layerNormGrad dg") || !a.fits(db, D, "layerNormGrad db"))
    return nullptr;
  ll::layerNormGrad(dy.data, x.data, g.data, dx.data, dg.data, db.data, (long)R, (long)D, (float)eps);
  return nullptr;
}
// sum(x, R, C, y, mode): mode 0 reduces the leading R (y[C]), 1 the trailing C (y[R])
napi_value Sum(napi_env env, napi_callback_info info) {
  Args a(env, info, 5, "sum");
  F32 x = a.f32(0, "sum"), y = a.f32(3, "sum");
  const int64_t R = a.i64(1), C = a.i64(2), mode = a.i64(4);
  if (!a.ok || R <= 0 || C <= 0) return nullptr;
  if (!a.fits(x, R * C, "sum x") || !a.fits(y, mode == 0 ? C : R, "sum y")) return nullptr;
  if (mode == 0) ll::sumLeading(x.data, (long)R, (long)C, y.data);
  else ll::sumTrailing(x.data, (long)R, (long)C, y.data);
  return nullptr;
}
// adam(x, g, m, v, out, lr, beta1, beta2, eps, 1/biasCorrection1, 1/biasCorrection2, weightDecay)
napi_value Adam(napi_env env, napi_callback_info info) {
  Args a(env, info, 12, "adam");
  F32 x = a.f32(0, "adam"), g = a.f32(1, "adam"), m = a.f32(2, "adam"), v = a.f32(3, "adam"), out = a.f32(4, "adam");
  const int64_t n = (int64_t)x.length;
  if (!a.fits(g, n, "adam g") || !a.fits(m, n, "adam m") || !a.fits(v, n, "adam v") || !a.fits(out, n, "adam out"))
    return nullptr;
  ll::adam(x.data, g.data, m.data, v.data, out.data, (long)n, (float)a.f64(5), (float)a.f64(6), (float)a.f64(7),
           (float)a.f64(8), (float)a.f64(9), (float)a.f64(10), (float)a.f64(11));
  return nullptr;
}

napi_value Init(napi_env env, napi_value exports) {
  defineFunctions(env, exports, {
    {"loadBlas", LoadBlas},
    {"useBuiltinGemm", UseBuiltinGemm},
    {"setThreads", SetThreads},
    {"selectKernels", SelectKernels},
    {"info", Info},
    {"gemm", Gemm},
    {"unary", Unary},
    {"geluTanhGrad", GeluTanhGrad},
    {"layerNorm", LayerNorm},
    {"layerNormGrad", LayerNormGrad},
    {"sum", Sum},
    {"adam", Adam},
  });
  ll_napi::defineFusedFunctions(env, exports);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
