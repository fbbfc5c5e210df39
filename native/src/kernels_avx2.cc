// AVX2 + FMA variant. Only this file is compiled for AVX2 (pragma below, no
// -march anywhere), and dispatch.cc calls it only after
// __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma").
#include "kernels.h"

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#define LL_NS avx2
#define LL_NAME "avx2"
#define LL_VEC_BYTES 32
#define LL_MR 6
#include "kernels_impl.h"
#pragma GCC pop_options
namespace ll {
const KernelTable* avx2Kernels() { return &avx2::kTable; }
}  // namespace ll
#else
namespace ll {
const KernelTable* avx2Kernels() { return nullptr; }
}  // namespace ll
#endif
