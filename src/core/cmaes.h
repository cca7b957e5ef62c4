/// CMA-ES (Hansen, "The CMA Evolution Strategy: A Tutorial", arXiv 1604.00772; REFERENCE.md
/// section 3) with active covariance weights and IPOP/BIPOP restarts, minimising over the
/// encoded unit cube [0, 1]^n. Ask/tell by generations: cmaes_ask fills lambda points,
/// cmaes_tell takes their values in the same order.
#ifndef HPO_CORE_CMAES_H
#define HPO_CORE_CMAES_H

#include <stdint.h>

typedef struct CmaEs CmaEs;

typedef enum { CMAES_RESTART_NONE = 0, CMAES_RESTART_IPOP = 1, CMAES_RESTART_BIPOP = 2 } CmaRestart;

typedef struct {
  uint64_t seed;
  double sigma0;       ///< initial step size (0: 1/6 of the unit range)
  int popsize;         ///< lambda (0: 4 + floor(3 ln n))
  CmaRestart restart;  ///< restart strategy
  int bounded;         ///< keep points in [0, 1]: 1 resample up to 100 times, then clip;
                       ///< 2 reflect into the cube (a boundary transform); 0 unbounded
  int max_restarts;    ///< restarts allowed (9)
  int separable;       ///< sep-CMA: a diagonal covariance, faster learning (Ros & Hansen 2008)
} CmaOptions;

/// The strategy parameters of a generation size, from the tutorial (for tests).
typedef struct {
  int lambda, mu;
  double mu_eff, c_sigma, d_sigma, c_c, c_1, c_mu, chi_n;
} CmaConstants;

CmaOptions cmaes_defaults(void);
/// Constants for dimension n and population lambda (0: the default).
CmaConstants cmaes_constants(int n, int lambda);
/// Create an engine; x0 (n values, or NULL for the centre 0.5) is the initial mean.
int cmaes_new(CmaEs **out, int n, const double *x0, const CmaOptions *opt);
void cmaes_free(CmaEs *c);
/// Points in the current generation (lambda).
int cmaes_lambda(const CmaEs *c);
/// Write the current generation's lambda points (lambda x n, row-major) into x.
int cmaes_ask(CmaEs *c, double *x);
/// Tell the values (to minimise) of the points of the last ask, in order. Runs the update,
/// the stopping tests and, when one fires, a restart. Returns 1 if a restart happened.
int cmaes_tell(CmaEs *c, const double *f);
int cmaes_generation(const CmaEs *c);
int cmaes_restarts(const CmaEs *c);
double cmaes_sigma(const CmaEs *c);
/// The mean of the current search distribution (n values).
const double *cmaes_mean(const CmaEs *c);
/// Best value and point seen so far.
double cmaes_best(const CmaEs *c, double *x);
/// One more point from the current distribution, outside the generation (for a parallel
/// worker that asks while the generation is still being evaluated).
int cmaes_sample(CmaEs *c, double *x);
/// Replace the distribution: mean m, step size sigma, covariance C (n x n, or NULL for I).
int cmaes_set_distribution(CmaEs *c, const double *m, double sigma, const double *C);
/// WS-CMA-ES (Nomura et al., AAAI 2021; REFERENCE.md section 3): start from m promising
/// points of earlier studies (m x n): mean = their mean, Sigma = alpha^2 I + their
/// covariance, sigma0 = det(Sigma)^(1/(2n)), C0 = Sigma / det(Sigma)^(1/n).
int cmaes_warm_start(CmaEs *c, const double *X, int m, double alpha);
/// Discrete coordinates: width[j] is the width of coordinate j's bins (0: continuous). Their
/// standard deviation is kept above a floor that leaves a bin with probability
/// min(1/(n lambda), 0.2), so integers keep moving.
int cmaes_set_margin(CmaEs *c, const double *width);
/// The whole state as doubles (for a resumed study); cmaes_state_size() of them.
int cmaes_state_size(const CmaEs *c);
void cmaes_get_state(const CmaEs *c, double *state);
/// Restore a state saved by cmaes_get_state from an engine of the same dimension.
int cmaes_set_state(CmaEs *c, const double *state, int size);

#endif
