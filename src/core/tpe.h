/// Tree-structured Parzen Estimator (Bergstra et al. 2011; the defaults users know from
/// Optuna and Hyperopt, REFERENCE.md section 1), in the encoded space of space.h: numeric and
/// ordinal dimensions in [0, 1] (discrete ones as equal-width bins), categorical ones as
/// indices, NaN where a conditional parameter was inactive.
///
/// The engine keeps the finished observations sorted by rank (tpe_tell, O(n) per insert) and
/// proposes one point per tpe_ask: it splits them into good and bad, fits the two Parzen
/// mixtures l(x) and g(x), draws candidates from l and returns the one that maximises
/// log l(x) - log g(x).
#ifndef HPO_CORE_TPE_H
#define HPO_CORE_TPE_H

#include <stdint.h>

#include "space.h"

typedef struct Tpe Tpe;

typedef enum {
  TPE_GAMMA_OPTUNA = 0,    ///< n_good = min(ceil(0.1 n), 25)
  TPE_GAMMA_HYPEROPT = 1,  ///< n_good = min(ceil(0.25 sqrt(n)), 25)
} TpeGamma;

typedef enum {
  TPE_BANDWIDTH_GAP = 0,    ///< each kernel's larger gap to its neighbours, per dimension
  TPE_BANDWIDTH_SCOTT = 1,  ///< Scott-like 0.2 n^(-1/(d+4)) (Optuna's multivariate rule)
} TpeBandwidth;

typedef struct {
  uint64_t seed;
  int startup;          ///< random proposals until this many observations (10)
  int candidates;       ///< candidates drawn from l(x) per ask (24)
  TpeGamma gamma;       ///< the split rule (TPE_GAMMA_OPTUNA)
  int multivariate;     ///< one joint mixture of product kernels (1) or one per dimension
  double prior_weight;  ///< weight of the prior component (1.0)
  int prior_share;      ///< give the prior the same share of g(x) as of l(x) (1)
  TpeBandwidth bandwidth;  ///< of multivariate kernels (GAP); univariate ones always use GAP
} TpeOptions;

TpeOptions tpe_defaults(void);
/// Create an engine for dim dimensions (copied). Returns a status (status.h).
int tpe_new(Tpe **out, int dim, const SpaceDim *dims, const TpeOptions *opt);
void tpe_free(Tpe *t);
const char *tpe_errmsg(const Tpe *t);

/// Add a finished observation. Ranking is by (group ascending, step descending, score
/// ascending): group 0 for complete trials (score = value to minimise), 1 for pruned ones
/// (step = last step reached, score = last intermediate value). `order` is the trial's age
/// (its number): the weights favour recent observations.
int tpe_tell(Tpe *t, const double *x, int group, double step, double score, int64_t order);
/// Number of observations told.
int tpe_count(const Tpe *t);
/// Propose a point into x. `running` holds nrunning encoded points of trials still running:
/// they join the bad set (constant liar). n_good >= 0 overrides the gamma rule.
int tpe_ask(Tpe *t, const double *running, int nrunning, int n_good, double *x);
/// log l(x) and log g(x) of a point under the current split (no running trials); for tests
/// and diagnostics. HPO_ERANGE before the first observation.
int tpe_score(Tpe *t, const double *x, double *log_l, double *log_g);
/// Warm start (REFERENCE.md section 8): m good points of earlier studies (m x dim, encoded)
/// join the good mixture l(x), point k with weight w[k] x (2/m') x 10/(10 + n) after n
/// observations (m' the points kept): together as much as two good observations at first,
/// fading as the study gathers data. w NULL: all 1; w[k] = 0 drops point k.
/// Calling it again replaces the set (source weights change as the study learns).
int tpe_set_warm_start(Tpe *t, const double *x, const double *w, int m);
/// The engine's random state, for saving and restoring (32 bytes).
void tpe_get_rng(const Tpe *t, uint64_t state[4]);
void tpe_set_rng(Tpe *t, const uint64_t state[4]);

/// log(Phi(b) - Phi(a)) for a < b, accurate in both tails (exposed for tests).
double tpe_log_ndtr_diff(double a, double b);

#endif
