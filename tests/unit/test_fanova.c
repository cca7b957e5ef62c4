// Unit tests of fANOVA importance: known variance shares of additive functions, a dominant
// parameter, a constant objective, and a symmetric interaction.
#include <math.h>
#include <stdlib.h>

#include "check.h"
#include "core/fanova.h"
#include "core/rng.h"
#include "core/status.h"

static double f_dominant(const double *x) { return sin(6 * x[0]) + 0.02 * x[1]; }
static double f_additive(const double *x) { return 3 * x[0] + x[1]; }
static double f_product(const double *x) { return (x[0] - 0.5) * (x[1] - 0.5) + x[0] + x[1]; }
static double f_const(const double *x) { return (void)x, 2.5; }

static void importance(double (*f)(const double *), int n, int d, double *imp) {
  Rng r;
  rng_seed(&r, 9);
  double *X = malloc(sizeof(double) * (size_t)n * d), *y = malloc(sizeof(double) * (size_t)n);
  for (int i = 0; i < n; i++) {
    for (int j = 0; j < d; j++) X[i * d + j] = rng_uniform(&r);
    y[i] = f(X + i * d);
  }
  FanovaOptions o = fanova_defaults();
  o.seed = 1;
  if (getenv("HPO_UNDER_VALGRIND")) o.trees = 4;
  CHECK_INT(fanova_importance(X, y, n, d, &o, imp), HPO_OK);
  free(X);
  free(y);
}

int main(void) {
  // Under valgrind: fewer points and trees (a memory check), so wider tolerances.
  int n = getenv("HPO_UNDER_VALGRIND") ? 60 : 300;
  double tol = getenv("HPO_UNDER_VALGRIND") ? 0.1 : 0.05;
  double imp[3];
  importance(f_dominant, n, 3, imp);
  CHECK(imp[0] > 0.9);
  CHECK_NEAR(imp[0] + imp[1] + imp[2], 1, 1e-12);
  // 3 x0 + x1 over the unit square: main-effect variances 9/12 and 1/12, shares 0.9, 0.1.
  importance(f_additive, n, 3, imp);
  CHECK_NEAR(imp[0], 0.9, tol);
  CHECK_NEAR(imp[1], 0.1, tol);
  CHECK(imp[2] < 0.03);
  // Symmetric in x0 and x1.
  importance(f_product, n, 2, imp);
  CHECK_NEAR(imp[0], 0.5, 0.08);
  importance(f_const, n, 2, imp);
  CHECK_NEAR(imp[0] + imp[1], 0, 0);
  return check_report();
}
