/// Gaussian-process Bayesian optimisation over an encoded space (space.h; REFERENCE.md
/// section 2): Sobol startup, then each ask fits the GP (gp.h) to the observations, adds
/// pending points as fantasies, and maximises the acquisition (acq.h): scrambled Sobol
/// screening, then from the best few and the incumbent, L-BFGS-B on the continuous
/// coordinates alternating with moves over the discrete ones (all values when at most 16).
#ifndef HPO_CORE_BO_H
#define HPO_CORE_BO_H

#include <stdint.h>

#include "gp.h"
#include "space.h"

typedef enum { BO_LOGEI = 0, BO_LOGPI = 1, BO_UCB = 2, BO_TS = 3 } BoAcq;

typedef struct {
  uint64_t seed;
  int startup;        ///< Sobol points before the model (10)
  BoAcq acq;          ///< BO_LOGEI
  double beta;        ///< UCB's beta (2); <= 0: the GP-UCB schedule
  GpKernel kernel;    ///< GP_MATERN52
  int deterministic;  ///< noise fixed at GP_NOISE_FLOOR (0)
  int candidates;     ///< Sobol screening points (2048); Thompson draws on min(this, 512)
  int local_starts;   ///< local searches from the best screened points (5), plus the incumbent
  int believer;       ///< pending points at the posterior mean (1) or at the best value (0)
  int warp;           ///< model -log1p(distance to the best / its median), not raw values (1)
  double refit;       ///< re-optimise theta once the data grew by this fraction (0.05; 0: always)
  int fit_points;     ///< optimise theta on a random subset of at most this many points (400)
  int seeds;          ///< observations before the model's first ask: warm-start seed trials,
                      ///< and startup points run before it (gp.lua: one) (0)
  double trust;       ///< with sources: the trust region's first side (0.4; 0: none; below)
} BoOptions;

typedef struct Bo Bo;

BoOptions bo_defaults(void);
int bo_new(Bo **out, int dim, const SpaceDim *dims, const BoOptions *opt);
void bo_free(Bo *b);
/// Add a finished observation (value to minimise; non-finite values count as the worst).
int bo_tell(Bo *b, const double *x, double y);
int bo_count(const Bo *b);
/// Propose x; pending holds npending encoded points still being evaluated.
int bo_ask(Bo *b, const double *pending, int npending, double *x);
/// The model of the last ask (NULL before the first model-based ask).
Gp *bo_model(Bo *b);
/// Conditional dimension j: active only when dimension `parent` is active and has one of
/// the n encoded codes. Call in dependency order (a parent's own condition first). The
/// search moves every coordinate; the models see candidates with inactive coordinates NaN,
/// as observations store them. Returns a status.
int bo_set_condition(Bo *b, int j, int parent, const double *codes, int n);

/// Transfer from an earlier study (REFERENCE.md section 8): a GP fitted once to the
/// source's n encoded points and standardised values z (lower is better). Every ask weighs
/// the sources and the study's GP by RGPE's rule (Feurer et al. 2018: how often, over 256
/// posterior samples, each ranks the study's last 100 observations best; the study's GP by
/// leave-one-out). The acquisition then sees the sources' weighted mean, mapped onto the
/// study's values by least squares (a non-negative scale and an offset), as the prior mean
/// of a GP on the study's residuals (as Vizier stacks GPs): the study's own observations
/// correct the sources where they disagree. A scale of 0 (sources that rank the study
/// backwards) leaves the study's GP alone; otherwise EI and PI measure improvement from
/// the model's best mean at the study's points (plug-in), not from the best value. The
/// Sobol startup still runs, its startup - o.seeds points alternating with model-based asks
/// after the seed trials (a model-based one first), or at a scale of 0 all startup points
/// before them (untrusted seeds do not count towards the startup). While the scale is not
/// 0, the model-based asks search a trust region around the best trial (TuRBO's, Eriksson
/// et al. 2019, but a cube): side o.trust, doubled after 3 improvements in a row, halved
/// after max(4, dim) trials without one, and given up below 2^-7 until a trial improves on
/// the best again. Given up, the study restarts as TuRBO does: o.startup more Sobol points,
/// then asks over the whole space from a GP of the trials since the region was given up
/// alone (the sources' optimum may be a local one, which their prior would hold the study
/// in). It is rebuilt from the trials at each ask, so a resumed study continues it. Thompson
/// sampling uses the study's GP.
/// Returns a status.
int bo_add_source(Bo *b, const double *X, const double *z, int n);
/// The point (into x, dim values) where the sources' weighted mean is best: the sources'
/// predicted optimum, searched over the whole space as an ask searches its acquisition.
/// Draws from the engine's random stream. Returns a status (HPO_EINVAL without sources).
int bo_source_optimum(Bo *b, double *x);
/// Weights of the last ask into w (may be NULL): nsrc sources then the target (nsrc + 1
/// values); returns nsrc.
int bo_source_weights(const Bo *b, double *w);

/// State for an exact resume: random state, Sobol position, fit bookkeeping and the
/// hyperparameters: gp_ntheta values, then as many for the transfer model when
/// transfer_theta (theta has room for 2 gp_ntheta values).
typedef struct {
  uint64_t rng[4];
  uint64_t sobol_index;
  int restart_n;       ///< n at the last fit with random restarts
  int theta_n;         ///< n at the last optimisation of the hyperparameters
  int transfer_theta;  ///< 1: the transfer model's hyperparameters follow the GP's
} BoState;
void bo_get_state(Bo *b, BoState *st, double *theta);
int bo_set_state(Bo *b, const BoState *st, const double *theta);

#endif
