// Attention's core as two fused operations, each one native call per direction,
// split over the B·h (example, head) pairs. q, k, v, ctx keep the model's
// [B, T, d] layout (head h = columns h·dh .. h·dh + dh − 1), so no transposes:
// the per-head products read and write them with leading dimension d.
//
//   probs = softmax(scale · q_h k_hᵀ + mask)           [B, h, Tq, Tk]
//   ctx_h = probs_h · v_h                               [B, Tq, d]
// and their gradients:
//   dS = scale · probs ∘ (dprobs − rowsum(dprobs ∘ probs)),  dq_h = dS k_h,  dk_h = dSᵀ q_h
//   dprobs_h = dctx_h v_hᵀ,  dv_h = probs_hᵀ dctx_h
//
// attend / attendGrad are the same math when nobody reads the probabilities: per head,
// each row's probabilities live in an L1 row buffer and go straight into ctx; the forward
// keeps only each row's max and 1/sum (stats), from which the backward recomputes them
// (kernels_attention_impl.h). Nothing of size B·h·Tq·Tk is written or read back.
#include "attention.h"

#include <string.h>

#include <vector>

#include "dispatch.h"

namespace ll {
namespace {

thread_local std::vector<float> t_rows;  // one head's dS [Tq, Tk], or kᵀ and a row of scores

// The head h of example b in a [B, T, d] tensor.
inline const float* head(const float* x, const AttnShape& s, long b, long h, long T) { return x + (b * T) * s.d + h * s.dh; }
inline float* head(float* x, const AttnShape& s, long b, long h, long T) { return x + (b * T) * s.d + h * s.dh; }
inline long plane(const AttnShape& s) { return s.Tq * s.Tk; }

struct ProbsArgs { AttnShape s; const float *q, *k, *mask, *dprobs, *probs; float *out, *dq, *dk; };

void probsRange(void* a, long i0, long i1) {
  const ProbsArgs& p = *(const ProbsArgs*)a;
  const AttnShape& s = p.s;
  const long need = (s.dh + 1) * (s.Tk + 64);
  if ((long)t_rows.size() < need) t_rows.resize(need);
  for (long i = i0; i < i1; i++) {
    const long b = i / s.heads, h = i % s.heads;
    const float* m = p.mask ? p.mask + (s.maskBatched ? b : 0) * plane(s) : nullptr;
    kernels()->attnScoresSoftmax(head(p.q, s, b, h, s.Tq), s.d, head(p.k, s, b, h, s.Tk), s.d, m, p.out + i * plane(s), s.Tq, s.Tk,
                                 s.dh, s.scale, t_rows.data());
  }
}

void probsGradRange(void* a, long i0, long i1) {
  const ProbsArgs& p = *(const ProbsArgs*)a;
  const AttnShape& s = p.s;
  if ((long)t_rows.size() < plane(s)) t_rows.resize(plane(s));
  float* dS = t_rows.data();
  for (long i = i0; i < i1; i++) {
    const long b = i / s.heads, h = i % s.heads;
    memcpy(dS, p.dprobs + i * plane(s), sizeof(float) * plane(s));
    kernels()->softmaxGradRows(dS, p.probs + i * plane(s), s.Tq, s.Tk, s.scale);
    gemmSerial(false, false, s.Tq, s.dh, s.Tk, dS, s.Tk, head(p.k, s, b, h, s.Tk), s.d, head(p.dq, s, b, h, s.Tq), s.d);
    gemmSerial(true, false, s.Tk, s.dh, s.Tq, dS, s.Tk, head(p.q, s, b, h, s.Tq), s.d, head(p.dk, s, b, h, s.Tk), s.d);
  }
}

struct ContextArgs { AttnShape s; const float *probs, *v, *dctx; float *ctx, *dprobs, *dv; };

void contextRange(void* a, long i0, long i1) {
  const ContextArgs& c = *(const ContextArgs*)a;
  const AttnShape& s = c.s;
  for (long i = i0; i < i1; i++) {
    const long b = i / s.heads, h = i % s.heads;
    gemmSerial(false, false, s.Tq, s.dh, s.Tk, c.probs + i * plane(s), s.Tk, head(c.v, s, b, h, s.Tk), s.d,
               head(c.ctx, s, b, h, s.Tq), s.d);
  }
}

void contextGradRange(void* a, long i0, long i1) {
  const ContextArgs& c = *(const ContextArgs*)a;
  const AttnShape& s = c.s;
  for (long i = i0; i < i1; i++) {
    const long b = i / s.heads, h = i % s.heads;
    const float* dctx = head(c.dctx, s, b, h, s.Tq);
    gemmSerial(false, true, s.Tq, s.Tk, s.dh, dctx, s.d, head(c.v, s, b, h, s.Tk), s.d, c.dprobs + i * plane(s), s.Tk);
    gemmSerial(true, false, s.Tk, s.dh, s.Tq, c.probs + i * plane(s), s.Tk, dctx, s.d, head(c.dv, s, b, h, s.Tk), s.d);
  }
}

double work(const AttnShape& s) { return 2.0 * s.B * s.heads * s.Tq * s.Tk * s.dh; }

// Per mask row: 1 + its last column above −1e8, or Tk when it has none (a fully blocked row
// stays uniform, as in tfjs). Past that column every score is ≈ −1e9 lower than the row max,
// so its exp underflows to exactly 0: skipping it changes no bit. No mask: no extents.
const float kBlocked = -1e8f;
std::vector<int> rowExtents(const AttnShape& s, const float* mask) {
  if (!mask) return {};
  const long rows = (s.maskBatched ? s.B : 1) * s.Tq;
  std::vector<int> ext(rows);
  for (long r = 0; r < rows; r++) {
    const long j = kernels()->rowExtent(mask + r * s.Tk, s.Tk, kBlocked);
    ext[r] = j == 0 ? (int)s.Tk : (int)j;
  }
  return ext;
}

struct AttendArgs {
  AttnShape s;
  const float *q, *k, *v, *mask, *dctx;
  float *ctx, *stats, *dq, *dk, *dv;
  const int* ext;
  bool backward;
};

void attendRange(void* arg, long i0, long i1) {
  const AttendArgs& a = *(const AttendArgs*)arg;
  const AttnShape& s = a.s;
  const long need = kernels()->attnHeadScratch(s.Tk, s.dh);
  if ((long)t_rows.size() < need) t_rows.resize(need);
  for (long i = i0; i < i1; i++) {
    const long b = i / s.heads, h = i % s.heads, mb = s.maskBatched ? b : 0;
    AttnHead hd{head(a.q, s, b, h, s.Tq), head(a.k, s, b, h, s.Tk), head(a.v, s, b, h, s.Tk),
                a.mask ? a.mask + mb * plane(s) : nullptr, a.dctx ? head(a.dctx, s, b, h, s.Tq) : nullptr,
                a.ctx ? head(a.ctx, s, b, h, s.Tq) : nullptr, a.dq ? head(a.dq, s, b, h, s.Tq) : nullptr,
                a.dk ? head(a.dk, s, b, h, s.Tk) : nullptr, a.dv ? head(a.dv, s, b, h, s.Tk) : nullptr,
                a.stats + i * 2 * s.Tq, s.d, s.d, s.d, s.d, s.Tq, s.Tk, s.dh, s.scale,
                a.ext ? a.ext + mb * s.Tq : nullptr, t_rows.data()};
    if (a.backward) kernels()->attnHeadBackward(hd);
    else kernels()->attnHeadForward(hd);
  }
}

}  // namespace

void attnProbs(const AttnShape& s, const float* q, const float* k, const float* mask, float* probs) {
  ProbsArgs a{s, q, k, mask, nullptr, nullptr, probs, nullptr, nullptr};
  parallelFor(s.B * s.heads, work(s), probsRange, &a);
}
void attnProbsGrad(const AttnShape& s, const float* dprobs, const float* probs, const float* q, const float* k,
                   float* dq, float* dk) {
  ProbsArgs a{s, q, k, nullptr, dprobs, probs, nullptr, dq, dk};
  parallelFor(s.B * s.heads, 2 * work(s), probsGradRange, &a);
}
void attnContext(const AttnShape& s, const float* probs, const float* v, float* ctx) {
  ContextArgs a{s, probs, v, nullptr, ctx, nullptr, nullptr};
  parallelFor(s.B * s.heads, work(s), contextRange, &a);
}
void attnContextGrad(const AttnShape& s, const float* dctx, const float* probs, const float* v, float* dprobs,
                     float* dv) {
  ContextArgs a{s, probs, v, dctx, nullptr, dprobs, dv};
  parallelFor(s.B * s.heads, 2 * work(s), contextGradRange, &a);
}

void attend(const AttnShape& s, const float* q, const float* k, const float* v, const float* mask, float* ctx,
            float* stats) {
  const std::vector<int> ext = rowExtents(s, mask);
  AttendArgs a{s, q, k, v, mask, nullptr, ctx, stats, nullptr, nullptr, nullptr, ext.empty() ? nullptr : ext.data(), false};
  parallelFor(s.B * s.heads, 2 * work(s), attendRange, &a);
}
void attendGrad(const AttnShape& s, const float* dctx, const float* q, const float* k, const float* v, const float* mask,
                const float* stats, float* dq, float* dk, float* dv) {
  const std::vector<int> ext = rowExtents(s, mask);
  AttendArgs a{s, q, k, v, mask, dctx, nullptr, (float*)stats, dq, dk, dv, ext.empty() ? nullptr : ext.data(), true};
  parallelFor(s.B * s.heads, 4 * work(s), attendRange, &a);
}

}  // namespace ll
