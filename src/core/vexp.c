#include "vexp.h"

#include <math.h>

__attribute__((target_clones("avx2", "default"))) double vexp_sum(const double *v, int n,
                                                                   double shift) {
  double s = 0;
#pragma omp simd reduction(+ : s)
  for (int i = 0; i < n; i++) {
    double e = v[i] - shift;
    s += e > -40 ? exp(e) : 0;
  }
  return s;
}

__attribute__((target_clones("avx2", "default"))) void vtrunc_logmass(const double *mu,
                                                                      const double *isig, int n,
                                                                      double *out) {
  const double r = 0.70710678118654752440;  // 1/sqrt(2)
#pragma omp simd
  for (int i = 0; i < n; i++) {
    double tails = 0.5 * erfc(mu[i] * isig[i] * r) + 0.5 * erfc((1 - mu[i]) * isig[i] * r);
    out[i] = log1p(-tails);
  }
}
