// Unit tests of the GP-BO pieces: the bounded L-BFGS, the GP's posterior and its gradient,
// and the log expected improvement far in the tail.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/acq.h"
#include "core/bo.h"
#include "core/gp.h"
#include "core/lbfgsb.h"
#include "core/normal.h"
#include "core/qmc.h"
#include "core/rng.h"
#include "core/status.h"

static double rosen(const double *x, double *g, void *ud) {
  (void)ud;
  double a = 1 - x[0], b = x[1] - x[0] * x[0];
  g[0] = -2 * a - 400 * x[0] * b;
  g[1] = 200 * b;
  return a * a + 100 * b * b;
}

static void test_lbfgsb(void) {
  double x[2] = {-1.2, 1}, f;
  int ev;
  LbfgsOptions o = lbfgsb_defaults();
  o.pgtol = 1e-8;
  CHECK_INT(lbfgsb_minimize(2, x, NULL, NULL, rosen, NULL, &o, &f, &ev), HPO_OK);
  CHECK_NEAR(x[0], 1, 1e-4);
  CHECK_NEAR(x[1], 1, 1e-4);
  CHECK(ev < 200);
  // x0 <= 0.5: the constrained minimum is on the bound, at x1 = x0^2.
  double lo[2] = {-2, -2}, hi[2] = {0.5, 2}, y[2] = {-1.2, 1};
  CHECK_INT(lbfgsb_minimize(2, y, lo, hi, rosen, NULL, &o, &f, NULL), HPO_OK);
  CHECK_NEAR(y[0], 0.5, 1e-9);
  CHECK_NEAR(y[1], 0.25, 1e-4);
  CHECK_NEAR(f, 0.25, 1e-6);
}

// Gradient of the negative log posterior against central differences, on mixed inputs
// (a categorical dimension, an inactive NaN coordinate), for both kernels.
static void test_gradient(GpKernel kernel, int deterministic) {
  int cat[3] = {0, 0, 1};
  GpOptions o = gp_defaults();
  o.kernel = kernel;
  o.deterministic = deterministic;
  Gp *gp;
  CHECK_INT(gp_new(&gp, 3, cat, &o), HPO_OK);
  Rng r;
  rng_seed(&r, 7);
  int n = 25;
  double X[75], y[25];
  for (int i = 0; i < n; i++) {
    X[3 * i] = rng_uniform(&r);
    X[3 * i + 1] = i % 5 == 0 ? (double)NAN : rng_uniform(&r);
    X[3 * i + 2] = (double)rng_below(&r, 3);
    y[i] = sin(6 * X[3 * i]) + X[3 * i + 2] + 0.1 * rng_normal(&r);
  }
  CHECK_INT(gp_fit(gp, X, y, n, 0, 0, NULL), HPO_OK);
  double th[5] = {0.3, -0.7, 1.1, 0.2, log(0.05)}, g[5], h = 1e-5;
  gp_neg_log_posterior(gp, th, g);
  for (int k = 0; k < 5; k++) {
    double t0 = th[k];
    th[k] = t0 + h;
    double fp = gp_neg_log_posterior(gp, th, NULL);
    th[k] = t0 - h;
    double fm = gp_neg_log_posterior(gp, th, NULL);
    th[k] = t0;
    double fd = (fp - fm) / (2 * h);
    if (deterministic && k == 4) fd = 0;
    CHECK_NEAR(g[k], fd, 1e-5 * fmax(1, fabs(fd)));
  }
  gp_free(gp);
}

// Two points, squared-exponential kernel, fixed theta: the posterior by hand.
static void test_two_points(void) {
  GpOptions o = gp_defaults();
  o.kernel = GP_RBF;
  Gp *gp;
  CHECK_INT(gp_new(&gp, 1, NULL, &o), HPO_OK);
  double *th = gp_theta(gp);
  double rho = 4, s = 1.5, sn2 = GP_NOISE_FLOOR + 0.01;
  th[0] = log(rho);
  th[1] = log(s);
  th[2] = log(0.01);
  double X[2] = {0.2, 0.6}, y[2] = {1.0, 3.0};
  CHECK_INT(gp_fit(gp, X, y, 2, 0, 0, NULL), HPO_OK);
  // Standardised outputs are -1 and +1 (mean 2, std 1).
  double k12 = s * exp(-0.5 * rho * 0.16), a = s + sn2, det = a * a - k12 * k12;
  double al1 = (a * -1 - k12 * 1) / det, al2 = (-k12 * -1 + a * 1) / det;
  double xs = 0.5, k1 = s * exp(-0.5 * rho * 0.09), k2 = s * exp(-0.5 * rho * 0.01);
  double mu = k1 * al1 + k2 * al2;
  double var = s - (k1 * (a * k1 - k12 * k2) + k2 * (-k12 * k1 + a * k2)) / det;
  double m, v;
  CHECK_INT(gp_predict(gp, &xs, 1, &m, &v), HPO_OK);
  CHECK_NEAR(m, 2 + mu, 1e-12);
  CHECK_NEAR(v, var, 1e-12);
  double mll = -0.5 * (-1 * al1 + 1 * al2) - 0.5 * log(det) - log(2 * M_PI);
  CHECK_NEAR(gp_log_marginal(gp), mll, 1e-12);
  gp_free(gp);
}

// A fitted deterministic GP interpolates; a fitted one predicts a smooth function well.
static void test_fit(void) {
  GpOptions o = gp_defaults();
  Gp *gp;
  CHECK_INT(gp_new(&gp, 1, NULL, &o), HPO_OK);
  Rng r;
  rng_seed(&r, 3);
  double X[20], y[20];
  for (int i = 0; i < 20; i++) {
    X[i] = (i + 0.5) / 20;
    y[i] = 10 * sin(6 * X[i]) + 3;
  }
  CHECK_INT(gp_fit(gp, X, y, 20, 1, 2, &r), HPO_OK);
  double xs[5] = {0.11, 0.33, 0.5, 0.71, 0.93}, m[5], v[5];
  CHECK_INT(gp_predict(gp, xs, 5, m, v), HPO_OK);
  for (int i = 0; i < 5; i++) {
    CHECK_NEAR(m[i], 10 * sin(6 * xs[i]) + 3, 0.05);
    CHECK(v[i] >= 0 && v[i] < 0.01);
  }
  double m2[5];  // the mean alone, as with the variance
  CHECK_INT(gp_predict(gp, xs, 5, m2, NULL), HPO_OK);
  for (int i = 0; i < 5; i++) CHECK_NEAR(m2[i], m[i], 1e-12);
  double md[2], vd[2];
  CHECK_INT(gp_predict(gp, X + 4, 2, md, vd), HPO_OK);
  CHECK_NEAR(md[0], y[4], 0.02);
  // Duplicated points with different values still factorise (noise floor, jitter ladder).
  double Xd[4] = {0.5, 0.5, 0.5, 0.1}, yd[4] = {1, 2, 3, 0};
  o.deterministic = 1;
  Gp *g2;
  CHECK_INT(gp_new(&g2, 1, NULL, &o), HPO_OK);
  CHECK_INT(gp_fit(g2, Xd, yd, 4, 1, 0, NULL), HPO_OK);
  double half = 0.5, mh, vh;
  CHECK_INT(gp_predict(g2, &half, 1, &mh, &vh), HPO_OK);
  CHECK_NEAR(mh, 2, 0.05);  // the mean of the three values
  gp_free(g2);
  gp_free(gp);
}

// A warm-started fit from a noisy, long-lengthscale theta still finds the noise-free mode
// of deterministic data with a short feature (the fit's extra start at the noise floor).
static void test_noise_free_mode(void) {
  GpOptions o = gp_defaults();
  Gp *gp;
  CHECK_INT(gp_new(&gp, 1, NULL, &o), HPO_OK);
  double X[14], y[14];
  for (int i = 0; i < 14; i++) {
    X[i] = (i + 0.5) / 14;
    y[i] = 3 * X[i] + 0.4 * sin(20 * X[i]);
  }
  double *th = gp_theta(gp);
  th[0] = log(0.5), th[1] = 0, th[2] = log(0.3);
  CHECK_INT(gp_fit(gp, X, y, 14, 1, 0, NULL), HPO_OK);
  CHECK(GP_NOISE_FLOOR + exp(gp_theta(gp)[2]) < 1e-3);  // from 0.3
  double m, v, xs = X[6];
  CHECK_INT(gp_predict(gp, &xs, 1, &m, &v), HPO_OK);
  CHECK_NEAR(m, y[6], 1e-3);  // it interpolates
  gp_free(gp);
}

static void test_logei(void) {
  // Against the direct formula where it is accurate.
  for (double z = -5; z <= 5; z += 0.25) {
    double phi = exp(-0.5 * z * z) / sqrt(2 * M_PI), h = phi + z * 0.5 * erfc(-z / sqrt(2));
    CHECK_NEAR(acq_log_h(z), log(h), 1e-9 * fmax(1, fabs(log(h))));
  }
  // Finite and strictly increasing down to z = -1e3 and beyond.
  double prev = acq_log_h(5);
  for (double z = 4.9; z >= -1e3; z -= 0.1 + fabs(z) * 0.01) {
    double v = acq_log_h(z);
    CHECK(isfinite(v));
    CHECK(v < prev);
    prev = v;
  }
  CHECK(isfinite(acq_log_h(-1e7)) && acq_log_h(-1e7) < acq_log_h(-1e3));
  // Asymptotics: h(z) ~ phi(z) / z^2 as z -> -inf.
  CHECK_NEAR(acq_log_h(-1e3), -0.5e6 - 0.5 * log(2 * M_PI) - 2 * log(1e3), 1e-5);  // next term: -3/z^2
  // The derivative against differences, on both sides of the branch points.
  double zs[] = {3, 0, -0.99, -1.01, -7, -40, -300};
  for (size_t i = 0; i < sizeof zs / sizeof *zs; i++) {
    double z = zs[i], hh = 1e-6 * fmax(1, fabs(z));
    double fd = (acq_log_h(z + hh) - acq_log_h(z - hh)) / (2 * hh);
    CHECK_NEAR(acq_dlog_h(z), fd, 1e-5 * fmax(1, fabs(fd)));
  }
  CHECK_NEAR(normal_log_cdf(-10), -53.23128515051248, 1e-10);
  CHECK_NEAR(normal_log_cdf(-40), -804.6084420137539, 1e-9);
  CHECK_NEAR(normal_log_cdf(3), -0.001350809964748193, 1e-14);
  CHECK_NEAR(acq_logei(1, 2, 1), log(2) + log(1 / sqrt(2 * M_PI)), 1e-14);
}

static double branin(const double *u) {
  double x = -5 + 15 * u[0], y = 15 * u[1];
  double t = y - 5.1 / (4 * M_PI * M_PI) * x * x + 5 / M_PI * x - 6;
  return t * t + 10 * (1 - 1 / (8 * M_PI)) * cos(x) + 10;
}

// n asks of a 2-d study, each told f there (the points kept in X when given); the best value.
static double ask_tell(Bo *b, int n, double (*f)(const double *), double *X) {
  double best = HUGE_VAL, x[2];
  for (int i = 0; i < n; i++) {
    double *p = X ? X + 2 * i : x;
    CHECK_INT(bo_ask(b, NULL, 0, p), HPO_OK);
    double v = f(p);
    best = fmin(best, v);
    bo_tell(b, p, v);
  }
  return best;
}

// Asks and tells b Branin's values n times; the regret of the best of them.
static double branin_asks(Bo *b, int n) { return ask_tell(b, n, branin, NULL) - 0.397887357730; }

// Branin in 40 evaluations: regret below 0.05 for most seeds (the bar), for logEI;
// UCB and Thompson sampling get close.
static double bo_branin(BoAcq acq, uint64_t seed, int budget) {
  SpaceDim d[2] = {{.kind = DIM_FLOAT, .lo = -5, .hi = 10}, {.kind = DIM_FLOAT, .lo = 0, .hi = 15}};
  BoOptions o = bo_defaults();
  o.seed = seed;
  o.acq = acq;
  Bo *b;
  CHECK_INT(bo_new(&b, 2, d, &o), HPO_OK);
  double r = branin_asks(b, budget);
  bo_free(b);
  return r;
}

static void test_bo_branin(void) {
  if (getenv("HPO_UNDER_VALGRIND")) {  // memory checks only: the quality runs are in unit/
    bo_branin(BO_LOGEI, 1, 14);
    bo_branin(BO_TS, 1, 12);
    bo_branin(BO_UCB, 1, 12);
    return;
  }
  int good = 0, ts = 0, ucb = 0;
  for (uint64_t s = 1; s <= 6; s++) {
    double r = bo_branin(BO_LOGEI, s, 40);
    good += r < 0.05;
    ts += bo_branin(BO_TS, s, 40) < 0.5;
    ucb += bo_branin(BO_UCB, s, 40) < 0.5;
  }
  CHECK(good >= 5);
  CHECK(ts >= 5);
  CHECK(ucb >= 5);
}

// A 15 x 15 grid of two int parameters, like bench/warm's SVM table; a level's encoded
// coordinate.
static const SpaceDim GRID15[2] = {{.kind = DIM_INT, .lo = 0, .hi = 14},
                                   {.kind = DIM_INT, .lo = 0, .hi = 14}};
static double grid_unit(int v) { return (v + 0.5) / 15; }

// A strip of good values on it: best at g = 8 for c >= 7, second at g = 7 for c >= 5, a
// nearly flat poor plateau elsewhere.
static double strip(int c, int g) {
  if (g == 8 && c >= 7) return 0;
  if (g == 7 && c >= 5) return 0.17;
  return 0.6 - 0.02 * (abs(g - 8) < 3 ? 3 - abs(g - 8) : 0);
}

// In a space of discrete parameters only, when every local search of the acquisition ends at
// a tried point, the ask takes the untried point EI rates best, not the first untried one of
// the screen. About 40% of the grid told (never the best column), one ask: measured over
// seeds 1-10, in the good strip in 9 runs; with the first untried screened point, 6 (the
// others on the plateau).
static void test_bo_grid_fallback(void) {
  int good = 0;
  for (uint64_t seed = 1; seed <= 10; seed++) {
    BoOptions o = bo_defaults();
    o.seed = seed;
    Bo *b;
    CHECK_INT(bo_new(&b, 2, GRID15, &o), HPO_OK);
    Rng r;
    rng_seed(&r, seed);
    for (int c = 0; c < 15; c++)
      for (int g = 0; g < 15; g++) {
        if ((g == 8 && c >= 7) || rng_uniform(&r) < 0.6) continue;
        double u[2] = {grid_unit(c), grid_unit(g)};
        bo_tell(b, u, strip(c, g));
      }
    double x[2];
    CHECK_INT(bo_ask(b, NULL, 0, x), HPO_OK);
    good += strip((int)(x[0] * 15), (int)(x[1] * 15)) <= 0.17;
    bo_free(b);
  }
  CHECK(good >= 8);
}

// Parallel asks with pending points give distinct, spread proposals; mixed spaces work.
static void test_bo_pending(void) {
  SpaceDim d[3] = {{.kind = DIM_FLOAT, .lo = 0, .hi = 1},
                   {.kind = DIM_INT, .lo = 1, .hi = 40, .step = 1},
                   {.kind = DIM_CATEGORICAL, .n = 3}};
  BoOptions o = bo_defaults();
  o.seed = 4;
  Bo *b;
  CHECK_INT(bo_new(&b, 3, d, &o), HPO_OK);
  for (int i = 0; i < 15; i++) {
    double x[3];
    CHECK_INT(bo_ask(b, NULL, 0, x), HPO_OK);
    double k = space_decode(&d[1], x[1]);
    CHECK(k == floor(k) && k >= 1 && k <= 40);
    CHECK(x[2] == 0 || x[2] == 1 || x[2] == 2);
    bo_tell(b, x, (x[0] - 0.3) * (x[0] - 0.3) + fabs(k - 12) / 40 + (x[2] == 1 ? 0 : 0.5));
  }
  double P[12];
  for (int i = 0; i < 4; i++) CHECK_INT(bo_ask(b, P, i, P + 3 * i), HPO_OK);
  for (int i = 0; i < 4; i++)
    for (int j = 0; j < i; j++) {
      double dist = fabs(P[3 * i] - P[3 * j]) + fabs(P[3 * i + 1] - P[3 * j + 1]) +
                    (P[3 * i + 2] != P[3 * j + 2]);
      CHECK(dist > 1e-3);
    }
  bo_free(b);
}

enum { NS = 60 };  // a source study's trials

typedef double (*SourceFn)(const double *, const double *);

// Adds b a source study of NS random points on the unit square (xoshiro seed rs) valued by
// src(u, arg), standardised; its points and values into X (2 NS) and z (NS).
static void random_source(Bo *b, uint64_t rs, SourceFn src, const double *arg, double *X,
                          double *z) {
  double mean = 0, var = 0;
  Rng r;
  rng_seed(&r, rs);
  for (int i = 0; i < NS; i++) {
    X[2 * i] = rng_uniform(&r);
    X[2 * i + 1] = rng_uniform(&r);
    z[i] = src(X + 2 * i, arg);
    mean += z[i] / NS;
  }
  for (int i = 0; i < NS; i++) var += (z[i] - mean) * (z[i] - mean) / NS;
  for (int i = 0; i < NS; i++) z[i] = (z[i] - mean) / sqrt(var);
  CHECK_INT(bo_add_source(b, X, z, NS), HPO_OK);
}

// A warm study on the unit square (options o) with one random_source (rs, src, arg), the
// source's o.seeds best points told as the seed trials, valued by the study's objective obj.
static Bo *warm_study(BoOptions o, uint64_t rs, SourceFn src, const double *arg,
                      double (*obj)(const double *)) {
  SpaceDim d[2] = {{.kind = DIM_FLOAT, .lo = 0, .hi = 1}, {.kind = DIM_FLOAT, .lo = 0, .hi = 1}};
  Bo *b;
  CHECK_INT(bo_new(&b, 2, d, &o), HPO_OK);
  double X[2 * NS], z[NS];
  random_source(b, rs, src, arg, X, z);
  int used[NS] = {0};
  for (int s = 0; s < o.seeds; s++) {
    int m = -1;
    for (int i = 0; i < NS; i++)
      if (!used[i] && (m < 0 || z[i] < z[m])) m = i;
    used[m] = 1;
    bo_tell(b, X + 2 * m, obj(X + 2 * m));
  }
  return b;
}

// A sibling of Branin (arg: sign, dx): sign (3 f + 7) with f shifted by dx in x. sign = 1:
// a sibling of the study; -1: adversarial.
static double branin_sibling(const double *x, const double *arg) {
  double u[2] = {fmax(0, x[0] - arg[1]), x[1]};
  return arg[0] * (3 * branin(u) + 7);
}

// A warm study of Branin: options o, one source (branin_sibling: sign, dx, seed 99).
static Bo *warm_branin(BoOptions o, double sign, double dx) {
  double arg[2] = {sign, dx};
  return warm_study(o, 99, branin_sibling, arg, branin);
}

// The first n points of the study's Sobol startup (seeded as bo_new seeds it).
static void startup_points(uint64_t seed, int n, double *S) {
  QmcSobol *q;
  QmcOptions qo = qmc_defaults();
  qo.seed = seed;
  CHECK_INT(qmc_new(&q, 2, &qo), HPO_OK);
  for (int i = 0; i < n; i++) qmc_next(q, S + 2 * i);
  qmc_free(q);
}

// On a grid the Sobol startup passes over configurations already tried (here, told before
// the first ask: the grid points of the sequence's 3rd to 6th points): its 6 asks are
// untried and distinct. Before, the 3rd to 6th asks repeated the told ones.
static void test_bo_startup_untried(void) {
  enum { NT = 4 };
  BoOptions o = bo_defaults();
  o.seed = 3;
  Bo *b;
  CHECK_INT(bo_new(&b, 2, GRID15, &o), HPO_OK);
  double S[2 * 6], T[2 * NT], A[2 * 6];
  startup_points(3, 6, S);
  for (int i = 0; i < NT; i++) {
    for (int j = 0; j < 2; j++) T[2 * i + j] = grid_unit((int)(S[2 * (i + 2) + j] * 15));
    bo_tell(b, T + 2 * i, 1.0);
  }
  for (int i = 0; i < 6; i++) {
    CHECK_INT(bo_ask(b, NULL, 0, A + 2 * i), HPO_OK);
    for (int k = 0; k < NT; k++)
      CHECK(fabs(A[2 * i] - T[2 * k]) + fabs(A[2 * i + 1] - T[2 * k + 1]) > 1e-9);
    for (int k = 0; k < i; k++)
      CHECK(fabs(A[2 * i] - A[2 * k]) + fabs(A[2 * i + 1] - A[2 * k + 1]) > 1e-9);
    bo_tell(b, A + 2 * i, 1.0);
  }
  bo_free(b);
}

// Transfer (bo_add_source): a source that is the study's objective rescaled and offset
// (3 f + 7, shifted by 0.01) steers the asks after the Sobol startup to the optimum; one that is
// its negation gets weight 0 at the end, and the study still finds the optimum.
static double bo_transfer(uint64_t seed, int budget, double sign, int diverge, double *wsrc) {
  BoOptions o = bo_defaults();
  o.seed = seed;
  Bo *b = warm_branin(o, sign, 0.01);
  double best = HUGE_VAL, x[2], w[2];
  for (int i = 0; i < budget; i++) {
    CHECK_INT(bo_ask(b, NULL, 0, x), HPO_OK);
    double f = branin(x);
    best = fmin(best, f);
    bo_tell(b, x, i == diverge ? HUGE_VAL : f);
  }
  CHECK_INT(bo_source_weights(b, w), 1);
  *wsrc = w[0];
  bo_free(b);
  return best - 0.397887357730;
}

static void test_bo_transfer(void) {
  double w;
  if (getenv("HPO_UNDER_VALGRIND")) {
    bo_transfer(1, 13, 1, -1, &w);
    bo_transfer(1, 13, -1, -1, &w);
    return;
  }
  // Measured at 20 asks (10 of them Sobol) over seeds 1-30: warm's median 1.4e-6 (8.9e-6
  // without the trust region), ahead of cold (median 0.09) in 30; seeds 1-5: warm 1.9e-7 to
  // 3.6e-6. The source's weight at the end: median 0.58 (0.77 without the trust region: the
  // study's trials close in on the optimum, where the shifted source misranks them), 0 in 2 of
  // 30; seeds 1-5: 0.38, 0.39, 0.42, 0.76, 0.23. The adversarial source ends at weight 0 and
  // 1e-3 regret after 40 asks in 28 of 30.
  int better = 0, close = 0, kept = 0;
  for (uint64_t s = 1; s <= 5; s++) {
    double r = bo_transfer(s, 20, 1, -1, &w);
    better += r < bo_branin(BO_LOGEI, s, 20);
    close += r < 1e-3;
    kept += w > 0.1;
    CHECK(bo_transfer(s, 40, -1, -1, &w) < 1e-3);
    CHECK(w == 0);
  }
  CHECK(kept >= 4);
  CHECK(better >= 4);
  CHECK(close >= 4);  // 5 of 5 measured
  // Refining in a shrunk trust region, the residual GP sees the trials there alone: at 40
  // asks seeds 1-5 measured 2.7e-7, 3.0e-10, 8.7e-9, 2.3e-9, 1.6e-8; fitted to every trial
  // (the Sobol points' residuals setting its scale) 3.3e-6, 1.9e-7, 3.4e-7, 4.5e-7, 6.4e-7.
  int fine_digits = 0;
  for (uint64_t s = 1; s <= 5; s++) fine_digits += bo_transfer(s, 40, 1, -1, &w) < 5e-8;
  CHECK(fine_digits >= 3);
  // A diverged trial (+inf) among the Sobol points stays out of the transfer model's line
  // (the GP ranks it worst). Measured: 5.7e-8 to 3.4e-6; when it made the line NaN and the
  // study fell back to its own GP, 0.0027 to 0.37.
  int fine = 0;
  for (uint64_t s = 1; s <= 5; s++) fine += bo_transfer(s, 20, 1, 3, &w) < 1e-3;
  CHECK(fine >= 4);
}

// A conditional parameter (mom, only with opt = 0): the trials store it NaN when inactive, so
// the models must see candidates that way too. Without the condition the model scores
// (opt 1, mom 0.9) as a new region, unlike the observed (opt 1, NaN), and keeps proposing it.
static double bo_conditional(uint64_t seed, int budget) {
  SpaceDim d[3] = {{.kind = DIM_FLOAT, .lo = 0, .hi = 1}, {.kind = DIM_FLOAT, .lo = 0, .hi = 1},
                   {.kind = DIM_CATEGORICAL, .n = 2}};
  BoOptions o = bo_defaults();
  o.seed = seed;
  Bo *b;
  CHECK_INT(bo_new(&b, 3, d, &o), HPO_OK);
  double code = 0;
  CHECK_INT(bo_set_condition(b, 1, 2, &code, 1), HPO_OK);
  double best = HUGE_VAL, x[3];
  for (int i = 0; i < budget; i++) {
    CHECK_INT(bo_ask(b, NULL, 0, x), HPO_OK);
    if (x[2] == 1) x[1] = NAN;  // as the study stores it
    double f = (x[0] - 0.5) * (x[0] - 0.5) + (x[2] == 0 ? (x[1] - 0.85) * (x[1] - 0.85) : 0.1);
    best = fmin(best, f);
    bo_tell(b, x, f);
  }
  bo_free(b);
  return best;
}

static void test_bo_conditional(void) {
  Bo *b;
  SpaceDim d[2] = {{.kind = DIM_FLOAT, .lo = 0, .hi = 1}, {.kind = DIM_CATEGORICAL, .n = 2}};
  CHECK_INT(bo_new(&b, 2, d, NULL), HPO_OK);
  double code = 1;
  CHECK_INT(bo_set_condition(b, 0, 0, &code, 1), HPO_EINVAL);  // its own parent
  CHECK_INT(bo_set_condition(b, 0, 2, &code, 1), HPO_EINVAL);
  CHECK_INT(bo_set_condition(b, 0, 1, &code, 0), HPO_EINVAL);
  CHECK_INT(bo_set_condition(b, 0, 1, &code, 1), HPO_OK);
  bo_free(b);
  if (getenv("HPO_UNDER_VALGRIND")) {
    bo_conditional(1, 14);
    return;
  }
  // Measured at 20 trials: below 7e-7 for seeds 1-5; without the condition 1.3e-3 to 1.4e-2,
  // and no better at 30.
  int good = 0;
  for (uint64_t s = 1; s <= 5; s++) good += bo_conditional(s, 20) < 1e-4;
  CHECK_INT(good, 5);
}

// After warm-start seed trials the remaining Sobol points alternate with model-based asks,
// a model-based one first, while the sources explain the study; a source that ranks it
// backwards (scale 0) leaves a cold study, and its Sobol points come first.
static void test_bo_seed_order(void) {
  for (int sign = 1; sign >= -1; sign -= 2) {
    BoOptions o = bo_defaults();
    o.seed = 3;
    o.seeds = 5;
    Bo *b = warm_branin(o, sign, 0.01);
    double s0[2], x[2];
    startup_points(o.seed, 1, s0);
    CHECK_INT(bo_ask(b, NULL, 0, x), HPO_OK);
    int sobol_first = x[0] == s0[0] && x[1] == s0[1];
    CHECK(sobol_first == (sign < 0));
    bo_free(b);
  }
}

// With sources that explain the study, the model-based asks after the seeds search a trust
// region around the best trial; Branin's three equal optima all look good to the transfer
// model, and without the region the asks spread over them.
static double bo_trust(uint64_t seed, double trust, int budget) {
  BoOptions o = bo_defaults();
  o.seed = seed;
  o.seeds = 5;
  o.trust = trust;
  Bo *b = warm_branin(o, 1, 0.01);
  double r = branin_asks(b, budget - 5);  // the asks only: the seeds are far above the bar
  bo_free(b);
  return r;
}

static void test_bo_trust_region(void) {
  if (getenv("HPO_UNDER_VALGRIND")) {
    bo_trust(1, 0.4, 12);
    return;
  }
  // Measured at 20 trials (the 5 seeds, 5 Sobol points, 10 model-based asks), seeds 1-10:
  // below 3e-7 in all 10 (6.5e-9 to 2.5e-7); without the region in 2 (6.6e-9 to 1.9e-3).
  int good = 0;
  for (uint64_t s = 1; s <= 10; s++) good += bo_trust(s, 0.4, 20) < 3e-7;
  CHECK(good >= 9);
}

// Rosenbrock's valley on [-2, 2]^2 in the unit square, and a sibling (arg: its shift) that
// rescales and offsets it: EI walking the valley proposes points on the trust region's edge.
static double rosen2(const double *u) {
  double x = -2 + 4 * u[0], y = -2 + 4 * u[1];
  return 100 * (y - x * x) * (y - x * x) + (1 - x) * (1 - x);
}

static double rosen2_sibling(const double *u, const double *arg) {
  double v[2] = {fmin(1, fmax(0, u[0] - arg[0])), fmin(1, fmax(0, u[1] - arg[1]))};
  return 2 * rosen2(v) + 1;
}

// A trial on the trust region's edge is one of the region's trials for the transfer model's
// local fit. Measured over seeds 1-10, 80 asks: no ask within 1e-6 of an earlier trial that
// was worse than the best; when the edge's trials fell out of the fit by rounding (|a - c|
// came out one ulp above side / 2), EI proposed such a trial again (seeds 2 and 8, once
// each). Counts those asks.
static int bo_edge_repeats(uint64_t seed, int asks) {
  BoOptions o = bo_defaults();
  o.seed = seed;
  o.seeds = 5;
  double arg[2] = {0.04, -0.03}, X[2 * asks], y[asks], best = HUGE_VAL;
  Bo *b = warm_study(o, 99, rosen2_sibling, arg, rosen2);
  int rep = 0;
  for (int i = 0; i < asks; i++) {
    double *x = X + 2 * i;
    CHECK_INT(bo_ask(b, NULL, 0, x), HPO_OK);
    y[i] = rosen2(x);
    for (int j = 0; j < i; j++)
      if (fmax(fabs(x[0] - X[2 * j]), fabs(x[1] - X[2 * j + 1])) < 1e-6 &&
          y[j] > best + 1e-3 * fabs(best)) {
        rep++;
        break;
      }
    best = fmin(best, y[i]);
    bo_tell(b, x, y[i]);
  }
  bo_free(b);
  return rep;
}

static void test_bo_edge_trials(void) {
  if (getenv("HPO_UNDER_VALGRIND")) {
    bo_edge_repeats(2, 12);
    return;
  }
  int rep = 0;
  for (uint64_t s = 1; s <= 10; s++) rep += bo_edge_repeats(s, 80);
  CHECK_INT(rep, 0);
}

// Once the study's trials bunch at Branin's optimum, a sibling shifted by 0.04 misranks them
// all and RGPE gives it no weight; over the whole space it still explains the study, so the
// transfer model keeps it (their plain mean) and the asks stay model-based after the 5
// interleaved Sobol points. Without that the study turned cold mid-search: the remaining
// Sobol points (up to 10 in all), then its own GP alone. Counts the asks that were Sobol
// points, and the asks after which the source's weight was 0.
static int bo_sobol_asks(uint64_t seed, int asks, int *zero) {
  BoOptions o = bo_defaults();
  o.seed = seed;
  o.seeds = 5;
  Bo *b = warm_branin(o, 1, 0.04);
  double S[2 * 10], x[2], w[2];
  startup_points(seed, 10, S);
  int sobol = 0;
  for (int i = 0; i < asks; i++) {
    CHECK_INT(bo_ask(b, NULL, 0, x), HPO_OK);
    for (int k = 0; k < 10; k++) sobol += x[0] == S[2 * k] && x[1] == S[2 * k + 1];
    CHECK_INT(bo_source_weights(b, w), 1);
    *zero += w[0] == 0;
    bo_tell(b, x, branin(x));
  }
  bo_free(b);
  return sobol;
}

static void test_bo_plain_mean(void) {
  int zero = 0;
  if (getenv("HPO_UNDER_VALGRIND")) {
    bo_sobol_asks(1, 12, &zero);
    return;
  }
  // Measured over seeds 1-10, 18 asks each: 5 Sobol points in every run, and the weight 0
  // after 55 of seeds 1-6's 108 asks; with the RGPE-weighted mean alone, 10 in every run.
  // (Later a run whose trust region has shrunk away adds its restart's Sobol points: 6 of
  // seeds 1-10 by 20 asks.)
  int extra = 0;
  for (uint64_t s = 1; s <= 6; s++) extra += bo_sobol_asks(s, 18, &zero) != 5;
  CHECK(extra == 0);
  CHECK(zero >= 10);
}

// A study whose sources know only a local optimum: the source is a bowl at A, the study's
// objective the same bowl (0.5 at A) beside a deeper, narrower one at G that the source
// never saw. The transfer model takes the study to A and rates G poorly for good; once the
// trust region is given up there, the study restarts (ten more points of its Sobol startup
// sequence, then its GP on the trials since) and finds G. Returns the best value after
// `budget` asks; sobol: whether ten asks in a row were the next ten points of that sequence
// after the five of the startup.
static const double BA[2] = {0.25, 0.3}, BG[2] = {0.85, 0.8};
static double two_basins(const double *u) {
  double a = (u[0] - BA[0]) * (u[0] - BA[0]) + (u[1] - BA[1]) * (u[1] - BA[1]);
  double g = (u[0] - BG[0]) * (u[0] - BG[0]) + (u[1] - BG[1]) * (u[1] - BG[1]);
  return fmin(0.5 + 8 * a, 60 * g);
}

// The source's task: the bowl at A alone.
static double bowl_a(const double *u, const double *arg) {
  (void)arg;
  return 8 * ((u[0] - BA[0]) * (u[0] - BA[0]) + (u[1] - BA[1]) * (u[1] - BA[1]));
}

// The two-basin study (seed 7 for its source); startup: its Sobol startup (the restart's
// too).
static Bo *two_basin_study(uint64_t seed, int startup) {
  BoOptions o = bo_defaults();
  o.seed = seed;
  o.seeds = 5;
  o.startup = startup;
  return warm_study(o, 7, bowl_a, NULL, two_basins);
}

static double bo_restart(uint64_t seed, int budget, int *sobol) {
  Bo *b = two_basin_study(seed, 10);
  enum { NSOB = 40 };
  double S[2 * NSOB], x[2], best = HUGE_VAL;
  startup_points(seed, NSOB, S);
  int run = 0, last = -1;  // asks in a row that were the sequence's next points, the last's
  *sobol = 0;
  for (int i = 0; i < budget; i++) {
    CHECK_INT(bo_ask(b, NULL, 0, x), HPO_OK);
    int k = 0;
    while (k < NSOB && !(x[0] == S[2 * k] && x[1] == S[2 * k + 1])) k++;
    run = k < NSOB && k == last + 1 ? run + 1 : k >= 5 && k < NSOB;
    last = k < NSOB ? k : last;
    *sobol += run == 10 && last >= 14;
    double f = two_basins(x);
    best = fmin(best, f);
    bo_tell(b, x, f);
  }
  bo_free(b);
  return best;
}

static void test_bo_restart(void) {
  int sobol;
  if (getenv("HPO_UNDER_VALGRIND")) {
    bo_restart(2, 12, &sobol);
    return;
  }
  // Measured over seeds 1-6, 120 asks: G (below 0.05) in all 6 runs, seeds 2, 3 and 4 only
  // after a restart (by asks 86, 26 and 94); 3 runs restarted. Without the restart (and with
  // the trust region's patience at max(4, dim)) seeds 2, 3 and 4 stayed at A's 0.5 through
  // 150 asks.
  int found = 0, restarts = 0;
  for (uint64_t s = 1; s <= 6; s++) {
    found += bo_restart(s, 120, &sobol) < 0.05;
    restarts += sobol;
  }
  CHECK(found == 6);
  CHECK(restarts >= 2);
}

// A study resumed in the middle of a restart (its GP's hyperparameters between two
// checkpoints) asks what the uninterrupted one asked: the restart keeps no state. Then,
// early in the restart, running trials are its GP's fantasies: parallel asks are spread.
// Under valgrind (memory only) those parallel asks and a restart without Sobol points.
static void test_bo_restart_resume(void) {
  // Seed 2: the trust region is given up at trial 12, the restart's Sobol points are asks
  // 13-22, its GP's asks follow; resumed at 22 trials since (checkpoints 21 and 23).
  int vg = getenv("HPO_UNDER_VALGRIND") != NULL, n = 60, cut = 35;
  double X[2 * 60], x[2];
  if (!vg) {
    Bo *b = two_basin_study(2, 10);
    ask_tell(b, n, two_basins, X);
    bo_free(b);
    Bo *c = two_basin_study(2, 10);
    ask_tell(c, cut, two_basins, NULL);
    BoState st;
    double theta[2 * 4];
    bo_get_state(c, &st, theta);
    bo_free(c);
    c = two_basin_study(2, 10);
    for (int i = 0; i < cut; i++) bo_tell(c, X + 2 * i, two_basins(X + 2 * i));
    CHECK_INT(bo_set_state(c, &st, theta), HPO_OK);
    int same = 1;
    for (int i = cut; i < n; i++) {
      CHECK_INT(bo_ask(c, NULL, 0, x), HPO_OK);
      same &= x[0] == X[2 * i] && x[1] == X[2 * i + 1];
      bo_tell(c, x, two_basins(x));
    }
    CHECK(same);
    bo_free(c);
  }
  // Four parallel asks at the restart GP's first: measured at least 0.013 apart (L1); with
  // EI's incumbent the best trial, not the best of trials and fantasies, three pairs were
  // closer than 0.005. Later, with its trials bunched at A's optimum, EI's best points
  // crowd there and the fantasies part them by 1e-6 or less.
  Bo *b = two_basin_study(2, 10);
  ask_tell(b, 23, two_basins, NULL);
  double P[2 * 4];
  for (int i = 0; i < 4; i++) CHECK_INT(bo_ask(b, P, i, P + 2 * i), HPO_OK);
  for (int i = 0; i < 4; i++)
    for (int j = 0; j < i; j++)
      CHECK(fabs(P[2 * i] - P[2 * j]) + fabs(P[2 * i + 1] - P[2 * j + 1]) > 0.005);
  bo_free(b);
  // With startup = 0 the restart asks its GP at once, from the first trial after the
  // collapse (one Sobol point: a GP of no trials cannot be fitted). Seed 2: from ask 14.
  Bo *z = two_basin_study(2, 0);
  ask_tell(z, vg ? 22 : n, two_basins, NULL);
  bo_free(z);
}

// A bowl centred at c.
static double bowl_at(const double *u, const double *c) {
  return 8 * ((u[0] - c[0]) * (u[0] - c[0]) + (u[1] - c[1]) * (u[1] - c[1]));
}

// The sources' predicted optimum (the model seed trial of TPE and CMA-ES): the optimum of
// their GPs' mean, which for a source of random trials lies much nearer its task's optimum
// than its best trial; for two sources, between their optima.
static void test_bo_source_optimum(void) {
  SpaceDim d[2] = {{.kind = DIM_FLOAT, .lo = 0, .hi = 1}, {.kind = DIM_FLOAT, .lo = 0, .hi = 1}};
  Bo *b;
  double x[2];
  CHECK_INT(bo_new(&b, 2, d, NULL), HPO_OK);
  CHECK_INT(bo_source_optimum(b, x), HPO_EINVAL);  // no sources
  bo_free(b);
  BoOptions o = bo_defaults();
  o.seeds = 0;
  const double c1[2] = {0.3, 0.6}, c2[2] = {0.6, 0.6};
  b = warm_study(o, 5, bowl_at, c1, branin);
  CHECK_INT(bo_source_optimum(b, x), HPO_OK);
  double best = HUGE_VAL;  // the source's best trial (the same draws, seed 5)
  Rng r;
  rng_seed(&r, 5);
  for (int i = 0; i < NS; i++) {
    double u[2] = {rng_uniform(&r), 0};
    u[1] = rng_uniform(&r);
    best = fmin(best, bowl_at(u, c1));
  }
  CHECK(bowl_at(x, c1) < best / 100);  // measured: 1e-10 against 1.1e-3
  CHECK(bo_count(b) == 0);  // nothing told
  // A second source: their mean's optimum is between the two (at the midpoint if the
  // standardised values had equal scales; measured 0.472).
  double X[2 * NS], z[NS];
  random_source(b, 6, bowl_at, c2, X, z);
  CHECK_INT(bo_source_optimum(b, x), HPO_OK);
  CHECK(x[0] > 0.4 && x[0] < 0.5 && fabs(x[1] - 0.6) < 0.01);
  bo_free(b);
}

int main(void) {
  gp_blas_threads(1);
  test_lbfgsb();
  test_gradient(GP_MATERN52, 0);
  test_gradient(GP_RBF, 0);
  test_gradient(GP_MATERN52, 1);
  test_two_points();
  test_fit();
  test_noise_free_mode();
  test_logei();
  test_bo_branin();
  test_bo_pending();
  test_bo_grid_fallback();
  test_bo_startup_untried();
  test_bo_conditional();
  test_bo_transfer();
  test_bo_seed_order();
  test_bo_trust_region();
  test_bo_edge_trials();
  test_bo_plain_mean();
  test_bo_restart();
  test_bo_restart_resume();
  test_bo_source_optimum();
  return check_report();
}
