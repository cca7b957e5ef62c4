#include "normal.h"

#include <math.h>

#define LOG_SQRT_2PI 0.91893853320467274178

double normal_log_cdf(double z) {
  if (z > -37) return log(0.5 * erfc(-z / M_SQRT2));  // erfc is still normal here
  // Asymptotic series of the Mills ratio, Phi(z) ~ phi(z)/|z| (1 - 1/z^2 + 3/z^4 - 15/z^6
  // + 105/z^8); its next term is below 1e-12 relative for |z| >= 37.
  double r = 1 / (z * z);
  double series = r * (-1 + r * (3 + r * (-15 + r * 105)));
  return -0.5 * z * z - log(-z) - LOG_SQRT_2PI + log1p(series);
}

double normal_log1mexp(double x) { return x > -M_LN2 ? log(-expm1(x)) : log1p(-exp(x)); }
