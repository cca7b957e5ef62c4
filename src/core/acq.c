#include "acq.h"

#include <math.h>

#include "normal.h"

#define LOG_SQRT_2PI 0.91893853320467274178
#define LOG_SQRT_PI_2 0.22579135264472743236  // log sqrt(pi / 2)

double acq_erfcx(double x) {
  if (x < 25) return exp(x * x) * erfc(x);
  // Asymptotic series; at x >= 25 the next term is below 1e-11 relative.
  double r = 1 / (x * x);
  return (1 - 0.5 * r + 0.75 * r * r - 1.875 * r * r * r) / (x * 1.7724538509055160273);
}

double acq_log_h(double z) {
  if (z > -1) {
    double phi = exp(-0.5 * z * z - LOG_SQRT_2PI);
    return log(phi + z * 0.5 * erfc(-z * M_SQRT1_2));
  }
  double logphi = -0.5 * z * z - LOG_SQRT_2PI;
  if (z > -1e6)
    // h(z) = phi(z) (1 - |z| sqrt(pi/2) erfcx(|z|/sqrt2)) without cancellation.
    return logphi + normal_log1mexp(log(acq_erfcx(-z * M_SQRT1_2) * -z) + LOG_SQRT_PI_2);
  return logphi - 2 * log(-z);
}

double acq_dlog_h(double z) { return exp(normal_log_cdf(z) - acq_log_h(z)); }

double acq_logei(double mu, double sigma, double f0) {
  return acq_log_h((mu - f0) / sigma) + log(sigma);
}

double acq_logpi(double mu, double sigma, double f0) { return normal_log_cdf((mu - f0) / sigma); }
