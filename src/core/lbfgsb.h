/// Bound-constrained limited-memory quasi-Newton minimisation (REFERENCE.md section 2: the
/// GP's hyperparameter fit and the acquisition's local searches).
///
/// A projected L-BFGS: variables at a bound whose gradient pushes outward are held fixed,
/// the two-loop recursion gives the direction on the free ones, and a backtracking Armijo
/// search runs along the projected path. Simpler than Byrd et al.'s generalised Cauchy
/// point, and enough for the smooth, low-dimensional problems here.
#ifndef HPO_CORE_LBFGSB_H
#define HPO_CORE_LBFGSB_H

/// Objective: returns f(x) and writes the gradient into g.
typedef double (*LbfgsFn)(const double *x, double *g, void *ud);

typedef struct {
  int m;          ///< correction pairs kept (10)
  int max_iter;   ///< iterations (200)
  double pgtol;   ///< stop when the projected gradient's max-norm is below this (1e-5)
  double ftol;    ///< stop when the relative decrease is below this (1e-10)
} LbfgsOptions;

LbfgsOptions lbfgsb_defaults(void);
/// Minimise f over lo <= x <= hi (lo/hi NULL: unbounded) from x, which is overwritten with
/// the best point found; *fx gets its value. Returns a status (status.h); *evals (if not
/// NULL) the number of evaluations.
int lbfgsb_minimize(int n, double *x, const double *lo, const double *hi, LbfgsFn f, void *ud,
                    const LbfgsOptions *opt, double *fx, int *evals);

#endif
