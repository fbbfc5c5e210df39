#include "blas.h"

#include <dlfcn.h>
#include <string.h>

namespace ll {
namespace {
enum { kRowMajor = 101, kNoTrans = 111, kTrans = 112 };
typedef void (*SgemmFn)(int order, int ta, int tb, int M, int N, int K, float alpha, const float* A, int lda,
                        const float* B, int ldb, float beta, float* C, int ldc);
typedef void (*SetThreadsFn)(int);
typedef char* (*GetConfigFn)(void);

SgemmFn g_sgemm = nullptr;
GetConfigFn g_getConfig = nullptr;
char g_path[512] = {0};
}  // namespace

bool blasLoad(const char* path) {
  void* lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!lib) return false;
  SgemmFn sgemm = (SgemmFn)dlsym(lib, "cblas_sgemm");
  if (!sgemm) { dlclose(lib); return false; }
  g_sgemm = sgemm;
  g_getConfig = (GetConfigFn)dlsym(lib, "openblas_get_config");
  // The addon splits work over its own threads; OpenBLAS's threading is slow
  // on the small batched attention shapes, so keep it single-threaded.
  if (SetThreadsFn setThreads = (SetThreadsFn)dlsym(lib, "openblas_set_num_threads")) setThreads(1);
  strncpy(g_path, path, sizeof(g_path) - 1);
  return true;
}
bool blasLoaded() { return g_sgemm != nullptr; }
const char* blasPath() { return g_path; }
const char* blasConfig() { return g_getConfig ? g_getConfig() : ""; }

void blasSgemm(int ta, int tb, int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C, int ldc) {
  g_sgemm(kRowMajor, ta ? kTrans : kNoTrans, tb ? kTrans : kNoTrans, M, N, K, 1.0f, A, lda, B, ldb, 0.0f, C, ldc);
}

}  // namespace ll
