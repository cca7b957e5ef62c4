/// The standard normal distribution's log-space helpers, shared by TPE and GP-BO.
#ifndef HPO_CORE_NORMAL_H
#define HPO_CORE_NORMAL_H

/// log Phi(z), accurate for very negative z.
double normal_log_cdf(double z);
/// log(1 - exp(x)) for x < 0, without cancellation.
double normal_log1mexp(double x);

#endif
