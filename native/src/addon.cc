// N-API surface of latent-lab-native. Every buffer argument is a Float32Array
// (a JS array or a view of the tfjs wasm heap, so no copy is made); every
// function checks that the sizes it was given fit the arrays before touching
// memory, and throws a RangeError/TypeError otherwise.
#include <node_api.h>
#include <stdint.h>
#include <stdio.h>

#include "attention.h"
#include "blas.h"
#include "crossEntropy.h"
#include "dispatch.h"
#include "lora.h"
#include "pool.h"

namespace {

struct F32 {
  float* data = nullptr;
  size_t length = 0;
};

struct Args {
  napi_env env;
  size_t argc = 16;
  napi_value argv[16];
  bool ok = true;

  Args(napi_env e, napi_callback_info info, size_t needed, const char* name) : env(e) {
    if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc < needed) fail(name, "too few arguments");
  }
  void fail(const char* name, const char* what) {
    if (!ok) return;
    ok = false;
    char msg[160];
    snprintf(msg, sizeof msg, "latent-lab-native %s: %s", name, what);
    napi_throw_type_error(env, nullptr, msg);
  }
  F32 f32(size_t i, const char* name) {
    F32 out;
    napi_typedarray_type type;
    void* data;
    napi_value buffer;
    size_t offset;
    if (!ok) return out;
    if (napi_get_typedarray_info(env, argv[i], &type, &out.length, &data, &buffer, &offset) != napi_ok ||
        type != napi_float32_array) {
      fail(name, "expected a Float32Array");
      return out;
    }
    out.data = (float*)data;
    return out;
  }
  bool isNull(size_t i) { napi_valuetype t = napi_undefined; if (ok) napi_typeof(env, argv[i], &t); return t == napi_null; }
  int64_t i64(size_t i) { int64_t v = 0; if (ok) napi_get_value_int64(env, argv[i], &v); return v; }
  double f64(size_t i) { double v = 0; if (ok) napi_get_value_double(env, argv[i], &v); return v; }
  bool flag(size_t i) { bool v = false; if (ok) napi_get_value_bool(env, argv[i], &v); return v; }
  void string(size_t i, char* buf, size_t size) { size_t n; if (ok) napi_get_value_string_utf8(env, argv[i], buf, size, &n); }
  bool fits(const F32& a, int64_t need, const char* name) {
    if (ok && (need < 0 || (uint64_t)need > a.length)) {
      ok = false;
      char msg[160];
      snprintf(msg, sizeof msg, "latent-lab-native %s: array too small", name);
      napi_throw_range_error(env, nullptr, msg);
    }
    return ok;
  }
};

napi_value boolean(napi_env env, bool b) { napi_value v; napi_get_boolean(env, b, &v); return v; }
napi_value string(napi_env env, const char* s) { napi_value v; napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &v); return v; }
napi_value number(napi_env env, double d) { napi_value v; napi_create_double(env, d, &v); return v; }

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

// Attention shape from args i..: B, heads, Tq, Tk, dh[, scale] (maskBatched is set by the caller).
bool attnShape(Args& a, size_t i, ll::AttnShape* s, const char* name, bool withScale) {
  *s = ll::AttnShape{a.i64(i), a.i64(i + 1), a.i64(i + 2), a.i64(i + 3), 0, a.i64(i + 4), withScale ? (float)a.f64(i + 5) : 1.f, false};
  s->d = s->heads * s->dh;
  if (a.ok && (s->B <= 0 || s->heads <= 0 || s->Tq <= 0 || s->Tk <= 0 || s->dh <= 0 || s->Tq > 1 << 20 || s->Tk > 1 << 20 ||
               s->d > 1 << 20)) a.fail(name, "bad attention shape");
  return a.ok;
}
// attnProbs(q, k, mask | null, probs, B, heads, Tq, Tk, dh, scale, maskBatched)
napi_value AttnProbs(napi_env env, napi_callback_info info) {
  Args a(env, info, 11, "attnProbs");
  ll::AttnShape s;
  F32 q = a.f32(0, "attnProbs"), k = a.f32(1, "attnProbs"), probs = a.f32(3, "attnProbs"), mask;
  const bool hasMask = !a.isNull(2);
  if (hasMask) mask = a.f32(2, "attnProbs");
  if (!attnShape(a, 4, &s, "attnProbs", true)) return nullptr;
  s.maskBatched = a.flag(10);
  const int64_t P = s.B * s.heads * s.Tq * s.Tk;
  if (!a.fits(q, s.B * s.Tq * s.d, "attnProbs q") || !a.fits(k, s.B * s.Tk * s.d, "attnProbs k") || !a.fits(probs, P, "attnProbs probs") ||
      (hasMask && !a.fits(mask, (s.maskBatched ? s.B : 1) * s.Tq * s.Tk, "attnProbs mask")))
    return nullptr;
  ll::attnProbs(s, q.data, k.data, hasMask ? mask.data : nullptr, probs.data);
  return nullptr;
}
// attnProbsGrad(dprobs, probs, q, k, dq, dk, B, heads, Tq, Tk, dh, scale)
napi_value AttnProbsGrad(napi_env env, napi_callback_info info) {
  Args a(env, info, 12, "attnProbsGrad");
  ll::AttnShape s;
  F32 dp = a.f32(0, "attnProbsGrad"), p = a.f32(1, "attnProbsGrad"), q = a.f32(2, "attnProbsGrad"), k = a.f32(3, "attnProbsGrad");
  F32 dq = a.f32(4, "attnProbsGrad"), dk = a.f32(5, "attnProbsGrad");
  if (!attnShape(a, 6, &s, "attnProbsGrad", true)) return nullptr;
  const int64_t P = s.B * s.heads * s.Tq * s.Tk, nq = s.B * s.Tq * s.d, nk = s.B * s.Tk * s.d;
  if (!a.fits(dp, P, "attnProbsGrad dprobs") || !a.fits(p, P, "attnProbsGrad probs") || !a.fits(q, nq, "attnProbsGrad q") ||
      !a.fits(dq, nq, "attnProbsGrad dq") || !a.fits(k, nk, "attnProbsGrad k") || !a.fits(dk, nk, "attnProbsGrad dk"))
    return nullptr;
  ll::attnProbsGrad(s, dp.data, p.data, q.data, k.data, dq.data, dk.data);
  return nullptr;
}
// attnContext(probs, v, ctx, B, heads, Tq, Tk, dh) and attnContextGrad(dctx, probs, v, dprobs, dv, B, heads, Tq, Tk, dh)
napi_value AttnContext(napi_env env, napi_callback_info info) {
  Args a(env, info, 8, "attnContext");
  ll::AttnShape s;
  F32 p = a.f32(0, "attnContext"), v = a.f32(1, "attnContext"), ctx = a.f32(2, "attnContext");
  if (!attnShape(a, 3, &s, "attnContext", false)) return nullptr;
  if (!a.fits(p, s.B * s.heads * s.Tq * s.Tk, "attnContext probs") || !a.fits(v, s.B * s.Tk * s.d, "attnContext v") ||
      !a.fits(ctx, s.B * s.Tq * s.d, "attnContext ctx"))
    return nullptr;
  ll::attnContext(s, p.data, v.data, ctx.data);
  return nullptr;
}
napi_value AttnContextGrad(napi_env env, napi_callback_info info) {
  Args a(env, info, 10, "attnContextGrad");
  ll::AttnShape s;
  F32 dctx = a.f32(0, "attnContextGrad"), p = a.f32(1, "attnContextGrad"), v = a.f32(2, "attnContextGrad");
  F32 dp = a.f32(3, "attnContextGrad"), dv = a.f32(4, "attnContextGrad");
  if (!attnShape(a, 5, &s, "attnContextGrad", false)) return nullptr;
  const int64_t P = s.B * s.heads * s.Tq * s.Tk;
  if (!a.fits(dctx, s.B * s.Tq * s.d, "attnContextGrad dctx") || !a.fits(p, P, "attnContextGrad probs") ||
      !a.fits(dp, P, "attnContextGrad dprobs") || !a.fits(v, s.B * s.Tk * s.d, "attnContextGrad v") ||
      !a.fits(dv, s.B * s.Tk * s.d, "attnContextGrad dv"))
    return nullptr;
  ll::attnContextGrad(s, dctx.data, p.data, v.data, dp.data, dv.data);
  return nullptr;
}
// crossEntropy(x, t, w, N, V) -> loss;  crossEntropyGrad(g, x, t, w, dx, N, V)
napi_value CrossEntropy(napi_env env, napi_callback_info info) {
  Args a(env, info, 5, "crossEntropy");
  F32 x = a.f32(0, "crossEntropy"), t = a.f32(1, "crossEntropy"), w = a.f32(2, "crossEntropy");
  const int64_t N = a.i64(3), V = a.i64(4);
  if (!a.ok || N <= 0 || V <= 0) return nullptr;
  if (!a.fits(x, N * V, "crossEntropy x") || !a.fits(t, N * V, "crossEntropy t") || !a.fits(w, N, "crossEntropy w")) return nullptr;
  return number(env, ll::crossEntropy(x.data, t.data, w.data, (long)N, (long)V));
}
napi_value CrossEntropyGrad(napi_env env, napi_callback_info info) {
  Args a(env, info, 7, "crossEntropyGrad");
  const double g = a.f64(0);
  F32 x = a.f32(1, "crossEntropyGrad"), t = a.f32(2, "crossEntropyGrad"), w = a.f32(3, "crossEntropyGrad"), dx = a.f32(4, "crossEntropyGrad");
  const int64_t N = a.i64(5), V = a.i64(6);
  if (!a.ok || N <= 0 || V <= 0) return nullptr;
  if (!a.fits(x, N * V, "crossEntropyGrad x") || !a.fits(t, N * V, "crossEntropyGrad t") || !a.fits(w, N, "crossEntropyGrad w") ||
      !a.fits(dx, N * V, "crossEntropyGrad dx"))
    return nullptr;
  ll::crossEntropyGrad((float)g, x.data, t.data, w.data, dx.data, (long)N, (long)V);
  return nullptr;
}

// LoRA shape from args i..: N, din, dout, r, scale.
bool loraShape(Args& a, size_t i, ll::LoraShape* s, const char* name) {
  *s = ll::LoraShape{a.i64(i), a.i64(i + 1), a.i64(i + 2), a.i64(i + 3), (float)a.f64(i + 4)};
  if (a.ok && (s->N <= 0 || s->din <= 0 || s->dout <= 0 || s->r <= 0 || s->N > 1 << 30 || s->din > 1 << 20 ||
               s->dout > 1 << 20 || s->r > 1 << 20)) a.fail(name, "bad LoRA shape");
  return a.ok;
}
// loraForward(x, w, a, b, bias | null, y, u, N, din, dout, r, scale)
napi_value LoraForward(napi_env env, napi_callback_info info) {
  Args a(env, info, 12, "loraForward");
  ll::LoraShape s;
  F32 x = a.f32(0, "loraForward"), w = a.f32(1, "loraForward"), A = a.f32(2, "loraForward"), B = a.f32(3, "loraForward"), bias;
  const bool hasBias = !a.isNull(4);
  if (hasBias) bias = a.f32(4, "loraForward");
  F32 y = a.f32(5, "loraForward"), u = a.f32(6, "loraForward");
  if (!loraShape(a, 7, &s, "loraForward")) return nullptr;
  if (!a.fits(x, s.N * s.din, "loraForward x") || !a.fits(w, s.din * s.dout, "loraForward w") || !a.fits(A, s.din * s.r, "loraForward a") ||
      !a.fits(B, s.r * s.dout, "loraForward b") || (hasBias && !a.fits(bias, s.dout, "loraForward bias")) ||
      !a.fits(y, s.N * s.dout, "loraForward y") || !a.fits(u, s.N * s.r, "loraForward u"))
    return nullptr;
  ll::loraForward(s, x.data, w.data, A.data, B.data, hasBias ? bias.data : nullptr, y.data, u.data);
  return nullptr;
}
// loraBackward(dy, x, w, a, b, u, dx, da, db, N, din, dout, r, scale)
napi_value LoraBackward(napi_env env, napi_callback_info info) {
  Args a(env, info, 14, "loraBackward");
  ll::LoraShape s;
  F32 dy = a.f32(0, "loraBackward"), x = a.f32(1, "loraBackward"), w = a.f32(2, "loraBackward"), A = a.f32(3, "loraBackward");
  F32 B = a.f32(4, "loraBackward"), u = a.f32(5, "loraBackward"), dx = a.f32(6, "loraBackward"), dA = a.f32(7, "loraBackward");
  F32 dB = a.f32(8, "loraBackward");
  if (!loraShape(a, 9, &s, "loraBackward")) return nullptr;
  if (!a.fits(dy, s.N * s.dout, "loraBackward dy") || !a.fits(x, s.N * s.din, "loraBackward x") || !a.fits(w, s.din * s.dout, "loraBackward w") ||
      !a.fits(A, s.din * s.r, "loraBackward a") || !a.fits(B, s.r * s.dout, "loraBackward b") || !a.fits(u, s.N * s.r, "loraBackward u") ||
      !a.fits(dx, s.N * s.din, "loraBackward dx") || !a.fits(dA, s.din * s.r, "loraBackward da") || !a.fits(dB, s.r * s.dout, "loraBackward db"))
    return nullptr;
  ll::loraBackward(s, dy.data, x.data, w.data, A.data, B.data, u.data, dx.data, dA.data, dB.data);
  return nullptr;
}

napi_value Init(napi_env env, napi_value exports) {
  const napi_property_descriptor fns[] = {
    {"loadBlas", nullptr, LoadBlas, nullptr, nullptr, nullptr, napi_default, nullptr},
    {"useBuiltinGemm", nullptr, UseBuiltinGemm, nullptr, nullptr, nullptr, napi_default, nullptr},
    {"setThreads", nullptr, SetThreads, nullptr, nullptr, nullptr, napi_default, nullptr},
    {"selectKernels", nullptr, SelectKernels, nullptr, nullptr, nullptr, napi_default, nullptr},
    {"info", nullptr, Info, nullptr, nullptr, nullptr, napi_default, nullptr},
    {"gemm", nullptr, Gemm, nullptr, nullptr, nullptr, napi_default, nullptr},
    {"unary", nullptr, Unary, nullptr, nullptr, nullptr, napi_default, nullptr},
    {"geluTanhGrad", nullptr, GeluTanhGrad, nullptr, nullptr, nullptr, napi_default, nullptr},
    {"layerNorm", nullptr, LayerNorm, nullptr, nullptr, nullptr, napi_default, nullptr},
    {"layerNormGrad", nullptr, LayerNormGrad, nullptr, nullptr, nullptr, napi_default, nullptr},
    {"sum", nullptr, Sum, nullptr, nullptr, nullptr, napi_default, nullptr},
    {"adam", nullptr, Adam, nullptr, nullptr, nullptr, napi_default, nullptr},
    {"attnProbs", nullptr, AttnProbs, nullptr, nullptr, nullptr, napi_default, nullptr},
    {"attnProbsGrad", nullptr, AttnProbsGrad, nullptr, nullptr, nullptr, napi_default, nullptr},
    {"attnContext", nullptr, AttnContext, nullptr, nullptr, nullptr, napi_default, nullptr},
    {"attnContextGrad", nullptr, AttnContextGrad, nullptr, nullptr, nullptr, napi_default, nullptr},
    {"crossEntropy", nullptr, CrossEntropy, nullptr, nullptr, nullptr, napi_default, nullptr},
    {"crossEntropyGrad", nullptr, CrossEntropyGrad, nullptr, nullptr, nullptr, napi_default, nullptr},
    {"loraForward", nullptr, LoraForward, nullptr, nullptr, nullptr, napi_default, nullptr},
    {"loraBackward", nullptr, LoraBackward, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof fns / sizeof fns[0], fns);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
