/// Acquisition functions of GP-BO (REFERENCE.md section 2), on the standardised scale where
/// larger is better: z = (mu - f0) / sigma with f0 the best value so far.
#ifndef HPO_CORE_ACQ_H
#define HPO_CORE_ACQ_H

/// erfcx(x) = exp(x^2) erfc(x), for x >= 0 without overflow.
double acq_erfcx(double x);
/// log h(z), h(z) = phi(z) + z Phi(z): the expected improvement of a unit normal above z;
/// accurate far in the lower tail (Ament et al. 2023), finite for every finite z.
double acq_log_h(double z);
/// d log h / dz = Phi(z) / h(z).
double acq_dlog_h(double z);
/// log EI = log h(z) + log sigma.
double acq_logei(double mu, double sigma, double f0);
/// log PI = log Phi(z).
double acq_logpi(double mu, double sigma, double f0);

#endif
