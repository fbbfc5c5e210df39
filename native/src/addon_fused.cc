// N-API surface of the fused kernels: attention (attention.cc), the weighted
// cross-entropy (crossEntropy.cc), the LoRA linear (lora.cc) and embedding rows
// (embedding.cc). Same rules as
// addon.cc: Float32Array arguments, sizes checked before any memory is touched.
#include "addon_fused.h"

#include "attention.h"
#include "crossEntropy.h"
#include "embedding.h"
#include "lora.h"
#include "napi_args.h"

namespace ll_napi {
namespace {

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
// attend(q, k, v, mask | null, ctx, stats, B, heads, Tq, Tk, dh, scale, maskBatched)
napi_value Attend(napi_env env, napi_callback_info info) {
  Args a(env, info, 13, "attend");
  ll::AttnShape s;
  F32 q = a.f32(0, "attend"), k = a.f32(1, "attend"), v = a.f32(2, "attend"), mask;
  const bool hasMask = !a.isNull(3);
  if (hasMask) mask = a.f32(3, "attend");
  F32 ctx = a.f32(4, "attend"), stats = a.f32(5, "attend");
  if (!attnShape(a, 6, &s, "attend", true)) return nullptr;
  s.maskBatched = a.flag(12);
  const int64_t nq = s.B * s.Tq * s.d, nk = s.B * s.Tk * s.d;
  if (!a.fits(q, nq, "attend q") || !a.fits(k, nk, "attend k") || !a.fits(v, nk, "attend v") || !a.fits(ctx, nq, "attend ctx") ||
      !a.fits(stats, s.B * s.heads * s.Tq * 2, "attend stats") ||
      (hasMask && !a.fits(mask, (s.maskBatched ? s.B : 1) * s.Tq * s.Tk, "attend mask")))
    return nullptr;
  ll::attend(s, q.data, k.data, v.data, hasMask ? mask.data : nullptr, ctx.data, stats.data);
  return nullptr;
}
// attendGrad(dctx, q, k, v, mask | null, stats, dq, dk, dv, B, heads, Tq, Tk, dh, scale, maskBatched)
napi_value AttendGrad(napi_env env, napi_callback_info info) {
  Args a(env, info, 16, "attendGrad");
  ll::AttnShape s;
  F32 dctx = a.f32(0, "attendGrad"), q = a.f32(1, "attendGrad"), k = a.f32(2, "attendGrad"), v = a.f32(3, "attendGrad"), mask;
  const bool hasMask = !a.isNull(4);
  if (hasMask) mask = a.f32(4, "attendGrad");
  F32 stats = a.f32(5, "attendGrad"), dq = a.f32(6, "attendGrad"), dk = a.f32(7, "attendGrad"), dv = a.f32(8, "attendGrad");
  if (!attnShape(a, 9, &s, "attendGrad", true)) return nullptr;
  s.maskBatched = a.flag(15);
  const int64_t nq = s.B * s.Tq * s.d, nk = s.B * s.Tk * s.d;
  if (!a.fits(dctx, nq, "attendGrad dctx") || !a.fits(q, nq, "attendGrad q") || !a.fits(k, nk, "attendGrad k") ||
      !a.fits(v, nk, "attendGrad v") || !a.fits(stats, s.B * s.heads * s.Tq * 2, "attendGrad stats") ||
      !a.fits(dq, nq, "attendGrad dq") || !a.fits(dk, nk, "attendGrad dk") || !a.fits(dv, nk, "attendGrad dv") ||
      (hasMask && !a.fits(mask, (s.maskBatched ? s.B : 1) * s.Tq * s.Tk, "attendGrad mask")))
    return nullptr;
  ll::attendGrad(s, dctx.data, q.data, k.data, v.data, hasMask ? mask.data : nullptr, stats.data, dq.data, dk.data, dv.data);
  return nullptr;
}
// embedRows(table, idx, out, N, V, d) and embedRowsGrad(dy, idx, dtable, N, V, d): the same
// arguments, read the other way round (forward table [V, d] -> out [N, d]; backward dy [N, d] ->
// dtable [V, d]); idx: Int32Array, every entry < V
static napi_value EmbedRowsCall(napi_env env, napi_callback_info info, bool grad) {
  const char* name = grad ? "embedRowsGrad" : "embedRows";
  Args a(env, info, 6, name);
  size_t n = 0;
  F32 in = a.f32(0, name), out = a.f32(2, name);
  int32_t* idx = a.i32(1, name, &n);
  const int64_t N = a.i64(3), V = a.i64(4), d = a.i64(5);
  if (!a.ok || N <= 0 || V <= 0 || d <= 0 || (int64_t)n < N) { a.fail(name, "bad shape"); return nullptr; }
  if (!a.fits(in, (grad ? N : V) * d, grad ? "embedRowsGrad dy" : "embedRows table") ||
      !a.fits(out, (grad ? V : N) * d, grad ? "embedRowsGrad dtable" : "embedRows out")) return nullptr;
  for (int64_t i = 0; i < N; i++) if (idx[i] >= V) { a.fail(name, "index past the table"); return nullptr; }
  if (grad) ll::embedRowsGrad(in.data, idx, out.data, (long)N, (long)V, (long)d);
  else ll::embedRows(in.data, idx, out.data, (long)N, (long)V, (long)d);
  return nullptr;
}
napi_value EmbedRows(napi_env env, napi_callback_info info) { return EmbedRowsCall(env, info, false); }
napi_value EmbedRowsGrad(napi_env env, napi_callback_info info) { return EmbedRowsCall(env, info, true); }
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
// loraForward(x, w, a, b, bias | null, res | null, y, u, pre | null, N, din, dout, r, scale)
napi_value LoraForward(napi_env env, napi_callback_info info) {
  Args a(env, info, 14, "loraForward");
  ll::LoraShape s;
  F32 x = a.f32(0, "loraForward"), w = a.f32(1, "loraForward"), A = a.f32(2, "loraForward"), B = a.f32(3, "loraForward"), bias, res, pre;
  const bool hasBias = !a.isNull(4), hasRes = !a.isNull(5), hasPre = !a.isNull(8);
  if (hasBias) bias = a.f32(4, "loraForward");
  if (hasRes) res = a.f32(5, "loraForward");
  if (hasPre) pre = a.f32(8, "loraForward");
  F32 y = a.f32(6, "loraForward"), u = a.f32(7, "loraForward");
  if (!loraShape(a, 9, &s, "loraForward")) return nullptr;
  if (!a.fits(x, s.N * s.din, "loraForward x") || !a.fits(w, s.din * s.dout, "loraForward w") || !a.fits(A, s.din * s.r, "loraForward a") ||
      !a.fits(B, s.r * s.dout, "loraForward b") || (hasBias && !a.fits(bias, s.dout, "loraForward bias")) ||
      (hasRes && !a.fits(res, s.N * s.dout, "loraForward res")) || (hasPre && !a.fits(pre, s.N * s.dout, "loraForward pre")) ||
      !a.fits(y, s.N * s.dout, "loraForward y") || !a.fits(u, s.N * s.r, "loraForward u"))
    return nullptr;
  ll::loraForward(s, x.data, w.data, A.data, B.data, hasBias ? bias.data : nullptr, hasRes ? res.data : nullptr,
                  hasPre ? pre.data : nullptr, y.data, u.data);
  return nullptr;
}
// loraBackward(dy, x, w, a, b, u, pre | null, dx, da, db, N, din, dout, r, scale)
napi_value LoraBackward(napi_env env, napi_callback_info info) {
  Args a(env, info, 15, "loraBackward");
  ll::LoraShape s;
  F32 dy = a.f32(0, "loraBackward"), x = a.f32(1, "loraBackward"), w = a.f32(2, "loraBackward"), A = a.f32(3, "loraBackward");
  F32 B = a.f32(4, "loraBackward"), u = a.f32(5, "loraBackward"), pre, dx = a.f32(7, "loraBackward"), dA = a.f32(8, "loraBackward");
  F32 dB = a.f32(9, "loraBackward");
  const bool hasPre = !a.isNull(6);
  if (hasPre) pre = a.f32(6, "loraBackward");
  if (!loraShape(a, 10, &s, "loraBackward")) return nullptr;
  if (!a.fits(dy, s.N * s.dout, "loraBackward dy") || !a.fits(x, s.N * s.din, "loraBackward x") || !a.fits(w, s.din * s.dout, "loraBackward w") ||
      !a.fits(A, s.din * s.r, "loraBackward a") || !a.fits(B, s.r * s.dout, "loraBackward b") || !a.fits(u, s.N * s.r, "loraBackward u") ||
      (hasPre && !a.fits(pre, s.N * s.dout, "loraBackward pre")) || !a.fits(dx, s.N * s.din, "loraBackward dx") ||
      !a.fits(dA, s.din * s.r, "loraBackward da") || !a.fits(dB, s.r * s.dout, "loraBackward db"))
    return nullptr;
  ll::loraBackward(s, dy.data, x.data, w.data, A.data, B.data, u.data, hasPre ? pre.data : nullptr, dx.data, dA.data, dB.data);
  return nullptr;
}

}  // namespace

void defineFusedFunctions(napi_env env, napi_value exports) {
  defineFunctions(env, exports, {
    {"attnProbs", AttnProbs},
    {"attnProbsGrad", AttnProbsGrad},
    {"attnContext", AttnContext},
    {"attnContextGrad", AttnContextGrad},
    {"attend", Attend},
    {"attendGrad", AttendGrad},
    {"embedRows", EmbedRows},
    {"embedRowsGrad", EmbedRowsGrad},
    {"crossEntropy", CrossEntropy},
    {"crossEntropyGrad", CrossEntropyGrad},
    {"loraForward", LoraForward},
    {"loraBackward", LoraBackward},
  });
}

}  // namespace ll_napi
