/// A policy-gradient (REINFORCE) controller over the encoded space (REFERENCE.md section 7):
/// one softmax per categorical or binned dimension, or a Gaussian on the logit of a
/// continuous coordinate; an exponential-moving-average baseline, an entropy bonus and Adam.
#ifndef HPO_CORE_PG_H
#define HPO_CORE_PG_H

#include <stdint.h>

#include "space.h"

typedef struct PgPolicy PgPolicy;

typedef struct {
  uint64_t seed;
  double lr;              ///< Adam step size (0.05)
  double baseline_decay;  ///< decay of the reward baseline's moving average (0.9)
  double entropy;         ///< weight of the entropy bonus (0.01)
  int batch;              ///< finished trials per update (8)
  int gaussian;           ///< continuous coordinates: 0 binned softmax, 1 Gaussian on logit
  int bins;               ///< bins of a binned continuous or wide integer coordinate (10)
  int normalize;          ///< advantages: 0 (reward - EMA baseline) / EMA spread, 1 z-score
                          ///< within the batch, 2 centred ranks within the batch
} PgOptions;

PgOptions pg_defaults(void);
int pg_new(PgPolicy **out, int dim, const SpaceDim *dims, const PgOptions *opt);
void pg_free(PgPolicy *p);
/// Draw a configuration (encoded, dim values) from the policy.
int pg_sample(PgPolicy *p, double *x);
/// A finished trial: its encoded point (NaN where inactive) and reward (higher is better).
/// Every `batch` of them updates the policy; returns 1 after an update.
int pg_tell(PgPolicy *p, const double *x, double reward);
/// Number of actions of dimension j (0 for a Gaussian one) and the policy's probability of
/// action a; for a Gaussian dimension, its mean and standard deviation in the unit cube.
int pg_actions(const PgPolicy *p, int j);
double pg_prob(const PgPolicy *p, int j, int a);
void pg_gaussian(const PgPolicy *p, int j, double *mean, double *sd);
/// log pi(x) and its gradient with respect to the parameters (for tests).
int pg_nparams(const PgPolicy *p);
double pg_logprob(const PgPolicy *p, const double *x, double *grad);
double *pg_params(PgPolicy *p);
/// The whole state (parameters, Adam moments, baseline, pending batch, random state).
int pg_state_size(const PgPolicy *p);
void pg_get_state(const PgPolicy *p, double *s);
int pg_set_state(PgPolicy *p, const double *s, int size);

#endif
