// OpenBLAS (or any CBLAS) found at run time with dlopen: nothing BLAS-related
// is needed at build time, and a machine without it still loads the addon.
#pragma once

namespace ll {

bool blasLoad(const char* path);  // true when path opens and exports cblas_sgemm
bool blasLoaded();
const char* blasPath();           // "" when none
const char* blasConfig();         // openblas_get_config(), "" when unknown
// Row-major C[M, N] = op(A) op(B), lda/ldb/ldc as CBLAS.
void blasSgemm(int ta, int tb, int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C, int ldc);

}  // namespace ll
