// AVX-512F variant (zmm registers), chosen only after
// __builtin_cpu_supports("avx512f"). Compiled for AVX-512 by the pragma below.
#include "kernels.h"

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#pragma GCC push_options
#pragma GCC target("avx512f,avx2,fma")
#define LL_NS avx512
#define LL_NAME "avx512"
#define LL_VEC_BYTES 64
#define LL_MR 8
#include "kernels_impl.h"
#pragma GCC pop_options
namespace ll {
const KernelTable* avx512Kernels() { return &avx512::kTable; }
}  // namespace ll
#else
namespace ll {
const KernelTable* avx512Kernels() { return nullptr; }
}  // namespace ll
#endif
