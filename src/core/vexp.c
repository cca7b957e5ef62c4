#include "vexp.h"

#include <math.h>

__attribute__((target_clones("avx2", "default"))) double vexp_sum(const double *v, int n,
                                                                   double shift) {
  double s = 0;
#pragma omp simd reduction(+ : s)
  for (int i = 0; i < n; i++) {
    // Clamped first: a far underflow would send the vector exp down its slow scalar path.
    double e = v[i] - shift;
    double c = e > -40 ? e : -40;
    s += e > -40 ? exp(c) : 0;
  }
  return s;
}

__attribute__((target_clones("avx2", "default"))) void vkernel_const(const double *mu,
                                                                     const double *isig, int n,
                                                                     double *out) {
  const double r = 0.70710678118654752440;           // 1/sqrt(2)
  const double log_sqrt_2pi = 0.91893853320467274178;
#pragma omp simd
  for (int i = 0; i < n; i++) {
    // Arguments past 26 (tails below 1e-295) are clamped: they change nothing, and far out
    // the vector erfc would reach subnormals and its slow path.
    double za = fmin(mu[i] * isig[i] * r, 26), zb = fmin((1 - mu[i]) * isig[i] * r, 26);
    double tails = 0.5 * erfc(za) + 0.5 * erfc(zb);
    // log(1 - tails): its series below 1e-5 (error < 4e-16 relative), log1p above, each fed
    // an argument in its own range so that neither takes a slow path.
    double big = fmax(tails, 1e-5);
    double logmass = tails < 1e-5 ? -tails - 0.5 * tails * tails : log1p(-big);
    out[i] = log(isig[i]) - log_sqrt_2pi - logmass;
  }
}

__attribute__((target_clones("avx2", "default"))) void vkernel_profile(double *r2, int n, int rbf,
                                                                       double *dm) {
#pragma omp simd
  for (int i = 0; i < n; i++) {
    // Clamped: past these the profile is below 1e-300, and the vector exp would take its slow
    // subnormal path.
    if (rbf) {
      double e = exp(-0.5 * fmin(r2[i], 1400));
      if (dm) dm[i] = -0.5 * e;
      r2[i] = e;
    } else {
      double r = fmin(sqrt(5 * r2[i]), 700), e = exp(-r);
      if (dm) dm[i] = -(5.0 / 6.0) * (1 + r) * e;
      r2[i] = e * (r * r / 3 + r + 1);
    }
  }
}
