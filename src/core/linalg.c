#include "linalg.h"

#include <cblas.h>
#include <lapacke.h>
#include <string.h>

#include "status.h"

int la_chol(double *A, int n, int lda) {
  return LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'U', n, A, lda) == 0 ? HPO_OK : HPO_EINVAL;
}

int la_chol_solve(const double *L, int n, int lda, double *b) {
  return LAPACKE_dpotrs_work(LAPACK_COL_MAJOR, 'U', n, 1, L, lda, b, n > 0 ? n : 1) == 0
             ? HPO_OK
             : HPO_EINVAL;
}

int la_chol_inverse(double *L, int n, int lda) {
  return LAPACKE_dpotri_work(LAPACK_COL_MAJOR, 'U', n, L, lda) == 0 ? HPO_OK : HPO_EINVAL;
}

int la_tri_inverse(double *L, int n, int lda) {
  return LAPACKE_dtrtri_work(LAPACK_COL_MAJOR, 'U', 'N', n, L, lda) == 0 ? HPO_OK : HPO_EINVAL;
}

const char *la_blas_coretype_fix(void) {
#if defined(__x86_64__) && defined(__GNUC__)
  const char *core = openblas_get_corename();
  if (!core || strcmp(core, "Prescott") != 0) return NULL;
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
      __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl"))
    return "SkylakeX";
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return "Haswell";
#endif
  return NULL;
}
