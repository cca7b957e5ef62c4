#include "cmaes.h"

#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "linalg.h"
#include "rng.h"
#include "status.h"

struct CmaEs {
  int n;
  CmaOptions opt;
  Rng rng;
  int lambda_default;
  CmaConstants k;
  double *w;  // lambda weights: positive ones sum to 1, negative ones for active CMA
  double sum_w;
  double *m, sigma, sigma0;
  double *C, *B, *D;  // C = B diag(D^2) B^T
  double *ps, *pc;
  double *Y, *X;      // the generation's steps y_i = (x_i - m)/sigma and points, lambda x n
  double *tmp, *tmp2, *eig_work;
  int *order;
  double *hist;       // best value of recent generations (TolFun)
  int hist_len, hist_n;
  int gen, eigen_gen, restarts, n_large;
  long evals, budget_small, budget_large;
  int regime_large;   // BIPOP: the current run is a large-population one
  double best_f, *best_x;
  double *minstd;  // per coordinate, a floor on its standard deviation (integers), or NULL
  double *x0;      // the initial mean, where an unbounded run restarts
};

static int imax(int a, int b) { return a > b ? a : b; }

CmaOptions cmaes_defaults(void) {
  return (CmaOptions){.seed = 0, .sigma0 = 0, .popsize = 0, .restart = CMAES_RESTART_NONE,
                      .bounded = 1, .max_restarts = 9};
}

// Tutorial weights (arXiv 1604.00772, eqs. 49-53), with the active (negative) part.
static CmaConstants constants(int n, int lambda, double *w, double *sum_w) {
  CmaConstants k = {.lambda = lambda, .mu = lambda / 2};
  double *wp = malloc(sizeof(double) * (size_t)lambda);
  double s_pos = 0, s_pos2 = 0, s_neg = 0, s_neg2 = 0;
  for (int i = 0; i < lambda; i++) {
    double v = log((lambda + 1) / 2.0) - log(i + 1.0);
    if (wp) wp[i] = v;
    if (i < k.mu) {
      s_pos += v;
      s_pos2 += v * v;
    } else {
      s_neg += v;
      s_neg2 += v * v;
    }
  }
  k.mu_eff = s_pos * s_pos / s_pos2;
  double mu_eff_neg = s_neg2 > 0 ? s_neg * s_neg / s_neg2 : 0;
  k.c_sigma = (k.mu_eff + 2) / (n + k.mu_eff + 5);
  k.d_sigma = 1 + 2 * fmax(0, sqrt((k.mu_eff - 1) / (n + 1)) - 1) + k.c_sigma;
  k.c_c = (4 + k.mu_eff / n) / (n + 4 + 2 * k.mu_eff / n);
  k.c_1 = 2 / ((n + 1.3) * (n + 1.3) + k.mu_eff);
  k.c_mu = fmin(1 - k.c_1, 2 * (k.mu_eff - 2 + 1 / k.mu_eff) / ((n + 2) * (n + 2) + k.mu_eff));
  k.chi_n = sqrt(n) * (1 - 1.0 / (4 * n) + 1.0 / (21.0 * n * n));
  if (w && wp) {
    double a_mu = 1 + k.c_1 / k.c_mu;
    double a_mueff = 1 + 2 * mu_eff_neg / (k.mu_eff + 2);
    double a_posdef = (1 - k.c_1 - k.c_mu) / (n * k.c_mu);
    double a_neg = fmin(a_mu, fmin(a_mueff, a_posdef));
    double sum = 0;
    for (int i = 0; i < lambda; i++) {
      w[i] = i < k.mu ? wp[i] / s_pos : a_neg * wp[i] / fabs(s_neg);
      sum += w[i];
    }
    *sum_w = sum;
  }
  free(wp);
  return k;
}

CmaConstants cmaes_constants(int n, int lambda) {
  if (lambda <= 0) lambda = 4 + (int)floor(3 * log(n));
  return constants(n, lambda, NULL, NULL);
}

static void free_generation(CmaEs *c) {
  free(c->w);
  free(c->Y);
  free(c->X);
  free(c->order);
  free(c->hist);
  c->w = c->Y = c->X = c->hist = NULL;
  c->order = NULL;
}

// (Re)size everything that depends on lambda, and reset the distribution to mean m0.
static int start_run(CmaEs *c, int lambda, double sigma) {
  int n = c->n;
  free_generation(c);
  c->w = malloc(sizeof(double) * (size_t)lambda);
  c->Y = calloc((size_t)lambda * (size_t)n, sizeof(double));
  c->X = calloc((size_t)lambda * (size_t)n, sizeof(double));
  c->order = malloc(sizeof(int) * (size_t)lambda);
  c->hist_len = 10 + (int)ceil(30.0 * n / lambda);
  c->hist = calloc((size_t)c->hist_len, sizeof(double));  // all of it is in the state
  if (!c->w || !c->Y || !c->X || !c->order || !c->hist) return HPO_ENOMEM;
  c->k = constants(n, lambda, c->w, &c->sum_w);
  if (c->opt.separable) {
    // sep-CMA (Ros and Hansen 2008): a diagonal C learns (n + 2)/3 times faster.
    double f = (n + 2) / 3.0;
    c->k.c_1 = fmin(1, c->k.c_1 * f);
    c->k.c_mu = fmin(1 - c->k.c_1, c->k.c_mu * f);
  }
  c->sigma = sigma;
  for (int i = 0; i < n * n; i++) c->C[i] = c->B[i] = 0;
  for (int j = 0; j < n; j++) {
    c->C[j * n + j] = c->B[j * n + j] = 1;
    c->D[j] = 1;
    c->ps[j] = c->pc[j] = 0;
  }
  c->gen = c->eigen_gen = 0;
  c->hist_n = 0;
  return HPO_OK;
}

int cmaes_new(CmaEs **out, int n, const double *x0, const CmaOptions *opt) {
  *out = NULL;
  if (n < 1) return HPO_EINVAL;
  CmaEs *c = calloc(1, sizeof *c);
  if (!c) return HPO_ENOMEM;
  c->n = n;
  c->opt = opt ? *opt : cmaes_defaults();
  rng_seed(&c->rng, c->opt.seed);
  c->lambda_default = 4 + (int)floor(3 * log(n));
  c->sigma0 = c->opt.sigma0 > 0 ? c->opt.sigma0 : 1.0 / 6;
  size_t nn = (size_t)n * (size_t)n;
  c->m = malloc(sizeof(double) * (size_t)n);
  c->C = malloc(sizeof(double) * nn);
  c->B = malloc(sizeof(double) * nn);
  c->D = malloc(sizeof(double) * (size_t)n);
  c->ps = malloc(sizeof(double) * (size_t)n);
  c->pc = malloc(sizeof(double) * (size_t)n);
  c->tmp = malloc(sizeof(double) * (size_t)n);
  c->tmp2 = malloc(sizeof(double) * (size_t)n);
  c->eig_work = malloc(sizeof(double) * nn);
  c->best_x = calloc((size_t)n, sizeof(double));  // in the state before any best
  if (!c->m || !c->C || !c->B || !c->D || !c->ps || !c->pc || !c->tmp || !c->tmp2 ||
      !c->eig_work || !c->best_x) {
    cmaes_free(c);
    return HPO_ENOMEM;
  }
  c->x0 = malloc(sizeof(double) * (size_t)n);
  if (!c->x0) {
    cmaes_free(c);
    return HPO_ENOMEM;
  }
  for (int j = 0; j < n; j++) c->m[j] = c->x0[j] = x0 ? x0[j] : 0.5;
  c->best_f = INFINITY;
  int lambda = c->opt.popsize > 0 ? c->opt.popsize : c->lambda_default;
  int status = start_run(c, lambda, c->sigma0);
  if (status != HPO_OK) {
    cmaes_free(c);
    return status;
  }
  *out = c;
  return HPO_OK;
}

void cmaes_free(CmaEs *c) {
  if (!c) return;
  free_generation(c);
  free(c->m);
  free(c->C);
  free(c->B);
  free(c->D);
  free(c->ps);
  free(c->pc);
  free(c->tmp);
  free(c->tmp2);
  free(c->eig_work);
  free(c->best_x);
  free(c->minstd);
  free(c->x0);
  free(c);
}

int cmaes_lambda(const CmaEs *c) { return c->k.lambda; }
int cmaes_generation(const CmaEs *c) { return c->gen; }
int cmaes_restarts(const CmaEs *c) { return c->restarts; }
double cmaes_sigma(const CmaEs *c) { return c->sigma; }
const double *cmaes_mean(const CmaEs *c) { return c->m; }

double cmaes_best(const CmaEs *c, double *x) {
  if (x) memcpy(x, c->best_x, sizeof(double) * (size_t)c->n);
  return c->best_f;
}

// Eigendecomposition C = B diag(D^2) B^T (dsyevr), after symmetrising C; eigenvalues are
// floored so that C stays positive definite.
static int decompose(CmaEs *c) {
  int n = c->n;
  if (c->opt.separable) {  // diagonal: B = I, D = sqrt(diag C)
    for (int j = 0; j < n; j++) c->D[j] = sqrt(fmax(c->C[j * n + j], 1e-300));
    c->eigen_gen = c->gen;
    return HPO_OK;
  }
  for (int i = 0; i < n; i++)
    for (int j = 0; j < i; j++) c->C[i * n + j] = c->C[j * n + i];
  memcpy(c->eig_work, c->C, sizeof(double) * (size_t)n * (size_t)n);
  lapack_int found;
  lapack_int *isuppz = malloc(sizeof(lapack_int) * (size_t)(2 * n));
  if (!isuppz) return HPO_ENOMEM;
  lapack_int info = LAPACKE_dsyevr(LAPACK_ROW_MAJOR, 'V', 'A', 'U', n, c->eig_work, n, 0, 0, 0,
                                   0, 0, &found, c->D, c->B, n, isuppz);
  free(isuppz);
  if (info != 0) return HPO_EINVAL;
  double dmax = 0;
  for (int j = 0; j < n; j++) dmax = fmax(dmax, c->D[j]);
  for (int j = 0; j < n; j++) c->D[j] = sqrt(fmax(c->D[j], dmax * 1e-14 + 1e-300));
  c->eigen_gen = c->gen;
  return HPO_OK;
}

// out = B diag(s) B^T v, with s[j] = D[j]^p (p = -1 for C^-1/2).
static void apply_sqrt(const CmaEs *c, const double *v, double p, double *out, double *work) {
  int n = c->n;
  for (int k = 0; k < n; k++) {
    double s = 0;
    for (int i = 0; i < n; i++) s += c->B[i * n + k] * v[i];
    work[k] = s * pow(c->D[k], p);
  }
  for (int i = 0; i < n; i++) {
    double s = 0;
    for (int k = 0; k < n; k++) s += c->B[i * n + k] * work[k];
    out[i] = s;
  }
}

// Reflection into [0, 1] (a triangle wave of period 2): the boundary transform option.
static double reflect(double x) {
  double t = fmod(fabs(x), 2.0);
  return t > 1 ? 2 - t : t;
}

// Draw one point x (and its step y) from N(m, sigma^2 C), within bounds when asked to.
static void draw(CmaEs *c, double *xi, double *yi) {
  int n = c->n;
  if (c->opt.bounded == 2) {
    // Boundary transform: the distribution lives unbounded, the point evaluated is its
    // reflection into the cube, and the update uses the unbounded step.
    for (int k = 0; k < n; k++) c->tmp[k] = c->D[k] * rng_normal(&c->rng);
    for (int j = 0; j < n; j++) {
      double s = 0;
      for (int k = 0; k < n; k++) s += c->B[j * n + k] * c->tmp[k];
      yi[j] = s;
      xi[j] = reflect(c->m[j] + c->sigma * s);
    }
    return;
  }
  for (int tries = 0;; tries++) {
    for (int k = 0; k < n; k++) c->tmp[k] = c->D[k] * rng_normal(&c->rng);
    int inside = 1;
    for (int j = 0; j < n; j++) {
      double s = 0;
      for (int k = 0; k < n; k++) s += c->B[j * n + k] * c->tmp[k];
      yi[j] = s;
      xi[j] = c->m[j] + c->sigma * s;
      inside &= xi[j] >= 0 && xi[j] <= 1;
    }
    if (!c->opt.bounded || inside) return;
    if (tries >= 100) {
      // Bounds: resample up to 100 times (the cmaes package's rule), then clip; the step
      // then is the one to the clipped point.
      for (int j = 0; j < n; j++) {
        xi[j] = fmin(fmax(xi[j], 0), 1);
        yi[j] = (xi[j] - c->m[j]) / c->sigma;
      }
      return;
    }
  }
}

int cmaes_sample(CmaEs *c, double *x) {
  double *y = malloc(sizeof(double) * (size_t)c->n);
  if (!y) return HPO_ENOMEM;
  draw(c, x, y);
  free(y);
  return HPO_OK;
}

int cmaes_ask(CmaEs *c, double *x) {
  int n = c->n, lambda = c->k.lambda;
  // Lazy eigendecomposition: often enough that B and D lag C by a small fraction of its
  // learning time (tutorial, section B.2).
  double lag = (double)lambda / ((c->k.c_1 + c->k.c_mu) * n * 10);
  if (c->gen - c->eigen_gen >= lag || c->gen == 0 || c->opt.separable) {
    int status = decompose(c);
    if (status != HPO_OK) return status;
  }
  for (int i = 0; i < lambda; i++) draw(c, c->X + (size_t)i * n, c->Y + (size_t)i * n);
  memcpy(x, c->X, sizeof(double) * (size_t)lambda * (size_t)n);
  return HPO_OK;
}

static const double *g_f;  // the values being sorted (qsort has no context argument)
static int by_value(const void *a, const void *b) {
  double x = g_f[*(const int *)a], y = g_f[*(const int *)b];
  return (x > y) - (x < y);
}

static int should_stop(CmaEs *c, const double *f) {
  int n = c->n, lambda = c->k.lambda;
  double fmin_ = f[c->order[0]], fmax_ = f[c->order[lambda - 1]];
  c->hist[c->gen % c->hist_len] = fmin_;
  if (c->hist_n < c->hist_len) c->hist_n++;
  // TolFun: recent best values and this generation's values all within 1e-12.
  if (c->hist_n == c->hist_len) {
    double lo = fmin_, hi = fmax_;
    for (int i = 0; i < c->hist_n; i++) {
      lo = fmin(lo, c->hist[i]);
      hi = fmax(hi, c->hist[i]);
    }
    if (hi - lo < 1e-12) return 1;
  }
  // TolX: every coordinate's deviation and the evolution path below 1e-12 sigma0.
  int tolx = 1;
  for (int j = 0; j < n && tolx; j++)
    tolx = c->sigma * sqrt(c->C[j * n + j]) < 1e-12 * c->sigma0 &&
           c->sigma * fabs(c->pc[j]) < 1e-12 * c->sigma0;
  if (tolx) return 1;
  double dmax = 0, dmin = INFINITY;
  for (int j = 0; j < n; j++) {
    dmax = fmax(dmax, c->D[j]);
    dmin = fmin(dmin, c->D[j]);
  }
  if (c->sigma * dmax > 1e4) return 1;                 // TolUpSigma: diverging
  if (dmax * dmax > 1e14 * dmin * dmin) return 1;      // ConditionCov
  // NoEffectAxis: a tenth of a standard deviation along axis gen % n moves nothing.
  int a = c->gen % n, none = 1;
  for (int j = 0; j < n && none; j++)
    none = c->m[j] == c->m[j] + 0.1 * c->sigma * c->D[a] * c->B[j * n + a];
  if (none) return 1;
  // NoEffectCoord: a fifth of a standard deviation in one coordinate moves nothing.
  for (int j = 0; j < n; j++)
    if (c->m[j] == c->m[j] + 0.2 * c->sigma * sqrt(c->C[j * n + j])) return 1;
  return 0;
}

// A restart (REFERENCE.md section 3): IPOP doubles lambda; BIPOP alternates large runs
// (lambda_def 2^n_large) with small ones (lambda_def (2^n_large)^(U^2), sigma0 10^(-2U)),
// picking the regime that has spent less budget. The mean restarts at a random point of the
// unit cube when bounded, else at x0 (as pycma does with a given x0).
static int restart(CmaEs *c) {
  int n = c->n, lambda = c->k.lambda;
  double sigma = c->sigma0;
  if (c->opt.restart == CMAES_RESTART_IPOP) {
    lambda *= 2;
  } else {
    if (c->restarts == 0 || c->budget_small >= c->budget_large) {
      c->n_large++;
      c->regime_large = 1;
      lambda = c->lambda_default << c->n_large;
    } else {
      double u = rng_uniform(&c->rng);
      c->regime_large = 0;
      lambda = imax(c->lambda_default,
                    (int)floor(c->lambda_default * pow(pow(2.0, c->n_large), u * u)));
      sigma = c->sigma0 * pow(10.0, -2 * rng_uniform(&c->rng));
    }
  }
  for (int j = 0; j < n; j++) c->m[j] = c->opt.bounded ? rng_uniform(&c->rng) : c->x0[j];
  c->restarts++;
  return start_run(c, lambda, sigma);
}

int cmaes_tell(CmaEs *c, const double *f) {
  int n = c->n, lambda = c->k.lambda, mu = c->k.mu;
  const CmaConstants *k = &c->k;
  for (int i = 0; i < lambda; i++) c->order[i] = i;
  g_f = f;
  qsort(c->order, (size_t)lambda, sizeof(int), by_value);
  c->evals += lambda;
  if (c->opt.restart == CMAES_RESTART_BIPOP) {
    if (c->regime_large || c->restarts == 0) c->budget_large += lambda;
    else c->budget_small += lambda;
  }
  if (f[c->order[0]] < c->best_f) {
    c->best_f = f[c->order[0]];
    memcpy(c->best_x, c->X + (size_t)c->order[0] * n, sizeof(double) * (size_t)n);
  }
  // Mean: y_w = sum of the mu best steps, weighted (c_m = 1).
  double *yw = c->tmp2;
  for (int j = 0; j < n; j++) yw[j] = 0;
  for (int i = 0; i < mu; i++) {
    const double *y = c->Y + (size_t)c->order[i] * n;
    for (int j = 0; j < n; j++) yw[j] += c->w[i] * y[j];
  }
  for (int j = 0; j < n; j++) c->m[j] += c->sigma * yw[j];
  // Cumulation for sigma (p_sigma) through C^-1/2 y_w, then step-size control.
  double *cy = malloc(sizeof(double) * (size_t)n);
  if (!cy) return HPO_ENOMEM;
  apply_sqrt(c, yw, -1, cy, c->tmp);
  double cs = k->c_sigma, ps2 = 0;
  for (int j = 0; j < n; j++) {
    c->ps[j] = (1 - cs) * c->ps[j] + sqrt(cs * (2 - cs) * k->mu_eff) * cy[j];
    ps2 += c->ps[j] * c->ps[j];
  }
  double ps_norm = sqrt(ps2);
  c->sigma *= exp((cs / k->d_sigma) * (ps_norm / k->chi_n - 1));
  double hs = ps_norm / sqrt(1 - pow(1 - cs, 2.0 * (c->gen + 1))) <
                      (1.4 + 2.0 / (n + 1)) * k->chi_n
                  ? 1
                  : 0;
  double cc = k->c_c;
  for (int j = 0; j < n; j++)
    c->pc[j] = (1 - cc) * c->pc[j] + hs * sqrt(cc * (2 - cc) * k->mu_eff) * yw[j];
  // Covariance: rank-one and rank-mu updates, negative weights scaled by n/|C^-1/2 y|^2.
  double delta = (1 - hs) * cc * (2 - cc);
  double decay = 1 + k->c_1 * delta - k->c_1 - k->c_mu * c->sum_w;
  for (int i = 0; i < n * n; i++) c->C[i] *= decay;
  for (int a = 0; a < n; a++)
    for (int b = a; b < n; b++) c->C[a * n + b] += k->c_1 * c->pc[a] * c->pc[b];
  for (int i = 0; i < lambda; i++) {
    const double *y = c->Y + (size_t)c->order[i] * n;
    double wi = c->w[i];
    if (wi < 0) {
      apply_sqrt(c, y, -1, cy, c->tmp);
      double norm2 = 0;
      for (int j = 0; j < n; j++) norm2 += cy[j] * cy[j];
      wi *= n / fmax(norm2, 1e-300);
    }
    double s = k->c_mu * wi;
    for (int a = 0; a < n; a++)
      for (int b = a; b < n; b++) c->C[a * n + b] += s * y[a] * y[b];
  }
  free(cy);
  for (int a = 0; a < n; a++)
    for (int b = 0; b < n; b++)
      if (b < a) c->C[a * n + b] = c->C[b * n + a];
      else if (c->opt.separable && b > a) c->C[a * n + b] = 0;
  if (c->opt.separable)
    for (int a = 0; a < n; a++)
      for (int b = 0; b < a; b++) c->C[a * n + b] = 0;
  // Margin for discrete coordinates: their standard deviation stays above a floor, so an
  // integer keeps a chance of changing instead of freezing (in the spirit of CMA-ES with
  // margin, Hamano et al. 2022).
  if (c->minstd)
    for (int j = 0; j < n; j++) {
      double floor2 = c->minstd[j] * c->minstd[j] / (c->sigma * c->sigma);
      if (c->C[j * n + j] < floor2) c->C[j * n + j] = floor2;
    }
  int stop = should_stop(c, f);
  c->gen++;
  if (stop && c->opt.restart != CMAES_RESTART_NONE && c->restarts < c->opt.max_restarts) {
    int status = restart(c);
    return status == HPO_OK ? 1 : status;
  }
  return 0;
}

int cmaes_set_distribution(CmaEs *c, const double *m, double sigma, const double *C) {
  int n = c->n;
  if (!(sigma > 0)) return HPO_EINVAL;
  memcpy(c->m, m, sizeof(double) * (size_t)n);
  c->sigma = sigma;
  if (C) memcpy(c->C, C, sizeof(double) * (size_t)n * (size_t)n);
  c->gen = 0;
  return decompose(c);
}

// State layout: 14 scalars, the random state as 8 exact 32-bit halves, the generation of
// the last eigendecomposition, then m, C, B, D, ps, pc, the best-value history, the best
// point and the points and steps of the generation last asked: everything, so that a
// restored engine asks and updates exactly as the original would.
#define NSCALARS 23

int cmaes_state_size(const CmaEs *c) {
  int n = c->n;
  return NSCALARS + n + 2 * n * n + 3 * n + c->hist_len + n + 2 * c->k.lambda * n;
}

void cmaes_get_state(const CmaEs *c, double *s) {
  int n = c->n;
  double sc[NSCALARS] = {
      n, c->k.lambda, c->sigma, c->sigma0, c->gen, c->restarts, c->n_large, (double)c->evals,
      (double)c->budget_small, (double)c->budget_large, c->regime_large, c->hist_len, c->hist_n,
      c->best_f};
  for (int i = 0; i < 4; i++) {
    sc[14 + 2 * i] = (double)(c->rng.s[i] >> 32);
    sc[15 + 2 * i] = (double)(c->rng.s[i] & 0xffffffffu);
  }
  sc[22] = c->eigen_gen;
  memcpy(s, sc, sizeof sc);
  double *p = s + NSCALARS;
  memcpy(p, c->m, sizeof(double) * (size_t)n);
  p += n;
  memcpy(p, c->C, sizeof(double) * (size_t)n * n);
  p += n * n;
  memcpy(p, c->B, sizeof(double) * (size_t)n * n);
  p += n * n;
  memcpy(p, c->D, sizeof(double) * (size_t)n);
  p += n;
  memcpy(p, c->ps, sizeof(double) * (size_t)n);
  p += n;
  memcpy(p, c->pc, sizeof(double) * (size_t)n);
  p += n;
  memcpy(p, c->hist, sizeof(double) * (size_t)c->hist_len);
  p += c->hist_len;
  memcpy(p, c->best_x, sizeof(double) * (size_t)n);
  p += n;
  memcpy(p, c->X, sizeof(double) * (size_t)c->k.lambda * n);
  p += c->k.lambda * n;
  memcpy(p, c->Y, sizeof(double) * (size_t)c->k.lambda * n);
}

int cmaes_set_state(CmaEs *c, const double *s, int size) {
  int n = c->n;
  if (size < NSCALARS || (int)s[0] != n) return HPO_EINVAL;
  int lambda = (int)s[1];
  int status = start_run(c, lambda, s[2]);  // sizes the generation arrays for this lambda
  if (status != HPO_OK) return status;
  if (size != cmaes_state_size(c) || (int)s[11] != c->hist_len) return HPO_EINVAL;
  c->sigma0 = s[3];
  c->gen = (int)s[4];
  c->restarts = (int)s[5];
  c->n_large = (int)s[6];
  c->evals = (long)s[7];
  c->budget_small = (long)s[8];
  c->budget_large = (long)s[9];
  c->regime_large = (int)s[10];
  c->hist_n = (int)s[12];
  c->best_f = s[13];
  for (int i = 0; i < 4; i++)
    c->rng.s[i] = ((uint64_t)s[14 + 2 * i] << 32) | (uint64_t)s[15 + 2 * i];
  const double *p = s + NSCALARS;
  memcpy(c->m, p, sizeof(double) * (size_t)n);
  p += n;
  memcpy(c->C, p, sizeof(double) * (size_t)n * n);
  p += n * n;
  memcpy(c->B, p, sizeof(double) * (size_t)n * n);
  p += n * n;
  memcpy(c->D, p, sizeof(double) * (size_t)n);
  p += n;
  memcpy(c->ps, p, sizeof(double) * (size_t)n);
  p += n;
  memcpy(c->pc, p, sizeof(double) * (size_t)n);
  p += n;
  memcpy(c->hist, p, sizeof(double) * (size_t)c->hist_len);
  p += c->hist_len;
  memcpy(c->best_x, p, sizeof(double) * (size_t)n);
  p += n;
  memcpy(c->X, p, sizeof(double) * (size_t)lambda * n);
  p += lambda * n;
  memcpy(c->Y, p, sizeof(double) * (size_t)lambda * n);
  c->eigen_gen = (int)s[22];
  return HPO_OK;
}

int cmaes_warm_start(CmaEs *c, const double *X, int m, double alpha) {
  int n = c->n;
  if (m < 1) return HPO_EINVAL;
  double *mean = calloc((size_t)n, sizeof(double));
  double *S = calloc((size_t)n * n, sizeof(double));
  double *L = malloc(sizeof(double) * (size_t)n * n);
  if (!mean || !S || !L) {
    free(mean);
    free(S);
    free(L);
    return HPO_ENOMEM;
  }
  for (int i = 0; i < m; i++)
    for (int j = 0; j < n; j++) mean[j] += X[(size_t)i * n + j] / m;
  // Sigma = alpha^2 I + the sample covariance of the promising points.
  for (int i = 0; i < m; i++)
    for (int a = 0; a < n; a++)
      for (int b = 0; b < n; b++)
        S[a * n + b] += (X[(size_t)i * n + a] - mean[a]) * (X[(size_t)i * n + b] - mean[b]) / m;
  for (int a = 0; a < n; a++) S[a * n + a] += alpha * alpha;
  memcpy(L, S, sizeof(double) * (size_t)n * n);
  int status = HPO_EINVAL;
  if (la_chol(L, n, n) == HPO_OK) {
    double logdet = 0;
    for (int a = 0; a < n; a++) logdet += 2 * log(L[a * n + a]);
    // sigma0 = det(Sigma)^(1/(2n)) and C0 = Sigma / det(Sigma)^(1/n): sigma0^2 C0 = Sigma.
    double scale = exp(-logdet / n);
    for (int i = 0; i < n * n; i++) S[i] *= scale;
    status = cmaes_set_distribution(c, mean, exp(logdet / (2 * n)), S);
    if (status == HPO_OK) c->sigma0 = c->sigma;
  }
  free(mean);
  free(S);
  free(L);
  return status;
}

int cmaes_set_margin(CmaEs *c, const double *width) {
  int n = c->n;
  if (!c->minstd) c->minstd = calloc((size_t)n, sizeof(double));
  if (!c->minstd) return HPO_ENOMEM;
  // P(leaving the bin from its centre) = alpha = min(1/(n lambda), 0.2): the floor is
  // (w/2)/z with 2 (1 - Phi(z)) = alpha, z found by bisection.
  double alpha = fmin(1.0 / (n * c->k.lambda), 0.2), lo = 0, hi = 10;
  for (int i = 0; i < 100; i++) {
    double z = 0.5 * (lo + hi);
    if (erfc(z / M_SQRT2) > alpha) lo = z;
    else hi = z;
  }
  for (int j = 0; j < n; j++) c->minstd[j] = width[j] > 0 ? 0.5 * width[j] / lo : 0;
  return HPO_OK;
}
