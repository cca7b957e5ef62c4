// Unit tests of src/core/cmaes: the tutorial's constants (against the cmaes Python
// package), convergence on the sphere, restarts on Rastrigin, bounds.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/cmaes.h"
#include "core/status.h"

// Reference values printed by python3-cmaes 0.9 (CMA(mean=zeros(n), sigma=1)).
static void test_constants(void) {
  static const struct {
    int n, lambda, mu;
    double mu_eff, c_sigma, d_sigma, c_c, c_1, c_mu, chi_n;
  } ref[] = {
      {2, 6, 3, 2.0286114646100617, 0.44620498737831715, 1.4462049873783172,
       0.6245545390268264, 0.1548153998964136, 0.057859085071916304, 1.254272742818995},
      {10, 10, 5, 3.1672992814107026, 0.2844285879463675, 1.2844285879463675,
       0.29499038303562225, 0.015283824524751714, 0.02015428276120838, 3.0847265651690123},
      {40, 15, 7, 4.540915209075957, 0.1320305687020827, 1.1320305687020826,
       0.09300921663424917, 0.0011694327252618397, 0.0031225007109974066, 6.28521508039776},
  };
  for (int r = 0; r < 3; r++) {
    CmaConstants k = cmaes_constants(ref[r].n, 0);
    CHECK_INT(k.lambda, ref[r].lambda);
    CHECK_INT(k.mu, ref[r].mu);
    CHECK_NEAR(k.mu_eff, ref[r].mu_eff, 1e-12);
    CHECK_NEAR(k.c_sigma, ref[r].c_sigma, 1e-12);
    CHECK_NEAR(k.d_sigma, ref[r].d_sigma, 1e-12);
    CHECK_NEAR(k.c_c, ref[r].c_c, 1e-12);
    CHECK_NEAR(k.c_1, ref[r].c_1, 1e-12);
    CHECK_NEAR(k.c_mu, ref[r].c_mu, 1e-12);
    CHECK_NEAR(k.chi_n, ref[r].chi_n, 1e-12);
  }
}

static double sphere(const double *x, int n) {
  double f = 0;
  for (int j = 0; j < n; j++) f += (x[j] - 0.3) * (x[j] - 0.3);
  return f;
}

static double rastrigin(const double *x, int n) {
  // On [-5.12, 5.12]^n mapped to the unit cube, minimum 0 at the centre.
  double f = 10.0 * n;
  for (int j = 0; j < n; j++) {
    double v = (x[j] - 0.5) * 10.24;
    f += v * v - 10 * cos(2 * M_PI * v);
  }
  return f;
}

// Run until budget evaluations or below target; returns the evaluations used.
static int run(CmaEs *c, double (*f)(const double *, int), int n, int budget, double target) {
  int lambda, evals = 0;
  double *x = NULL, *fx = NULL;
  while (evals < budget) {
    lambda = cmaes_lambda(c);
    x = realloc(x, sizeof(double) * (size_t)lambda * n);
    fx = realloc(fx, sizeof(double) * (size_t)lambda);
    CHECK_INT(cmaes_ask(c, x), HPO_OK);
    for (int i = 0; i < lambda; i++) {
      fx[i] = f(x + (size_t)i * n, n);
      for (int j = 0; j < n; j++) CHECK(x[i * n + j] >= 0 && x[i * n + j] <= 1);
    }
    evals += lambda;
    CHECK(cmaes_tell(c, fx) >= 0);
    if (cmaes_best(c, NULL) < target) break;
  }
  free(x);
  free(fx);
  return evals;
}

static void test_sphere(void) {
  CmaOptions o = cmaes_defaults();
  o.seed = 3;
  CmaEs *c;
  CHECK_INT(cmaes_new(&c, 10, NULL, &o), HPO_OK);
  int evals = run(c, sphere, 10, 20000, 1e-8);
  CHECK(cmaes_best(c, NULL) < 1e-8);
  CHECK(evals < 5000);  // about 1500 from the centre in 10-D
  double x[10];
  cmaes_best(c, x);
  for (int j = 0; j < 10; j++) CHECK_NEAR(x[j], 0.3, 1e-4);
  cmaes_free(c);
}

static void test_ipop_restarts(void) {
  CmaOptions o = cmaes_defaults();
  o.seed = 5;
  o.restart = CMAES_RESTART_IPOP;
  CmaEs *c;
  CHECK_INT(cmaes_new(&c, 5, NULL, &o), HPO_OK);
  int lambda0 = cmaes_lambda(c);
  run(c, rastrigin, 5, 30000, 1e-9);
  CHECK(cmaes_restarts(c) >= 1);
  CHECK(cmaes_lambda(c) == lambda0 << cmaes_restarts(c));
  CHECK(cmaes_best(c, NULL) < 5);
  cmaes_free(c);
}

static void test_reproducible(void) {
  CmaOptions o = cmaes_defaults();
  o.seed = 9;
  CmaEs *a, *b;
  cmaes_new(&a, 4, NULL, &o);
  cmaes_new(&b, 4, NULL, &o);
  run(a, sphere, 4, 400, 0);
  run(b, sphere, 4, 400, 0);
  CHECK(cmaes_best(a, NULL) == cmaes_best(b, NULL));
  cmaes_free(a);
  cmaes_free(b);
}

// A state saved mid-run and restored into a fresh engine asks exactly the same points.
static void test_state_roundtrip(void) {
  CmaOptions o = cmaes_defaults();
  o.seed = 21;
  o.restart = CMAES_RESTART_BIPOP;
  CmaEs *a, *b;
  cmaes_new(&a, 6, NULL, &o);
  run(a, rastrigin, 6, 3000, 0);
  int size = cmaes_state_size(a);
  double *state = malloc(sizeof(double) * (size_t)size);
  cmaes_get_state(a, state);
  o.seed = 99;  // the state carries the random state too
  cmaes_new(&b, 6, NULL, &o);
  CHECK_INT(cmaes_set_state(b, state, size), HPO_OK);
  int lambda = cmaes_lambda(a);
  CHECK_INT(cmaes_lambda(b), lambda);
  double *xa = malloc(sizeof(double) * (size_t)lambda * 6), *xb = malloc(sizeof(double) * (size_t)lambda * 6);
  cmaes_ask(a, xa);
  cmaes_ask(b, xb);
  int same = 1;
  for (int i = 0; i < lambda * 6; i++) same &= xa[i] == xb[i];
  CHECK(same);
  free(xa);
  free(xb);
  free(state);
  cmaes_free(a);
  cmaes_free(b);
  // A fresh engine's state is defined to the last byte (it is stored with the study before
  // any generation has run; under valgrind an unset history or best point fails here).
  CmaEs *f1, *f2;
  cmaes_new(&f1, 6, NULL, &o);
  cmaes_new(&f2, 6, NULL, &o);
  CHECK_SAME_STATE(cmaes_get_state, f1, f2, cmaes_state_size(f1));
  cmaes_free(f1);
  cmaes_free(f2);
}

// sep-CMA keeps a diagonal covariance and still converges on the sphere.
static void test_separable(void) {
  CmaOptions o = cmaes_defaults();
  o.seed = 4;
  o.separable = 1;
  CmaEs *c;
  cmaes_new(&c, 10, NULL, &o);
  run(c, sphere, 10, 20000, 1e-8);
  CHECK(cmaes_best(c, NULL) < 1e-8);
  cmaes_free(c);
}

int main(void) {
  RUN(test_constants);
  RUN(test_sphere);
  RUN(test_ipop_restarts);
  RUN(test_reproducible);
  RUN(test_state_roundtrip);
  RUN(test_separable);
  return check_report();
}
