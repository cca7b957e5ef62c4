/// Parameter importance by functional ANOVA (Hutter, Hoos and Leyton-Brown, ICML 2014;
/// REFERENCE.md section 10), as Optuna computes it: a random-forest regression of the
/// objective on the parameters (64 trees, maximum depth 64, nodes split while they hold 2
/// points, leaves of 1, bootstrap samples, every feature tried at every split), then per
/// tree the share of the variance of its prediction over the unit cube that each parameter's
/// main effect explains; averaged over the trees (those with variance), normalised to sum 1.
///
/// Inputs are points of the unit cube, one column per parameter (hpolua passes numeric
/// coordinates as encoded, a categorical index k of n as (k + 0.5) / n: each value gets the
/// same share of the cube, and the trees split its values by index order).
#ifndef HPO_CORE_FANOVA_H
#define HPO_CORE_FANOVA_H

#include <stdint.h>

typedef struct {
  uint64_t seed;
  int trees;      ///< 64
  int max_depth;  ///< 64
} FanovaOptions;

FanovaOptions fanova_defaults(void);
/// Importance of each of the d columns of X (n x d, row-major, in [0, 1]) for y (n values)
/// into imp (d values summing to 1; all 0 when y is constant). Returns a status.
int fanova_importance(const double *X, const double *y, int n, int d, const FanovaOptions *o,
                      double *imp);

#endif
