#include "gp.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lbfgsb.h"
#include "linalg.h"
#include "status.h"
#include "vexp.h"

struct Gp {
  int dim, n, cap;
  int *is_cat;
  GpOptions o;
  double *theta;   // dim + 2
  double *X, *y;   // data (n x dim) and standardised outputs
  double ymean, ystd;
  double mu0;  // the constant prior mean (standardised units), subtracted from y
  double *L, *alpha, *W;  // factor, K^-1 (y - mu0) (2 cap), gradient workspace (2 cap x cap)
  double jitter;
  int ready;
  int linv;  // W holds L^-1 (row-major lower) for the predictions of this fit
};

GpOptions gp_defaults(void) { return (GpOptions){.kernel = GP_MATERN52, .deterministic = 0}; }

void gp_blas_threads(int n) { openblas_set_num_threads(n); }

int gp_dim(const Gp *gp) { return gp->dim; }
int gp_ntheta(const Gp *gp) { return gp->dim + 2; }
double *gp_theta(Gp *gp) { return gp->theta; }
int gp_count(const Gp *gp) { return gp->n; }
double gp_jitter(const Gp *gp) { return gp->jitter; }

void gp_theta_default(Gp *gp) {
  for (int i = 0; i < gp->dim; i++) gp->theta[i] = 0;
  gp->theta[gp->dim] = 0;
  gp->theta[gp->dim + 1] = log(1e-2 - GP_NOISE_FLOOR);
}

int gp_new(Gp **out, int dim, const int *is_cat, const GpOptions *opt) {
  *out = NULL;
  if (dim < 1) return HPO_EINVAL;
  Gp *gp = calloc(1, sizeof *gp);
  if (!gp) return HPO_ENOMEM;
  gp->dim = dim;
  gp->o = opt ? *opt : gp_defaults();
  gp->is_cat = calloc((size_t)dim, sizeof(int));
  gp->theta = calloc((size_t)dim + 2, sizeof(double));
  if (!gp->is_cat || !gp->theta) {
    gp_free(gp);
    return HPO_ENOMEM;
  }
  if (is_cat) memcpy(gp->is_cat, is_cat, sizeof(int) * (size_t)dim);
  gp_theta_default(gp);
  *out = gp;
  return HPO_OK;
}

void gp_free(Gp *gp) {
  if (!gp) return;
  free(gp->is_cat);
  free(gp->theta);
  free(gp->X);
  free(gp->y);
  free(gp->L);
  free(gp->alpha);
  free(gp->W);
  free(gp);
}

static int reserve(Gp *gp, int n) {
  if (n <= gp->cap) return HPO_OK;
  int cap = n > 2 * gp->cap ? n : 2 * gp->cap;
  size_t c = (size_t)cap;
  double *X = realloc(gp->X, sizeof(double) * c * (size_t)gp->dim);
  if (X) gp->X = X;
  double *y = realloc(gp->y, sizeof(double) * c);
  if (y) gp->y = y;
  double *a = realloc(gp->alpha, 2 * sizeof(double) * c);  // and K^-1 1 (factorise)
  if (a) gp->alpha = a;
  free(gp->L);
  free(gp->W);
  gp->L = malloc(sizeof(double) * c * c);
  gp->W = malloc(2 * sizeof(double) * c * c);
  if (!X || !y || !a || !gp->L || !gp->W) {
    gp->cap = 0;
    return HPO_ENOMEM;
  }
  gp->cap = cap;
  return HPO_OK;
}

// Squared distance along dimension i (Hamming for categoricals; NaN = inactive).
static inline double dist2(const Gp *gp, int i, double a, double b) {
  int na = isnan(a), nb = isnan(b);
  if (na || nb) return na && nb ? 0 : 1;
  if (gp->is_cat[i]) return a == b ? 0 : 1;
  return (a - b) * (a - b);
}

static inline double r2_of(const Gp *gp, const double *rho, const double *a, const double *b) {
  double r2 = 0;
  for (int i = 0; i < gp->dim; i++) r2 += rho[i] * dist2(gp, i, a[i], b[i]);
  return r2;
}

// k(x, X_j) = s M(r2) for the m rows of X into out, and s dM/dr2 into dout (may be NULL):
// the distances first, then the profile over the whole row at once (vexp.h: vector exp).
static void kernel_row(const Gp *gp, const double *rho, double s, const double *x,
                       const double *X, int m, double *out, double *dout) {
  int d = gp->dim;
  for (int j = 0; j < m; j++) out[j] = r2_of(gp, rho, x, X + (size_t)j * d);
  vkernel_profile(out, m, gp->o.kernel == GP_RBF, dout);
  for (int j = 0; j < m; j++) out[j] *= s;
  if (dout)
    for (int j = 0; j < m; j++) dout[j] *= s;
}

static int numeric_rows(const Gp *gp, const double *A, int na) {
  for (int j = 0; j < gp->dim; j++)
    if (gp->is_cat[j]) return 0;
  for (size_t i = 0; i < (size_t)na * gp->dim; i++)
    if (isnan(A[i])) return 0;
  return 1;
}

// r2 between the rows of A (na x d) and of B (nb x d) into R (na x nb, row stride ldr).
// Numeric rows without NaN: |a|^2 + |b|^2 - 2 a.b in the scaled coordinates, the cross
// terms by one dgemm (the candidates' screen is mostly this); otherwise pair by pair.
static int r2_block(const Gp *gp, const double *rho, const double *A, int na, const double *B,
                    int nb, double *R, int ldr) {
  int d = gp->dim;
  if (!numeric_rows(gp, A, na) || !numeric_rows(gp, B, nb)) {
    for (int i = 0; i < na; i++)
      for (int j = 0; j < nb; j++)
        R[(size_t)i * ldr + j] = r2_of(gp, rho, A + (size_t)i * d, B + (size_t)j * d);
    return HPO_OK;
  }
  double *As = calloc((size_t)(na + nb) * (size_t)(d + 1), sizeof(double));  // calloc: gcc sees cblas reads
  if (!As) return HPO_ENOMEM;
  double *Bs = As + (size_t)na * d, *an = Bs + (size_t)nb * d, *bn = an + na;
  double sr[d];
  for (int k = 0; k < d; k++) sr[k] = sqrt(rho[k]);
  for (int i = 0; i < na; i++) {
    an[i] = 0;
    for (int k = 0; k < d; k++) {
      double v = A[(size_t)i * d + k] * sr[k];
      As[(size_t)i * d + k] = v;
      an[i] += v * v;
    }
  }
  for (int j = 0; j < nb; j++) {
    bn[j] = 0;
    for (int k = 0; k < d; k++) {
      double v = B[(size_t)j * d + k] * sr[k];
      Bs[(size_t)j * d + k] = v;
      bn[j] += v * v;
    }
  }
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, na, nb, d, -2.0, As, d, Bs, d, 0.0, R, ldr);
  for (int i = 0; i < na; i++) {
    double *r = R + (size_t)i * ldr;
    for (int j = 0; j < nb; j++) r[j] = fmax(r[j] + an[i] + bn[j], 0);
  }
  free(As);
  return HPO_OK;
}

// s M(r2) over na rows of nb values (row stride ld) in place, and s dM/dr2 into dK (same
// layout; may be NULL).
static void profile_block(const Gp *gp, double s, double *R, int na, int nb, int ld, double *dK) {
  for (int i = 0; i < na; i++) {
    double *r = R + (size_t)i * ld, *dr = dK ? dK + (size_t)i * ld : NULL;
    vkernel_profile(r, nb, gp->o.kernel == GP_RBF, dr);
    for (int j = 0; j < nb; j++) r[j] *= s;
    if (dr)
      for (int j = 0; j < nb; j++) dr[j] *= s;
  }
}

static double noise_of(const Gp *gp, const double *theta) {
  return gp->o.deterministic ? GP_NOISE_FLOOR : GP_NOISE_FLOOR + exp(theta[gp->dim + 1]);
}

static void rho_of(const Gp *gp, const double *theta, double *rho) {
  for (int i = 0; i < gp->dim; i++) rho[i] = exp(theta[i]);
}

// K at theta plus diagonal jitter into L (row-major lower), factorised, and alpha =
// K^-1 (y - mu0) with mu0 the constant prior mean that maximises the likelihood at theta,
// 1^T K^-1 y / 1^T K^-1 1 (profiled out, as ordinary kriging and BoTorch's constant mean
// do; the gradient in theta is then the one at fixed mu0). With a zero mean on standardised
// values the GP expected the sample mean wherever it had no data; trials cluster where the
// values are good, so that mean was optimistic and far corners of the cube looked promising:
// on Hartmann6 cold GP spent a quarter of its trials at corners. The fitted mean weighs
// clustered points as less independent evidence than spread ones. bench/gp, medians of 20
// seeds: Hartmann6 at 50 trials 0.22 -> 3.3e-4, at 100 1.3e-4 -> 2.2e-6; Rosenbrock-5 at 50
// 68 -> 8.1; Ackley-5 at 100 4.8 -> 3.0; Branin at 50 4.2e-6 -> 1.3e-6.
// With dK, also s dM/dr2 of every pair (row-major lower) for the gradient.
static int factorise(Gp *gp, const double *theta, double jitter, double *dK) {
  int n = gp->n, d = gp->dim;
  double rho[d], s = exp(theta[d]), diag = s + noise_of(gp, theta) + jitter;
  rho_of(gp, theta, rho);
  if (r2_block(gp, rho, gp->X, n, gp->X, n, gp->L, n) != HPO_OK) return HPO_ENOMEM;
  for (int i = 0; i < n; i++) {
    double *row = gp->L + (size_t)i * n;
    profile_block(gp, s, row, 1, i, 0, dK ? dK + (size_t)i * n : NULL);
    row[i] = diag;
  }
  if (la_chol(gp->L, n, n) != HPO_OK) return HPO_EINVAL;
  for (int i = 0; i < n; i++) gp->y[i] += gp->mu0;  // back to the standardised values
  gp->mu0 = 0;
  memcpy(gp->alpha, gp->y, sizeof(double) * (size_t)n);
  double *v = gp->alpha + n;  // K^-1 1, in alpha's spare half
  for (int i = 0; i < n; i++) v[i] = 1;
  int st = la_chol_solve(gp->L, n, n, gp->alpha);
  if (st == HPO_OK) st = la_chol_solve(gp->L, n, n, v);
  double sa = 0, sv = 0;
  for (int i = 0; i < n && st == HPO_OK; i++) sa += gp->alpha[i], sv += v[i];
  if (st == HPO_OK && sv > 0) {
    gp->mu0 = sa / sv;
    for (int i = 0; i < n; i++) gp->alpha[i] -= gp->mu0 * v[i], gp->y[i] -= gp->mu0;
  }
  return st;
}

static double log_prior(const Gp *gp, const double *theta, double *grad) {
  int d = gp->dim;
  double lp = 0;
  for (int i = 0; i < d; i++) {
    double rho = exp(theta[i]);
    lp -= 0.1 / rho + 0.1 * rho;
    if (grad) grad[i] = 0.1 / rho - 0.1 * rho;
  }
  double s = exp(theta[d]);
  lp += theta[d] - s;  // Gamma(2, 1)
  if (grad) grad[d] = 1 - s;
  if (!gp->o.deterministic) {
    double e = exp(theta[d + 1]), sn2 = GP_NOISE_FLOOR + e;
    lp += 0.1 * log(sn2) - 30 * sn2;  // Gamma(1.1, 30)
    if (grad) grad[d + 1] = (0.1 / sn2 - 30) * e;
  } else if (grad) {
    grad[d + 1] = 0;
  }
  return lp;
}

double gp_neg_log_posterior(Gp *gp, const double *theta, double *grad) {
  int n = gp->n, d = gp->dim;
  double *dK = gp->W + (size_t)n * n;  // second half of the gradient workspace
  gp->linv = 0;
  if (factorise(gp, theta, 0, grad ? dK : NULL) != HPO_OK) return HUGE_VAL;
  double mll = 0, ya = 0;
  for (int i = 0; i < n; i++) {
    mll -= log(gp->L[(size_t)i * n + i]) + 0.5 * gp->y[i] * gp->alpha[i];
    ya += gp->y[i] * gp->alpha[i];
  }
  double nlp = -(mll + log_prior(gp, theta, grad));
  if (!grad) return nlp;
  for (int k = 0; k < d + 2; k++) grad[k] = -grad[k];
  // W = alpha alpha^T - K^-1 (lower triangle); d MLL = 0.5 tr(W dK).
  double *W = gp->W;
  memcpy(W, gp->L, sizeof(double) * (size_t)n * n);
  if (la_chol_inverse(W, n, n) != HPO_OK) return HUGE_VAL;
  double rho[d], tr = 0, gr[d];
  rho_of(gp, theta, rho);
  memset(gr, 0, sizeof gr);
  for (int i = 0; i < n; i++) {
    const double *xi = gp->X + (size_t)i * d, *wi = W + (size_t)i * n, *dki = dK + (size_t)i * n;
    double ai = gp->alpha[i];
    for (int j = 0; j < i; j++) {
      const double *xj = gp->X + (size_t)j * d;
      double c = 2 * (ai * gp->alpha[j] - wi[j]) * dki[j];  // off-diagonal: twice
      for (int k = 0; k < d; k++) gr[k] += c * dist2(gp, k, xi[k], xj[k]);
    }
    tr += ai * ai - wi[i];
  }
  for (int k = 0; k < d; k++) grad[k] -= 0.5 * gr[k] * rho[k];
  // dK/dlog s = K minus its noise diagonal, so tr(W dK) = y^T alpha - n - sn2 tr(W).
  grad[d] -= 0.5 * (ya - n - noise_of(gp, theta) * tr);
  if (!gp->o.deterministic) grad[d + 1] -= 0.5 * tr * exp(theta[d + 1]);
  return nlp;
}

double gp_log_marginal(Gp *gp) {
  int n = gp->n;
  if (!gp->ready) return NAN;
  double mll = -0.5 * n * log(2 * M_PI);
  for (int i = 0; i < n; i++) mll -= log(gp->L[(size_t)i * n + i]) + 0.5 * gp->y[i] * gp->alpha[i];
  return mll;
}

static double objective(const double *theta, double *grad, void *ud) {
  return gp_neg_log_posterior(ud, theta, grad);
}

// Box for theta: lengthscales 0.01..100 on the unit cube, s 0.01..100, noise up to 1.
static void bounds(const Gp *gp, double *lo, double *hi) {
  int d = gp->dim;
  for (int i = 0; i < d; i++) {
    lo[i] = log(1e-4);
    hi[i] = log(1e4);
  }
  lo[d] = log(1e-2);
  hi[d] = log(1e2);
  lo[d + 1] = log(1e-9);
  hi[d + 1] = 0;
}

int gp_fit(Gp *gp, const double *X, const double *y, int n, int optimise, int restarts, Rng *rng) {
  if (n < 1) return HPO_EINVAL;
  int st = reserve(gp, n);
  if (st != HPO_OK) return st;
  int d = gp->dim, nt = d + 2;
  gp->n = n;
  gp->ready = 0;
  gp->linv = 0;
  memcpy(gp->X, X, sizeof(double) * (size_t)n * d);
  double lo = HUGE_VAL, hi = -HUGE_VAL;
  for (int i = 0; i < n; i++)
    if (isfinite(y[i])) {
      lo = fmin(lo, y[i]);
      hi = fmax(hi, y[i]);
    }
  if (!isfinite(lo)) lo = hi = 0;
  double mean = 0, var = 0;
  for (int i = 0; i < n; i++) {
    double v = y[i];
    gp->y[i] = isfinite(v) ? v : (v > 0 ? hi : lo);  // NaN counts as the worst: +inf side
    if (isnan(v)) gp->y[i] = hi;
    mean += gp->y[i];
  }
  mean /= n;
  for (int i = 0; i < n; i++) var += (gp->y[i] - mean) * (gp->y[i] - mean);
  double sd = sqrt(var / n);
  gp->ymean = mean;
  gp->ystd = sd > 1e-10 ? sd : 1e-10;
  for (int i = 0; i < n; i++) gp->y[i] = (gp->y[i] - mean) / gp->ystd;
  gp->mu0 = 0;
  if (optimise) {
    double blo[nt], bhi[nt], best[nt], x[nt], fbest = HUGE_VAL, fx;
    bounds(gp, blo, bhi);
    if (gp->o.deterministic) blo[d + 1] = bhi[d + 1] = gp->theta[d + 1];
    LbfgsOptions lo_ = lbfgsb_defaults();
    lo_.max_iter = 50;
    lo_.pgtol = 1e-3;
    lo_.ftol = 1e-9;
    memcpy(best, gp->theta, sizeof best);
    // Starts: the current theta; with restarts the defaults and `restarts` random points;
    // last, the best so far with the noise at its floor. A noise-free fit is a separate mode
    // of the posterior that the other starts miss while the data is small (the noise absorbs
    // what a long lengthscale cannot explain); for a deterministic objective it is the right
    // one. Only on small data and with restarts (at every fit it made an ask at 150 trials
    // 1.7 times as slow): with sources, warm GP at 20 trials on Branin 0.082 -> 0.019 (it
    // sat at a seed, reading a near point's value as noise).
    for (int r = 0; r < 3 + restarts; r++) {
      if (r == 0) {
        memcpy(x, gp->theta, sizeof x);
      } else if (r == 2 + restarts) {
        if (gp->o.deterministic || !isfinite(fbest) || best[d + 1] <= blo[d + 1] + 1 ||
            (restarts == 0 && n > 40))
          break;
        memcpy(x, best, sizeof x);
        x[d + 1] = blo[d + 1];
      } else if (r == 1) {
        if (restarts == 0) continue;  // a warm-started refit: the previous optimum is enough
        double keep = gp->theta[d + 1];
        gp_theta_default(gp);
        memcpy(x, gp->theta, sizeof x);
        if (gp->o.deterministic) x[d + 1] = keep;
        memcpy(gp->theta, best, sizeof best);
      } else {
        if (!rng) continue;
        for (int k = 0; k < nt; k++) x[k] = blo[k] + rng_uniform(rng) * (bhi[k] - blo[k]);
        // Random lengthscales over the middle of the box, the rest near the defaults.
        for (int k = 0; k < d; k++) x[k] = log(1e-2) + rng_uniform(rng) * (log(1e2) - log(1e-2));
        x[d] = rng_normal(rng) * 0.5;
        if (!gp->o.deterministic) x[d + 1] = log(1e-2) + rng_normal(rng);
        for (int k = 0; k < nt; k++) x[k] = fmin(fmax(x[k], blo[k]), bhi[k]);
      }
      if (lbfgsb_minimize(nt, x, blo, bhi, objective, gp, &lo_, &fx, NULL) == HPO_OK &&
          fx < fbest) {
        fbest = fx;
        memcpy(best, x, sizeof best);
      }
    }
    if (isfinite(fbest)) memcpy(gp->theta, best, sizeof best);
  }
  // Jitter ladder: a kernel matrix that is numerically singular still gets a factor.
  gp->jitter = 0;
  for (double j = 0; j <= 1e-2; j = j == 0 ? 1e-10 : j * 10) {
    gp->jitter = j;
    if (factorise(gp, gp->theta, j, NULL) == HPO_OK) {
      gp->ready = 1;
      return HPO_OK;
    }
  }
  return HPO_EINVAL;
}

int gp_predict(Gp *gp, const double *Xs, int m, double *mean, double *var) {
  if (!gp->ready) return HPO_ERANGE;
  int n = gp->n, d = gp->dim;
  double *K = calloc((size_t)n * (size_t)m, sizeof(double));  // zeroed: gcc sees reads via cblas
  if (!K) return HPO_ENOMEM;
  double rho[d], s = exp(gp->theta[d]);
  rho_of(gp, gp->theta, rho);
  if (r2_block(gp, rho, gp->X, n, Xs, m, K, m) != HPO_OK) {
    free(K);
    return HPO_ENOMEM;
  }
  profile_block(gp, s, K, 1, n * m, 0, NULL);
  cblas_dgemv(CblasRowMajor, CblasTrans, n, m, 1.0, K, m, gp->alpha, 1, 0.0, mean, 1);
  if (!var) {  // the mean alone: O(n m), not the variance's O(n^2 m)
    for (int j = 0; j < m; j++) mean[j] = (mean[j] + gp->mu0) * gp->ystd + gp->ymean;
    free(K);
    return HPO_OK;
  }
  // V = L^-1 K*: a triangular product with the inverse runs at matrix-multiply speed, about
  // three times a triangular solve's, and the inverse is formed once per fit.
  if (!gp->linv) {
    memcpy(gp->W, gp->L, sizeof(double) * (size_t)n * n);
    if (la_tri_inverse(gp->W, n, n) != HPO_OK) {
      free(K);
      return HPO_EINVAL;
    }
    gp->linv = 1;
  }
  cblas_dtrmm(CblasRowMajor, CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit, n, m, 1.0, gp->W,
              n, K, m);
  for (int j = 0; j < m; j++) var[j] = 0;
  for (int i = 0; i < n; i++)
    for (int j = 0; j < m; j++) var[j] += K[(size_t)i * m + j] * K[(size_t)i * m + j];
  for (int j = 0; j < m; j++) {
    double v = s - var[j];
    var[j] = (v > 0 ? v : 0) * gp->ystd * gp->ystd;
    mean[j] = (mean[j] + gp->mu0) * gp->ystd + gp->ymean;
  }
  free(K);
  return HPO_OK;
}

int gp_predict_grad(Gp *gp, const double *x, double *mu, double *var, double *dmu, double *dvar) {
  if (!gp->ready) return HPO_ERANGE;
  int n = gp->n, d = gp->dim, grad = dmu || dvar;
  double *k = malloc(sizeof(double) * (size_t)n * (size_t)(3 + d));
  if (!k) return HPO_ENOMEM;
  double *w = k + n, *dm = w + n, *dk = dm + n;  // dk: n x d
  double rho[d], s = exp(gp->theta[d]);
  rho_of(gp, gp->theta, rho);
  kernel_row(gp, rho, s, x, gp->X, n, k, grad ? dm : NULL);
  if (grad)
    for (int i = 0; i < n; i++) {
      const double *xi = gp->X + (size_t)i * d;
      for (int j = 0; j < d; j++)
        dk[(size_t)i * d + j] =
            gp->is_cat[j] || isnan(xi[j]) || isnan(x[j]) ? 0 : dm[i] * rho[j] * 2 * (x[j] - xi[j]);
    }
  double m0 = cblas_ddot(n, k, 1, gp->alpha, 1), sd = gp->ystd;
  *mu = (m0 + gp->mu0) * sd + gp->ymean;
  if (var || dvar) {  // O(n^2): skipped for the mean alone
    memcpy(w, k, sizeof(double) * (size_t)n);
    cblas_dtrsv(CblasRowMajor, CblasLower, CblasNoTrans, CblasNonUnit, n, gp->L, n, w, 1);
    double v0 = s - cblas_ddot(n, w, 1, w, 1);
    if (var) *var = (v0 > 0 ? v0 : 0) * sd * sd;
  }
  if (dmu) cblas_dgemv(CblasRowMajor, CblasTrans, n, d, sd, dk, d, gp->alpha, 1, 0.0, dmu, 1);
  if (dvar) {
    cblas_dtrsv(CblasRowMajor, CblasLower, CblasTrans, CblasNonUnit, n, gp->L, n, w, 1);
    cblas_dgemv(CblasRowMajor, CblasTrans, n, d, -2 * sd * sd, dk, d, w, 1, 0.0, dvar, 1);
  }
  free(k);
  return HPO_OK;
}

int gp_predict_cov(Gp *gp, const double *Xs, int m, double *mean, double *cov) {
  if (!gp->ready) return HPO_ERANGE;
  int n = gp->n, d = gp->dim;
  double *K = calloc((size_t)n * (size_t)m, sizeof(double));
  if (!K) return HPO_ENOMEM;
  double rho[d], s = exp(gp->theta[d]), sd2 = gp->ystd * gp->ystd;
  rho_of(gp, gp->theta, rho);
  if (r2_block(gp, rho, gp->X, n, Xs, m, K, m) != HPO_OK ||
      r2_block(gp, rho, Xs, m, Xs, m, cov, m) != HPO_OK) {
    free(K);
    return HPO_ENOMEM;
  }
  profile_block(gp, s, K, 1, n * m, 0, NULL);
  profile_block(gp, s, cov, 1, m * m, 0, NULL);
  cblas_dgemv(CblasRowMajor, CblasTrans, n, m, gp->ystd, K, m, gp->alpha, 1, 0.0, mean, 1);
  for (int j = 0; j < m; j++) mean[j] += gp->ymean + gp->mu0 * gp->ystd;
  cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit, n, m, 1.0, gp->L,
              n, K, m);
  // cov = Kss - V^T V (lower triangle), then mirrored and scaled to the caller's units.
  cblas_dsyrk(CblasRowMajor, CblasLower, CblasTrans, m, n, -1.0, K, m, 1.0, cov, m);
  for (int a = 0; a < m; a++)
    for (int b = 0; b <= a; b++) {
      cov[(size_t)a * m + b] *= sd2;
      cov[(size_t)b * m + a] = cov[(size_t)a * m + b];
    }
  free(K);
  return HPO_OK;
}

void gp_output_scale(const Gp *gp, double *mean, double *sd) {
  *mean = gp->ymean;
  *sd = gp->ystd;
}

int gp_loo(Gp *gp, double *mu, double *var) {
  if (!gp->ready) return HPO_ERANGE;
  int n = gp->n;
  memcpy(gp->W, gp->L, sizeof(double) * (size_t)n * n);
  gp->linv = 0;  // W now holds K^-1
  if (la_chol_inverse(gp->W, n, n) != HPO_OK) return HPO_EINVAL;
  for (int i = 0; i < n; i++) {
    double kii = gp->W[(size_t)i * n + i];
    mu[i] = gp->y[i] + gp->mu0 - gp->alpha[i] / kii;
    var[i] = 1 / kii;
  }
  return HPO_OK;
}
