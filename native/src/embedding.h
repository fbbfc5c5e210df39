// Rows of a table by index (embedding.cc): the model's token, latent and position
// embeddings as a gather instead of a one-hot product, and its gradient.
#pragma once

namespace ll {

// out[i, :] = table[idx[i], :], or zeros where idx[i] < 0. table [V, d], idx [N], out [N, d].
void embedRows(const float* table, const int* idx, float* out, long N, long V, long d);
// dtable [V, d] = Σ_{i : idx[i] = v} dy[i, :] (rows in order: the same sums at any thread count).
void embedRowsGrad(const float* dy, const int* idx, float* dtable, long N, long V, long d);

}  // namespace ll
