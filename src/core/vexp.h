/// Vectorised kernels of the engines' hot loops, compiled on their own with -ffast-math so
/// that GCC can call glibc's SIMD exp (libmvec, at most 4 ulp off). Inputs must be finite.
#ifndef HPO_CORE_VEXP_H
#define HPO_CORE_VEXP_H

/// sum_i exp(v[i] - shift) over the n values, skipping those below shift - 40.
double vexp_sum(const double *v, int n, double shift);

/// out[i] = log(isig[i] / sqrt(2 pi)) - log(Phi((1 - mu[i]) isig[i]) - Phi(-mu[i] isig[i])):
/// the constant of the log density of N(mu, 1/isig) truncated to [0, 1], for 0 <= mu[i] <= 1
/// (then the mass is at least 0.34, so one minus the two tails is well conditioned).
void vkernel_const(const double *mu, const double *isig, int n, double *out);

/// The GP kernel's profile in place: r2[i] -> M(r2[i]), Matern 5/2 (rbf = 0) or the squared
/// exponential (rbf = 1), and dM/dr2 into dm (may be NULL). r2[i] >= 0.
void vkernel_profile(double *r2, int n, int rbf, double *dm);

#endif
