// Baseline variant: whatever the compiler's default x86-64 target is (SSE2),
// or the platform default elsewhere. Always present; the run-time fallback.
#include "kernels.h"

#define LL_NS generic
#define LL_NAME "generic"
#define LL_VEC_BYTES 16
#define LL_MR 4
#include "kernels_impl.h"

namespace ll {
const KernelTable* genericKernels() { return &generic::kTable; }
}  // namespace ll
