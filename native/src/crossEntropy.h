// Weighted cross-entropy (crossEntropy.cc): logits x [N, V], targets t [N, V]
// (one-hot or soft), row weights w [N].
#pragma once

namespace ll {

float crossEntropy(const float* x, const float* t, const float* w, long N, long V);
// dx [N, V] = d(g · crossEntropy)/dx
void crossEntropyGrad(float g, const float* x, const float* t, const float* w, float* dx, long N, long V);

}  // namespace ll
