/// Cholesky factor, solve and inverse of symmetric positive definite matrices stored
/// row-major with the lower triangle meaningful (the layout of gp.c, bo.c and cmaes.c).
///
/// Row-major lower is column-major upper in the same memory, LAPACK's own layout: calling
/// LAPACKE with that view (and its _work entry points) avoids the transposed copies and the
/// NaN scans that LAPACKE adds around every row-major call.
#ifndef HPO_CORE_LINALG_H
#define HPO_CORE_LINALG_H

/// A = L L^T in place (lower triangle of the n x n row-major A; leading dimension lda).
/// Returns a status (HPO_EINVAL when A is not numerically positive definite).
int la_chol(double *A, int n, int lda);
/// Solve (L L^T) x = b in place for one right-hand side, L from la_chol.
int la_chol_solve(const double *L, int n, int lda, double *b);
/// Lower triangle of (L L^T)^-1 in place of L.
int la_chol_inverse(double *L, int n, int lda);
/// L^-1 (lower triangular) in place of L.
int la_tri_inverse(double *L, int n, int lda);

/// The OPENBLAS_CORETYPE this CPU should use when OpenBLAS fell back to its generic x86-64
/// kernels on a CPU it does not know (OpenBLAS before 0.3.25 does so on, e.g., Sapphire
/// Rapids: 2-4x slower GP fits), else NULL. OpenBLAS reads the variable once, when it loads,
/// so only a program that can restart itself (the hpolua CLI) can act on it.
const char *la_blas_coretype_fix(void);

#endif
