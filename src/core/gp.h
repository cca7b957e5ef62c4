/// Gaussian-process regression for Bayesian optimisation (REFERENCE.md section 2).
///
/// Inputs are encoded points (space.h): numeric coordinates in [0, 1], categorical ones as
/// indices (Hamming distance: a squared difference of 1 when they differ), NaN for an
/// inactive conditional parameter (0 from another NaN, 1 from any value). Outputs are
/// standardised inside the model; predictions come back in the caller's units.
///
/// Kernel k(x, x') = s M(r2), r2 = sum_i rho_i d_i(x, x')^2, with M the Matern 5/2 (default)
/// or squared-exponential profile, plus noise sn2 = 1e-6 + exp(raw) on the diagonal. The
/// hyperparameters theta = (log rho_1..d, log s, raw) are fitted by maximum a posteriori
/// (log marginal likelihood plus the priors of REFERENCE.md) with lbfgsb.h and analytic
/// gradients, warm-started from the previous fit.
#ifndef HPO_CORE_GP_H
#define HPO_CORE_GP_H

#include "rng.h"

// The least noise variance (standardised units; the fitted part adds at least 1e-9). At 1e-6
// the fit could not interpolate a deterministic objective finely enough to resolve its
// optimum (bench/gp, 20 seeds: Branin at 100 trials 3.1e-6 -> 1.3e-7, Hartmann6 2.5e-4 ->
// 1.3e-4; Rosenbrock-5 at 50 42 -> 68, p = 0.04; README). A numerically singular kernel
// matrix still factorises (gp_fit's jitter ladder).
#define GP_NOISE_FLOOR 1e-10

typedef struct Gp Gp;

typedef enum { GP_MATERN52 = 0, GP_RBF = 1 } GpKernel;

typedef struct {
  GpKernel kernel;    ///< GP_MATERN52
  int deterministic;  ///< 1: noise fixed at GP_NOISE_FLOOR (outputs are exact)
} GpOptions;

GpOptions gp_defaults(void);
/// A model over dim inputs; is_cat[i] (may be NULL) marks categorical ones. Returns a status.
int gp_new(Gp **out, int dim, const int *is_cat, const GpOptions *opt);
void gp_free(Gp *gp);
int gp_dim(const Gp *gp);
/// Number of hyperparameters (dim + 2) and a pointer to them (read or set before a fit).
int gp_ntheta(const Gp *gp);
double *gp_theta(Gp *gp);
/// Reset theta to the defaults (all rho = 1, s = 1, noise 1e-2).
void gp_theta_default(Gp *gp);

/// Set the data (n x dim row-major X, n outputs; non-finite outputs are clipped to the
/// finite range) and, when `optimise`, fit theta: from the current theta, then from the
/// defaults and `restarts` random points drawn with rng (may be NULL when restarts = 0),
/// then (with restarts, or n <= 40) from the best so far with the noise at its floor; the
/// best posterior wins. Then factorise for predictions. Returns a status.
int gp_fit(Gp *gp, const double *X, const double *y, int n, int optimise, int restarts, Rng *rng);
/// Number of points in the model.
int gp_count(const Gp *gp);
/// Posterior mean and variance (of the latent function, without noise) at m points; var
/// may be NULL (the mean alone costs O(n m) instead of O(n^2 m)).
int gp_predict(Gp *gp, const double *Xs, int m, double *mean, double *var);
/// Mean and variance at one point x, with their gradients over x (numeric coordinates only;
/// categorical ones get 0), in the caller's units. var, dmu and dvar may be NULL (without
/// var or dvar the mean costs O(n), not O(n^2)).
int gp_predict_grad(Gp *gp, const double *x, double *mu, double *var, double *dmu, double *dvar);
/// Posterior mean (m) and joint covariance (m x m, row-major) at m points, for Thompson
/// sampling.
int gp_predict_cov(Gp *gp, const double *Xs, int m, double *mean, double *cov);
/// Negative log posterior of theta (minus log marginal likelihood minus log prior, standardised
/// outputs, constants dropped) and its gradient (may be NULL), on the data of the last fit.
double gp_neg_log_posterior(Gp *gp, const double *theta, double *grad);
/// Log marginal likelihood of the standardised outputs at the current theta, with the
/// constant -n/2 log(2 pi) included (for comparison with other implementations).
double gp_log_marginal(Gp *gp);
/// The affine map of the outputs: standardised = (y - mean) / sd.
void gp_output_scale(const Gp *gp, double *mean, double *sd);
/// Leave-one-out predictive means and variances at the n data points, in standardised units
/// (closed form from K^-1: mu_i = y_i - alpha_i / Kinv_ii, var_i = 1 / Kinv_ii).
int gp_loo(Gp *gp, double *mu, double *var);
/// Jitter added to the diagonal by the last factorisation (0 when none was needed).
double gp_jitter(const Gp *gp);

/// Use one BLAS thread (REFERENCE.md section 2: trials compete for the cores).
void gp_blas_threads(int n);

#endif
