// Embedding rows as a gather, and the gradient as a scatter-add into the table's rows.
// Both are memory copies and adds (N·d floats); the one-hot product they replace costs
// N·V·d multiply-adds, and its input, a [N, V] one-hot, has to be built first.
#include "embedding.h"

#include <string.h>

#include "dispatch.h"

namespace ll {
namespace {

struct RowsArgs { const float* table; const int* idx; float* out; long d; };

void gatherRange(void* arg, long i0, long i1) {
  const RowsArgs& a = *(const RowsArgs*)arg;
  for (long i = i0; i < i1; i++) {
    if (a.idx[i] >= 0) memcpy(a.out + i * a.d, a.table + (long)a.idx[i] * a.d, sizeof(float) * a.d);
    else memset(a.out + i * a.d, 0, sizeof(float) * a.d);
  }
}

}  // namespace

void embedRows(const float* table, const int* idx, float* out, long N, long V, long d) {
  (void)V;
  RowsArgs a{table, idx, out, d};
  parallelFor(N, (double)N * d, gatherRange, &a);
}

void embedRowsGrad(const float* dy, const int* idx, float* dtable, long N, long V, long d) {
  memset(dtable, 0, sizeof(float) * V * d);
  for (long i = 0; i < N; i++) {
    if (idx[i] < 0) continue;
    float* row = dtable + (long)idx[i] * d;
    const float* g = dy + i * d;
    for (long c = 0; c < d; c++) row[c] += g[c];
  }
}

}  // namespace ll
