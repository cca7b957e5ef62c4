#include "linalg.h"

#include <lapacke.h>

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
