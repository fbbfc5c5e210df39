// Weighted cross-entropy over the rows that carry a weight (the answer
// positions), one call each way; rows of weight 0 cost nothing but the zero
// fill of their gradient. Plain scalar code: there are a few hundred such rows.
//   loss = −Σ_r w_r Σ_v t_rv (x_rv − lse_r) / max(Σ_r w_r, 1)
//   dx_rv = g · w_r / max(Σ w, 1) · (softmax(x_r)_v · Σ_v t_rv − t_rv)
#include "crossEntropy.h"

#include <math.h>
#include <string.h>

namespace ll {
namespace {

float logSumExp(const float* x, long V) {
  float m = x[0];
  for (long v = 1; v < V; v++) m = x[v] > m ? x[v] : m;
  float s = 0.f;
  for (long v = 0; v < V; v++) s += expf(x[v] - m);
  return m + logf(s);
}

float weightSum(const float* w, long N) {
  float s = 0.f;
  for (long r = 0; r < N; r++) s += w[r];
  return s > 1.f ? s : 1.f;
}

}  // namespace

float crossEntropy(const float* x, const float* t, const float* w, long N, long V) {
  float total = 0.f;
  for (long r = 0; r < N; r++) {
    if (w[r] == 0.f) continue;
    const float* xr = x + r * V;
    const float* tr = t + r * V;
    const float lse = logSumExp(xr, V);
    float picked = 0.f;
    for (long v = 0; v < V; v++) picked += (xr[v] - lse) * tr[v];
    total += picked * w[r];
  }
  return -total / weightSum(w, N);
}

void crossEntropyGrad(float g, const float* x, const float* t, const float* w, float* dx, long N, long V) {
  const float scale = g / weightSum(w, N);
  for (long r = 0; r < N; r++) {
    float* dr = dx + r * V;
    if (w[r] == 0.f) { memset(dr, 0, sizeof(float) * V); continue; }
    const float* xr = x + r * V;
    const float* tr = t + r * V;
    const float lse = logSumExp(xr, V);
    float tsum = 0.f;
    for (long v = 0; v < V; v++) tsum += tr[v];
    const float k = scale * w[r];
    for (long v = 0; v < V; v++) dr[v] = k * (expf(xr[v] - lse) * tsum - tr[v]);
  }
}

}  // namespace ll
