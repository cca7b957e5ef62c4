#include "bo.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "acq.h"
#include "lbfgsb.h"
#include "linalg.h"
#include "normal.h"
#include "qmc.h"
#include "rng.h"
#include "status.h"

struct Bo {
  int dim, n, cap;
  SpaceDim *dims;
  BoOptions o;
  Rng rng;
  QmcSobol *startup;
  Gp *gp;
  double *X, *y;
  double *w;      // the values the GP sees (warped when o.warp)
  int warped;     // w is log-warped (else the values as they are)
  int fitted_n;   // observations at the last hyperparameter fit (-1: none)
  int restart_n;
  int theta_n;     // observations at the last hyperparameter optimisation
  int *cont;      // indices of continuous coordinates
  int ncont;
  double f0;      // best fitted value (maximised: -y)
  double sqrt_beta;
  Gp **src;       // transfer: one GP per source study
  int nsrc;
  double *srcw;   // their RGPE weights, then the target's (nsrc + 1)
  Gp *rgp;        // with sources: the study's residuals over the sources' prior mean
  double ra, rc;  // that prior mean: ra m(x) + rc, m the sources' weighted mean (below)
  int transfer;   // the last ask used rgp (ra > 0); else the study's GP alone
  Gp *cgp;        // after the trust region collapsed: the trials since (a restart)
  int cfrom, cc;  // cgp's hyperparameters are those of the cc trials from cfrom (cc 0: none)
  Gp *view;       // what the acquisition sees without the transfer model: gp, or cgp
  int rvalid;     // rgp's hyperparameters have been fitted (they carry over between asks)
  int ncond;      // conditional dimensions, in dependency order (bo_set_condition)
  int *cdim, *cpar, *cstart;  // each one's dimension, parent and first code in ccode
  double *ccode;  // the parents' codes that activate them
  double *cbuf;   // canonical copies of candidates (ccap points)
  int ccap;
  double *box;    // this ask's search box: lower bounds, then upper bounds (dim each)
  int mean_only;  // the acquisition is the sources' weighted mean (bo_source_optimum)
};

BoOptions bo_defaults(void) {
  return (BoOptions){.startup = 10, .acq = BO_LOGEI, .beta = 2, .kernel = GP_MATERN52,
                     .candidates = 2048, .local_starts = 5, .believer = 1, .warp = 1, .refit = 0.05,
                     .fit_points = 400, .trust = 0.4};
}

int bo_new(Bo **out, int dim, const SpaceDim *dims, const BoOptions *opt) {
  *out = NULL;
  if (dim < 1 || dim > qmc_max_dim()) return HPO_EINVAL;
  Bo *b = calloc(1, sizeof *b);
  if (!b) return HPO_ENOMEM;
  b->dim = dim;
  b->o = opt ? *opt : bo_defaults();
  if (b->o.candidates < 1) b->o.candidates = 1;
  b->fitted_n = -1;
  rng_seed(&b->rng, b->o.seed);
  b->dims = malloc(sizeof(SpaceDim) * (size_t)dim);
  b->cont = malloc(sizeof(int) * (size_t)dim);
  b->box = malloc(sizeof(double) * 2 * (size_t)dim);
  int *cat = calloc((size_t)dim, sizeof(int));
  QmcOptions qo = qmc_defaults();
  qo.seed = b->o.seed;
  int st = HPO_ENOMEM;
  if (b->dims && b->cont && b->box && cat) {
    memcpy(b->dims, dims, sizeof(SpaceDim) * (size_t)dim);
    for (int j = 0; j < dim; j++) {
      cat[j] = dims[j].kind == DIM_CATEGORICAL;
      if (space_cardinality(&dims[j]) == 0) b->cont[b->ncont++] = j;
    }
    GpOptions go = gp_defaults();
    go.kernel = b->o.kernel;
    go.deterministic = b->o.deterministic;
    st = gp_new(&b->gp, dim, cat, &go);
    if (st == HPO_OK) st = qmc_new(&b->startup, dim, &qo);
    if (st == HPO_OK) st = gp_new(&b->rgp, dim, cat, &go);
    if (st == HPO_OK) st = gp_new(&b->cgp, dim, cat, &go);
    b->view = b->gp;
  }
  free(cat);
  if (st != HPO_OK) {
    bo_free(b);
    return st;
  }
  *out = b;
  return HPO_OK;
}

void bo_free(Bo *b) {
  if (!b) return;
  for (int i = 0; i < b->nsrc; i++) gp_free(b->src[i]);
  free(b->src);
  free(b->srcw);
  free(b->cdim);
  free(b->cpar);
  free(b->cstart);
  free(b->ccode);
  free(b->cbuf);
  gp_free(b->gp);
  gp_free(b->rgp);
  gp_free(b->cgp);
  qmc_free(b->startup);
  free(b->dims);
  free(b->cont);
  free(b->box);
  free(b->X);
  free(b->y);
  free(b->w);
  free(b);
}

int bo_count(const Bo *b) { return b->n; }
Gp *bo_model(Bo *b) { return b->fitted_n >= 0 ? b->view : NULL; }

int bo_set_condition(Bo *b, int j, int parent, const double *codes, int n) {
  if (j < 0 || j >= b->dim || parent < 0 || parent >= b->dim || j == parent || n < 1)
    return HPO_EINVAL;
  int k = b->ncond, used = k > 0 ? b->cstart[k] : 0;  // conditions and codes so far
  int *cd = realloc(b->cdim, sizeof(int) * (size_t)(k + 1));
  if (cd) b->cdim = cd;
  int *cp = realloc(b->cpar, sizeof(int) * (size_t)(k + 1));
  if (cp) b->cpar = cp;
  int *cs = realloc(b->cstart, sizeof(int) * (size_t)(k + 2));
  if (cs) b->cstart = cs;
  double *cc = realloc(b->ccode, sizeof(double) * (size_t)(used + n));
  if (cc) b->ccode = cc;
  if (!cd || !cp || !cs || !cc) return HPO_ENOMEM;
  b->cstart[0] = 0;
  b->cdim[k] = j;
  b->cpar[k] = parent;
  memcpy(b->ccode + used, codes, sizeof(double) * (size_t)n);
  b->cstart[k + 1] = used + n;
  b->ncond = k + 1;
  return HPO_OK;
}

// x with its inactive coordinates NaN, as stored observations have them (in place). The
// search moves every coordinate; the models must see what a trial at x would be.
static void canon(const Bo *b, double *x) {
  for (int k = 0; k < b->ncond; k++) {
    double v = x[b->cpar[k]];
    int on = 0;
    for (int c = b->cstart[k]; !isnan(v) && !on && c < b->cstart[k + 1]; c++)
      on = fabs(v - b->ccode[c]) <= 1e-9;
    if (!on) x[b->cdim[k]] = NAN;
  }
}

// Canonical copies of m points in b->cbuf (or the points themselves without conditions).
static const double *canon_rows(Bo *b, const double *Xs, int m) {
  if (b->ncond == 0) return Xs;
  if (m > b->ccap) {
    double *buf = realloc(b->cbuf, sizeof(double) * (size_t)m * (size_t)b->dim);
    if (!buf) return NULL;
    b->cbuf = buf;
    b->ccap = m;
  }
  memcpy(b->cbuf, Xs, sizeof(double) * (size_t)m * (size_t)b->dim);
  for (int i = 0; i < m; i++) canon(b, b->cbuf + (size_t)i * b->dim);
  return b->cbuf;
}

static int reserve(Bo *b, int n) {
  if (n <= b->cap) return HPO_OK;
  int cap = n > 2 * b->cap ? n : 2 * b->cap;
  double *X = realloc(b->X, sizeof(double) * (size_t)cap * (size_t)b->dim);
  if (!X) return HPO_ENOMEM;
  b->X = X;
  double *y = realloc(b->y, sizeof(double) * (size_t)cap);
  if (!y) return HPO_ENOMEM;
  b->y = y;
  double *w = realloc(b->w, sizeof(double) * (size_t)cap);
  if (!w) return HPO_ENOMEM;
  b->w = w;
  b->cap = cap;
  return HPO_OK;
}

int bo_tell(Bo *b, const double *x, double y) {
  int st = reserve(b, b->n + 1);
  if (st != HPO_OK) return st;
  memcpy(b->X + (size_t)b->n * b->dim, x, sizeof(double) * (size_t)b->dim);
  b->y[b->n++] = isnan(y) ? -HUGE_VAL : -y;  // the GP maximises
  return HPO_OK;
}

// A unit-cube point onto the space: discrete coordinates to their values' codes.
static void snap(const Bo *b, double *x) {
  for (int j = 0; j < b->dim; j++) {
    const SpaceDim *d = &b->dims[j];
    if (d->kind == DIM_CATEGORICAL)
      x[j] = space_from_unit(d, fmin(fmax(x[j], 0), 0.999999999));
    else
      x[j] = space_round(d, x[j]);
  }
}

typedef struct {
  Bo *b;
  double *x;      // the full point; L-BFGS moves the continuous coordinates
  double *g;      // full gradient scratch (2 x dim)
} AcqCtx;

// Acquisition (larger is better) from the posterior mean and variance at a point and, if
// grad, its gradient from theirs.
static double acq_value(const Bo *b, double mu, double var, const double *dmu,
                        const double *dvar, double *grad) {
  if (b->mean_only) {  // bo_source_optimum: the sources' mean itself
    for (int j = 0; grad && j < b->dim; j++) grad[j] = dmu[j];
    return mu;
  }
  double sig = sqrt(fmax(var, 1e-20));
  double a, dadm, dads;
  switch (b->o.acq) {
    case BO_LOGPI: {
      double z = (mu - b->f0) / sig;
      a = normal_log_cdf(z);
      double r = exp(-0.5 * z * z - 0.91893853320467274 - a);
      dadm = r / sig;
      dads = -r * z / sig;
      break;
    }
    case BO_UCB:
      a = mu + b->sqrt_beta * sig;
      dadm = 1;
      dads = b->sqrt_beta;
      break;
    default: {
      double z = (mu - b->f0) / sig;
      a = acq_log_h(z) + log(sig);
      double dh = acq_dlog_h(z);
      dadm = dh / sig;
      dads = -dh * z / sig + 1 / sig;
    }
  }
  if (grad)
    for (int j = 0; j < b->dim; j++) grad[j] = dadm * dmu[j] + dads * dvar[j] / (2 * sig);
  return a;
}

// ---- transfer (RGPE) ----

int bo_add_source(Bo *b, const double *X, const double *z, int n) {
  if (n < 2) return HPO_EINVAL;
  int d = b->dim, m = n < b->o.fit_points ? n : (b->o.fit_points > 2 ? b->o.fit_points : 2);
  Gp **src = realloc(b->src, sizeof(Gp *) * (size_t)(b->nsrc + 1));
  if (!src) return HPO_ENOMEM;
  b->src = src;
  double *w = realloc(b->srcw, sizeof(double) * (size_t)(b->nsrc + 2));
  if (!w) return HPO_ENOMEM;
  b->srcw = w;
  int *cat = calloc((size_t)d, sizeof(int)), *idx = malloc(sizeof(int) * (size_t)n);
  double *Xs = malloc(sizeof(double) * (size_t)m * (size_t)(d + 1)), *ys = Xs ? Xs + (size_t)m * d : NULL;
  int st = cat && idx && Xs ? HPO_OK : HPO_ENOMEM;
  Gp *g = NULL;
  if (st == HPO_OK) {
    // Its own random stream: adding sources leaves the sampler's state as it was (resume).
    Rng r;
    rng_seed(&r, b->o.seed ^ (0x5851F42D4C957F2Dull * (uint64_t)(b->nsrc + 1)));
    for (int j = 0; j < d; j++) cat[j] = b->dims[j].kind == DIM_CATEGORICAL;
    for (int i = 0; i < n; i++) idx[i] = i;
    for (int i = 0; i < m; i++) {  // a random subset when the source is large
      int j = i + (int)rng_below(&r, (uint64_t)(n - i)), t = idx[i];
      idx[i] = idx[j];
      idx[j] = t;
      memcpy(Xs + (size_t)i * d, X + (size_t)idx[i] * d, sizeof(double) * (size_t)d);
      ys[i] = -z[idx[i]];  // the GPs maximise
    }
    GpOptions go = gp_defaults();
    go.kernel = b->o.kernel;
    st = gp_new(&g, d, cat, &go);
    // Its hyperparameters from the first 200 of those (a random subset already), then the GP
    // on all m: optimised on 400 points, 20 sources of 1000 trials held up a study's first
    // model-based ask by 12 s (bench/warm_sources.lua). From 100 the sources' predicted
    // optimum and TPE's model trials on those were worse (Hartmann6: 0.196 -> 0.263); from
    // 200, 20 seeds at 20 trials within noise for TPE, GP and CMA-ES (p >= 0.1).
    int mo = m < 200 ? m : 200;
    if (st == HPO_OK) st = gp_fit(g, Xs, ys, mo, 1, 2, &r);
    if (st == HPO_OK && mo < m) st = gp_fit(g, Xs, ys, m, 0, 0, NULL);
  }
  free(cat);
  free(idx);
  free(Xs);
  if (st != HPO_OK) {
    gp_free(g);
    return st;
  }
  b->src[b->nsrc++] = g;
  for (int i = 0; i <= b->nsrc; i++) b->srcw[i] = 1.0 / (b->nsrc + 1);
  return HPO_OK;
}

int bo_source_weights(const Bo *b, double *w) {
  for (int i = 0; w && b->nsrc > 0 && i <= b->nsrc; i++) w[i] = b->srcw[i];
  return b->nsrc;
}

static int cmp_int(const void *a, const void *b) {
  int x = *(const int *)a, y = *(const int *)b;
  return (x > y) - (x < y);
}

// Discordant pairs between a model's values f and the observations y (both maximised).
static int misranked(const double *f, const double *y, int n) {
  int bad = 0;
  for (int j = 0; j < n; j++)
    for (int k = j + 1; k < n; k++) bad += (f[j] < f[k]) != (y[j] < y[k]);
  return bad;
}

// RGPE's weights: over S posterior samples at the target's last (at most 100) observations,
// the share of samples in which each model misranks the fewest pairs (ties split). Sources
// sample their joint posterior; the target its leave-one-out predictions. A source that
// ranks the target backwards wins no samples and gets weight 0.
static int rgpe_weights(Bo *b) {
  int M = b->nsrc + 1, N = b->n, n = N < 100 ? N : 100, off = N - n, S = 256;
  size_t nn = (size_t)n * n;
  double *buf = malloc(sizeof(double) *
                       ((size_t)b->nsrc * (nn + n) + 2 * (size_t)N + 2 * (size_t)n + (size_t)M));
  if (!buf) return HPO_ENOMEM;
  double *chol = buf, *mean = chol + (size_t)b->nsrc * nn, *lm = mean + (size_t)b->nsrc * n;
  double *lv = lm + N, *y = lv + N, *f = y + n, *wins = f + n;
  double ym, ys;
  gp_output_scale(b->gp, &ym, &ys);
  for (int i = 0; i < n; i++) y[i] = (b->w[off + i] - ym) / ys;
  int st = gp_loo(b->gp, lm, lv);
  for (int s = 0; s < b->nsrc && st == HPO_OK; s++) {
    double *L = chol + (size_t)s * nn;
    st = gp_predict_cov(b->src[s], b->X + (size_t)off * b->dim, n, mean + (size_t)s * n, L);
    double jit = 1e-10;
    for (int i = 0; i < n; i++) jit = fmax(jit, 1e-9 * L[(size_t)i * n + i]);
    while (st == HPO_OK && la_chol(L, n, n) != HPO_OK) {  // a jitter ladder, as for TS
      if (jit > 1) {
        st = HPO_EINVAL;
        break;
      }
      st = gp_predict_cov(b->src[s], b->X + (size_t)off * b->dim, n, mean + (size_t)s * n, L);
      for (int i = 0; i < n; i++) L[(size_t)i * n + i] += jit;
      jit *= 10;
    }
  }
  int *losses = st == HPO_OK ? malloc(sizeof(int) * (size_t)M * S) : NULL;
  if (st == HPO_OK && !losses) st = HPO_ENOMEM;
  if (st == HPO_OK) {
    for (int i = 0; i < M; i++) wins[i] = 0;
    double z[n];
    for (int smp = 0; smp < S; smp++) {
      int *loss = losses + (size_t)smp * M;
      for (int s = 0; s < M; s++) {
        for (int i = 0; i < n; i++) z[i] = rng_normal(&b->rng);
        if (s < b->nsrc) {
          const double *L = chol + (size_t)s * nn, *mu = mean + (size_t)s * n;
          for (int i = 0; i < n; i++) {
            f[i] = mu[i];
            for (int k = 0; k <= i; k++) f[i] += L[(size_t)i * n + k] * z[k];
          }
        } else {
          for (int i = 0; i < n; i++) f[i] = lm[off + i] + sqrt(fmax(lv[off + i], 0)) * z[i];
        }
        loss[s] = misranked(f, y, n);
      }
      int best = loss[0], ties = 0;
      for (int s = 1; s < M; s++) best = loss[s] < best ? loss[s] : best;
      for (int s = 0; s < M; s++) ties += loss[s] == best;
      for (int s = 0; s < M; s++)
        if (loss[s] == best) wins[s] += 1.0 / ties;
    }
    for (int s = 0; s < M; s++) b->srcw[s] = wins[s] / S;
    // RGPE's guard against weight dilution: a source whose median loss is above the 95th
    // percentile of the target's is dropped.
    int *col = malloc(sizeof(int) * (size_t)S);
    if (col) {
      for (int smp = 0; smp < S; smp++) col[smp] = losses[(size_t)smp * M + b->nsrc];
      qsort(col, (size_t)S, sizeof(int), cmp_int);
      int p95 = col[(int)(0.95 * (S - 1))];
      double drop = 0;
      for (int s = 0; s < b->nsrc; s++) {
        for (int smp = 0; smp < S; smp++) col[smp] = losses[(size_t)smp * M + s];
        qsort(col, (size_t)S, sizeof(int), cmp_int);
        if (col[S / 2] > p95) {
          drop += b->srcw[s];
          b->srcw[s] = 0;
        }
      }
      b->srcw[b->nsrc] += drop;  // the target takes what the dropped sources had
      free(col);
    }
  }
  free(losses);
  free(buf);
  return st;
}

// ---- the model the acquisition sees: the study's GP, or with sources the transfer model ----

// The sources' mean at m points, weighted by their RGPE weights (normalised over the
// sources), in their standardised units; with gradients at one point when dm is given.
// When RGPE gives no source any weight, their plain mean: the weights judge how sources
// rank the study's last points, and once those bunch near an optimum a sibling's shifted
// optimum misranks them all while its shape elsewhere still holds (it is the line fit of
// transfer_fit that tells a misleading source, scale 0). With the prior gone the study had
// turned cold mid-search: Sobol points, and the study's GP alone, its EI drawn to the
// corners of the trust region (bench/warm, 20 seeds, Rosenbrock-4 at 50 trials 1.12 ->
// 0.60 and at 100 0.54 -> 0.099; Branin, Hartmann6 and adversarial sources as before).
// Returns the sources' total weight or -1 on error.
static double src_mean(Bo *b, const double *Xs, int m, double *out, double *dm, double *tmp) {
  double W = 0;
  for (int s = 0; s < b->nsrc; s++) W += b->srcw[s];
  int plain = W <= 0;
  if (plain) W = b->nsrc;
  for (int j = 0; j < m; j++) out[j] = 0;
  for (int j = 0; dm && j < b->dim; j++) dm[j] = 0;
  for (int s = 0; s < b->nsrc; s++) {
    double w = (plain ? 1 : b->srcw[s]) / W, g[b->dim];
    if (w <= 0) continue;
    int st = dm ? gp_predict_grad(b->src[s], Xs, tmp, NULL, g, NULL)
                : gp_predict(b->src[s], Xs, m, tmp, NULL);
    if (st != HPO_OK) return -1;
    for (int j = 0; j < m; j++) out[j] += w * tmp[j];
    for (int j = 0; dm && j < b->dim; j++) dm[j] += w * g[j];
  }
  return W;
}

// The transfer model (replacing RGPE's ensemble of means, whose sources ignore the study's
// own observations: on Branin it kept proposing points the sources rated well after the
// study had seen them fail). The prior mean is ra m(x) + rc, with m the sources' weighted
// mean and (ra >= 0, rc) the least-squares fit of the study's values on m at its points: a
// rescaled and offset sibling maps onto the study, one that ranks it backwards gets ra = 0.
// rgp models the residuals (the study's points plus npending fantasies). Its hyperparameters
// are re-optimised, from the study's GP's, when the study's GP's were (fit: while the data is
// small, then as it grows by o.refit; at most fit_points points), and kept in between:
// re-optimising at every ask made warm GP 1.5 times as slow per trial at 300 trials.
// EI's incumbent is then the model's best mean at the study's points (plug-in EI, as for
// noisy objectives), not the best value: the residual GP reads more of the data as noise
// than the study's GP (residuals are rougher than values), so it may not pass through the
// best trial, and measured from the best value the points next to it promised nothing; the
// search wandered off (bench/warm, Branin at 20 trials: 0.019 -> 0.0049). The study's GP
// alone keeps the best value: there the plug-in cost Branin at 100 trials (3.1e-6 ->
// 1.2e-5, p = 0.03) and Rosenbrock (5.5 -> 6.5 at 100, p = 0.07; bench/gp_quality.lua).
// The trust region at this ask: its side around the incumbent inc, if on.
typedef struct {
  int on, inc;
  double side;
} Region;

// Marks the first nt stored points inside the region (categorical and inactive coordinates
// are free there, as in its search box); returns how many of the observed ones are. Its
// edge counts as inside: EI's best point is often there, and |a - c| of such a trial can
// come out an ulp above side / 2. Left out of the fit, the trial was proposed again (warm
// Rosenbrock-4 on bench/warm: 33 of 2000 trials within 1e-6 of an earlier one, now none).
static int in_region(const Bo *b, const Region *g, int nt, int *keep) {
  int d = b->dim, count = 0;
  for (int i = 0; i < nt; i++) {
    keep[i] = 1;
    for (int j = 0; j < d && keep[i]; j++) {
      double a = b->X[(size_t)i * d + j], c = b->X[(size_t)g->inc * d + j];
      if (b->dims[j].kind != DIM_CATEGORICAL && !isnan(a) && !isnan(c) &&
          fabs(a - c) > g->side / 2 * (1 + 1e-9))
        keep[i] = 0;
    }
    count += keep[i] && i < b->n;
  }
  return count;
}

static int transfer_fit(Bo *b, int npending, const Region *region) {
  int n = b->n, nt = n + npending;
  double *m = malloc(sizeof(double) * 3 * (size_t)nt), *r = m + nt, *tmp = r + nt;
  if (!m) return HPO_ENOMEM;
  double W = src_mean(b, b->X, nt, m, NULL, tmp);
  if (W < 0) {
    free(m);
    return HPO_EINVAL;
  }
  // It models the study's values unwarped: the sources' values are standardised, not warped,
  // so for a rescaled, offset sibling the study's values are linear in m and what is left to
  // the residual GP is what the sibling gets wrong. Fitted to warped values (the study's GP's,
  // log-compressed from the best) the line missed, most of all near the best where the seed
  // trials sit, and the residual GP read the misfit as noise (bench/warm, medians over 40
  // seeds at 20 trials: Branin 0.0053 -> 2.0e-4, Branin-near 0.0038 -> 1.3e-5, Hartmann6
  // 0.15 -> 0.12; adversarial sources as before). With startup = seed_trials the warped fit
  // had even pinned the search to the seeds for 100 trials (its slope, fitted where m hardly
  // varies, came out at 20 to 200). The warp is monotone in the value, so this undoes it for
  // the pending points' fantasies too (an affine map of y). r holds those values, then the
  // residuals.
  for (int i = 0; i < nt; i++) r[i] = b->warped ? -expm1(-b->w[i]) : b->w[i];
  int st = HPO_OK, nf = 0;  // a non-finite value stays out of the line (the GP ranks it worst)
  double mm = 0, mw = 0, smm = 0, smw = 0;
  for (int i = 0; i < n; i++)
    if (isfinite(r[i])) mm += m[i], mw += r[i], nf++;
  mm /= nf > 0 ? nf : 1;
  mw /= nf > 0 ? nf : 1;
  for (int i = 0; i < n; i++)
    if (isfinite(r[i])) {
      smm += (m[i] - mm) * (m[i] - mm);
      smw += (m[i] - mm) * (r[i] - mw);
    }
  b->ra = W > 0 && smm > 0 ? fmax(0, smw / smm) : 0;
  b->rc = mw - b->ra * mm;
  for (int i = 0; i < nt; i++) r[i] = r[i] - b->ra * m[i] - b->rc;
  b->transfer = b->ra > 0;
  if (b->transfer) {
    int optimise = !b->rvalid || b->theta_n == b->n;
    if (optimise)
      memcpy(gp_theta(b->rgp), gp_theta(b->gp), sizeof(double) * (size_t)gp_ntheta(b->gp));
    // Refining (the region has shrunk), the residual GP sees the trials in the region
    // alone, so their residuals set its scale, not the far Sobol points': on Branin those
    // are 100 times the study's best and its last digits read as noise (bench/warm, 20
    // seeds: at 20 trials 1.6e-6 -> 1.9e-7, at 100 1.3e-7 -> 5.4e-9; Branin-near at 20
    // 2.1e-7 -> 2.5e-9). Once the region holds as many trials as a quadratic in d
    // dimensions has coefficients: from 2 (d + 1) Rosenbrock-4's valley was refined from
    // too few (at 100 trials 0.12 -> 0.18), from 4 (d + 1) Branin's came after trial 20.
    int d = b->dim, nl = nt, *keep = NULL;
    double *XL = NULL, *RL = r;
    if (region->on && region->side < b->o.trust) {
      keep = malloc(sizeof(int) * (size_t)nt);
      if (keep && in_region(b, region, nt, keep) < (d + 1) * (d + 2) / 2) {
        free(keep);  // too few to model alone: every trial, as before the region shrank
        keep = NULL;
      } else if (keep && (XL = malloc(sizeof(double) * (size_t)nt * (size_t)(d + 1)))) {
        RL = XL + (size_t)nt * d;
        nl = 0;
        for (int i = 0; i < nt; i++)
          if (keep[i]) {
            memcpy(XL + (size_t)nl * d, b->X + (size_t)i * d, sizeof(double) * (size_t)d);
            RL[nl++] = r[i];
          }
      } else {
        st = HPO_ENOMEM;
      }
    }
    if (st == HPO_OK)
      st = gp_fit(b->rgp, XL ? XL : b->X, RL, nl, optimise && nl <= b->o.fit_points, 0, NULL);
    b->rvalid = 1;
    if (st == HPO_OK) st = gp_predict(b->rgp, b->X, nt, tmp, NULL);  // stored: canonical
    b->f0 = -HUGE_VAL;  // over the pending points' fantasies too (fantasies())
    for (int i = 0; i < nt && st == HPO_OK; i++)
      if (!keep || keep[i]) b->f0 = fmax(b->f0, tmp[i] + b->ra * m[i] + b->rc);
    free(XL);
    free(keep);
  }
  free(m);
  return st;
}

// Posterior at m points: the study's GP, or with sources the transfer model (its mean plus
// the prior mean; the residual GP's variance); for mean_only the sources' mean, variance 0.
static int model_predict(Bo *b, const double *Xs, int m, double *mean, double *var) {
  if (!(Xs = canon_rows(b, Xs, m))) return HPO_ENOMEM;
  if (b->mean_only) {
    int st = src_mean(b, Xs, m, mean, NULL, var) < 0 ? HPO_EINVAL : HPO_OK;
    for (int j = 0; j < m; j++) var[j] = 0;
    return st;
  }
  if (!b->transfer) return gp_predict(b->view, Xs, m, mean, var);
  double *t = malloc(sizeof(double) * 2 * (size_t)m);
  if (!t) return HPO_ENOMEM;
  int st = src_mean(b, Xs, m, t, NULL, t + m) < 0 ? HPO_EINVAL : HPO_OK;
  if (st == HPO_OK) st = gp_predict(b->rgp, Xs, m, mean, var);
  for (int j = 0; j < m && st == HPO_OK; j++) mean[j] += b->ra * t[j] + b->rc;
  free(t);
  return st;
}

// The same at one point, with gradients (dmu, dvar may be NULL).
static int model_predict_grad(Bo *b, const double *x, double *mu, double *var, double *dmu,
                              double *dvar) {
  int d = b->dim;
  double xc[d];  // canonical: an inactive coordinate gets gradient 0 from the GPs
  memcpy(xc, x, sizeof xc);
  canon(b, xc);
  x = xc;
  if (b->mean_only) {
    double tmp[2];
    *var = 0;
    for (int j = 0; dvar && j < d; j++) dvar[j] = 0;
    return src_mean(b, x, 1, mu, dmu, tmp) < 0 ? HPO_EINVAL : HPO_OK;
  }
  if (!b->transfer) return gp_predict_grad(b->view, x, mu, var, dmu, dvar);
  double m, dm[d], tmp[2];
  if (src_mean(b, x, 1, &m, dmu ? dm : NULL, tmp) < 0) return HPO_EINVAL;
  int st = gp_predict_grad(b->rgp, x, mu, var, dmu, dvar);
  *mu += b->ra * m + b->rc;
  for (int j = 0; dmu && j < d; j++) dmu[j] += b->ra * dm[j];
  return st;
}

static double acq_at(Bo *b, const double *x, double *grad, double *scratch) {
  double mu, var;
  double *dmu = grad ? scratch : NULL, *dvar = grad ? scratch + b->dim : NULL;
  if (model_predict_grad(b, x, &mu, &var, dmu, dvar) != HPO_OK) return -HUGE_VAL;
  return acq_value(b, mu, var, dmu, dvar, grad);
}

static double neg_acq_cont(const double *xc, double *gc, void *ud) {
  AcqCtx *c = ud;
  Bo *b = c->b;
  for (int k = 0; k < b->ncont; k++) c->x[b->cont[k]] = xc[k];
  double *full = c->g, *scr = c->g + b->dim;
  double a = acq_at(b, c->x, full, scr);
  for (int k = 0; k < b->ncont; k++) gc[k] = -full[b->cont[k]];
  return -a;
}

// Local search from x (in place): L-BFGS-B on the continuous coordinates, then each
// discrete coordinate's values (all if <= 16, else neighbours and a few random), until no gain.
static double refine(Bo *b, double *x, double *work) {
  int dim = b->dim;
  double *scr = work, *xc = work + 3 * dim, *lo = xc + dim, *hi = lo + dim, *t = hi + dim;
  double best = acq_at(b, x, NULL, NULL);
  for (int k = 0; k < b->ncont; k++) {
    lo[k] = b->box[b->cont[k]];
    hi[k] = b->box[dim + b->cont[k]];
  }
  LbfgsOptions lo_ = lbfgsb_defaults();
  lo_.max_iter = 30;
  lo_.pgtol = 1e-6;
  for (int round = 0; round < 3; round++) {
    double start = best;
    if (b->ncont > 0) {
      memcpy(t, x, sizeof(double) * (size_t)dim);
      AcqCtx c = {b, t, scr};
      for (int k = 0; k < b->ncont; k++) xc[k] = x[b->cont[k]];
      double f;
      if (lbfgsb_minimize(b->ncont, xc, lo, hi, neg_acq_cont, &c, &lo_, &f, NULL) == HPO_OK &&
          -f > best) {
        best = -f;
        for (int k = 0; k < b->ncont; k++) x[b->cont[k]] = xc[k];
      }
    }
    for (int j = 0; j < dim; j++) {
      const SpaceDim *d = &b->dims[j];
      uint64_t card = space_cardinality(d);
      if (card == 0 || card == 1) continue;
      memcpy(t, x, sizeof(double) * (size_t)dim);
      int ntry = card <= 16 ? (int)card : 12;
      long cur = d->kind == DIM_CATEGORICAL ? (long)x[j] : 0;
      if (d->kind != DIM_CATEGORICAL) {  // index of the current value on the grid
        double u = space_decode(d, x[j]);
        cur = d->kind == DIM_ORDINAL ? (long)u : lround((u - d->lo) / (d->step > 0 ? d->step : 1));
      }
      for (int q = 0; q < ntry; q++) {
        long k;
        if (card <= 16) {
          k = q;
        } else {
          static const int off[8] = {-1, 1, -2, 2, -4, 4, -8, 8};
          k = q < 8 ? cur + off[q] : (long)rng_below(&b->rng, card);
          if (k < 0 || k >= (long)card) continue;
        }
        if (k == cur) continue;
        t[j] = d->kind == DIM_CATEGORICAL ? (double)k : space_grid_point(d, 0, (uint64_t)k);
        double a = acq_at(b, t, NULL, NULL);
        if (a > best) {
          best = a;
          x[j] = t[j];
          cur = k;
        }
      }
    }
    if (!(best > start + 1e-9 * fabs(start))) break;
  }
  return best;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

// The values a GP models (w from y, n of them): with o.warp, g -> -log1p((gmax - g) / s), s
// the median distance to the best: monotone, the best stays best, and values far worse than
// typical are compressed so they do not dominate the fit (Rosenbrock-like objectives).
// Returns whether it warped (not when off, or when every value ties with the best).
static int warp(const Bo *b, const double *y, int n, double *w) {
  memcpy(w, y, sizeof(double) * (size_t)n);
  if (!b->o.warp) return 0;
  double gmax = -HUGE_VAL;
  for (int i = 0; i < n; i++)
    if (isfinite(y[i])) gmax = fmax(gmax, y[i]);
  int k = 0;
  double *d = w;  // distances, sorted in place to find the median, then rebuilt
  for (int i = 0; i < n; i++)
    if (isfinite(y[i]) && y[i] < gmax) d[k++] = gmax - y[i];
  if (k == 0) {
    memcpy(w, y, sizeof(double) * (size_t)n);
    return 0;
  }
  qsort(d, (size_t)k, sizeof(double), cmp_double);
  double s = d[k / 2];
  for (int i = 0; i < n; i++) w[i] = -log1p((gmax - y[i]) / s);
  return 1;
}

// Whether x equals one of the first n stored points (observed, then pending).
static int known(const Bo *b, const double *x0, int n) {
  double x[b->dim];
  memcpy(x, x0, sizeof x);
  canon(b, x);
  for (int i = 0; i < n; i++) {
    const double *p = b->X + (size_t)i * b->dim;
    int j = 0;
    while (j < b->dim && (fabs(p[j] - x[j]) <= 1e-12 || (isnan(p[j]) && isnan(x[j])))) j++;
    if (j == b->dim) return 1;
  }
  return 0;
}

// Fits g to n points (X, y), optimising the hyperparameters when asked: on a random subset
// of at most o.fit_points of them (O(m^3) per step instead of O(n^3)), after which the
// model conditions on every point at that theta.
static int fit_gp(Bo *b, Gp *g, const double *Xs, const double *ys, int n, int optimise,
                  int restarts, Rng *rng) {
  int m = b->o.fit_points > 1 ? b->o.fit_points : 2, dim = b->dim;
  if (optimise && n > m) {
    double *X = malloc(sizeof(double) * (size_t)m * (size_t)(dim + 1)), *y = X + (size_t)m * dim;
    int *idx = malloc(sizeof(int) * (size_t)n);
    int st = X && idx ? HPO_OK : HPO_ENOMEM;
    if (st == HPO_OK) {
      for (int i = 0; i < n; i++) idx[i] = i;
      for (int i = 0; i < m; i++) {
        int j = i + (int)rng_below(rng, (uint64_t)(n - i)), t = idx[i];
        idx[i] = idx[j];
        idx[j] = t;
        memcpy(X + (size_t)i * dim, Xs + (size_t)idx[i] * dim, sizeof(double) * (size_t)dim);
        y[i] = ys[idx[i]];
      }
      st = gp_fit(g, X, y, m, 1, restarts, rng);
    }
    free(X);
    free(idx);
    if (st != HPO_OK) return st;
    optimise = 0;
  }
  return gp_fit(g, Xs, ys, n, optimise, restarts, rng);
}

static int fit(Bo *b) {
  if (b->fitted_n == b->n) return HPO_OK;
  b->warped = warp(b, b->y, b->n, b->w);
  // Random restarts when the data has doubled. The hyperparameters are re-optimised (warm
  // started) while the data is small, then once it has grown by the fraction o.refit: one
  // point more among hundreds barely moves the MAP estimate, and in between the ask costs one
  // factorisation instead of a few dozen (the cost that dominated at 150+ trials).
  int restarts = 0, optimise = b->theta_n <= 0 || b->n - b->theta_n >= fmax(1, floor(b->o.refit * b->n));
  if (b->restart_n == 0 || b->n >= 2 * b->restart_n) {
    restarts = 2;
    b->restart_n = b->n;
    optimise = 1;
  }
  if (optimise) b->theta_n = b->n;
  int st = fit_gp(b, b->gp, b->X, b->w, b->n, optimise, restarts, &b->rng);
  if (st == HPO_OK) b->fitted_n = b->n;
  return st;
}

static int thompson(Bo *b, double *x) {
  int dim = b->dim, m = b->o.candidates < 512 ? b->o.candidates : 512;
  double *C = malloc(sizeof(double) * ((size_t)m * dim + (size_t)m * m + 2 * (size_t)m));
  if (!C) return HPO_ENOMEM;
  double *cov = C + (size_t)m * dim, *mean = cov + (size_t)m * m, *z = mean + m;
  QmcSobol *q;
  QmcOptions qo = qmc_defaults();
  qo.seed = rng_next(&b->rng);
  int st = qmc_new(&q, dim, &qo);
  if (st != HPO_OK) {
    free(C);
    return st;
  }
  // Three quarters space-filling, one quarter near the best observations.
  int best = 0;
  for (int i = 1; i < b->n; i++)
    if (b->y[i] > b->y[best]) best = i;
  for (int i = 0; i < m; i++) {
    double *c = C + (size_t)i * dim;
    qmc_next(q, c);
    if (i >= m - m / 4)
      for (int j = 0; j < dim; j++) {
        double v = b->X[(size_t)best * dim + j];
        if (!isnan(v)) c[j] = b->dims[j].kind == DIM_CATEGORICAL
                                  ? (rng_uniform(&b->rng) < 0.8 ? (v + 0.5) / b->dims[j].n : c[j])
                                  : v + 0.05 * rng_normal(&b->rng);
      }
    snap(b, c);
  }
  qmc_free(q);
  const double *Cc = canon_rows(b, C, m);
  st = Cc ? gp_predict_cov(b->gp, Cc, m, mean, cov) : HPO_ENOMEM;
  if (st == HPO_OK) {
    double jit = 1e-10;
    for (int i = 0; i < m; i++) jit = fmax(jit, 1e-9 * cov[(size_t)i * m + i]);
    for (; jit < 1; jit *= 10) {
      for (int i = 0; i < m; i++) cov[(size_t)i * m + i] += jit;
      if (la_chol(cov, m, m) == HPO_OK) break;
      st = gp_predict_cov(b->gp, Cc, m, mean, cov);
    }
    for (int i = 0; i < m; i++) z[i] = rng_normal(&b->rng);
    int arg = 0;
    double fbest = -HUGE_VAL;
    for (int i = 0; i < m; i++) {
      double f = mean[i];
      for (int k = 0; k <= i; k++) f += cov[(size_t)i * m + k] * z[k];
      if (f > fbest) {
        fbest = f;
        arg = i;
      }
    }
    memcpy(x, C + (size_t)arg * dim, sizeof(double) * (size_t)dim);
  }
  free(C);
  return st;
}

// With sources that explain the study (transfer on), model-based asks search TuRBO's trust
// region around the best trial (Eriksson et al. 2019,
// "Scalable global optimization via local Bayesian optimization"). The sources vouch for the
// region of the seeds, so the asks refine it instead of spreading over every region the
// sources rate well: with the sources' three equal optima of Branin in view, warm GP had
// spent its asks on all three. Its side starts at o.trust; it doubles (to at most 1.6) after
// 3 trials in a row that improve on the best by 1e-3 of its size, halves after `patience`
// that do not, and below 2^-7 it is given up (the search is global again, from a restart)
// until a trial improves on the best. The patience is half TuRBO's max(4, dim), at least 2:
// with 20 trials the region must refine, or give up and restart, within a few asks. 3 for
// every dim against max(4, dim) (bench/warm, 20 seeds): Branin at 20 trials 1.5e-7 ->
// 6.4e-8, Rosenbrock-4 2.4 -> 2.1, Hartmann6 at 100 5.0e-4 -> 5.5e-6. Then 2 up to 4-D
// against 3, 40 seeds at 20 trials: Branin 8.1e-8 -> 3.4e-8, from GP-made sources
// Rosenbrock-4 1.32 -> 1.07 (README); given up sooner, the region restarts more often later
// (over families at 100 Branin 2.6e-9 -> 2.2e-8, Rosenbrock-4 6.4e-4 -> 7.6e-3; cold GP
// 1.2e-7 and 0.99). 2 in 6-D too cost Hartmann6 at 100 (5.5e-6 -> 1.5e-5). It is replayed
// from the trials after the seeds at each ask, Sobol points included, so it needs no state
// of its own and a resumed study continues it. A cube, not TuRBO's box scaled by the
// lengthscales: fitted to 20 trials bunched near the seeds, they are poorly determined, and
// the scaled box ran long along whichever coordinate looked smooth (on Branin it spanned two
// optima; bench/warm, seeds 21-40, cube against scaled: Rosenbrock-4 at 20 trials 2.3 -> 1.7
// and at 50 1.52 -> 1.16, Branin at 100 2.0e-7 -> 9.5e-8). bench/warm, 20 seeds, against the
// global search: at 20 trials Branin 1.4e-4 -> 1.6e-6, Branin-near 1.9e-6 -> 2.9e-7,
// Rosenbrock-4 4.3 -> 1.8; at 50 and 100 level or better; Hartmann6 and adversarial sources
// (scale 0) as before. Sides 0.2 and 0.8 (scaled) measured too: 0.2 cost Rosenbrock-4 at 50
// (1.58, p < 0.01), 0.8 gained less at 20.
// Returns whether it is on, with its side; when given up, gone is the trial at which.
static int trust_replay(const Bo *b, double *side, int *gone) {
  int patience = b->dim > 4 ? (b->dim + 1) / 2 : 2, succ = 0, fail = 0, on = 1;
  double best = -HUGE_VAL;
  *side = b->o.trust;
  *gone = -1;
  for (int i = 0; i < b->n; i++) {
    int better = b->y[i] > best + (isinf(best) ? 0 : 1e-3 * fabs(best));
    if (i >= b->o.seeds && !on && better) {
      on = 1;
      *side = b->o.trust;
      succ = fail = 0;
    } else if (i >= b->o.seeds && on) {
      succ = better ? succ + 1 : 0;
      fail = better ? 0 : fail + 1;
      if (succ == 3) *side = fmin(2 * *side, 1.6), succ = 0;
      if (fail == patience) *side /= 2, fail = 0;
      on = *side >= 1.0 / 128;
      if (!on) *gone = i;
    }
    best = fmax(best, b->y[i]);
  }
  if (on) *gone = -1;
  return on;
}

// This ask's search box: the trust region's cube around the incumbent while it is on, else
// the whole space.
static void search_box(Bo *b, int inc, int on, double side) {
  int dim = b->dim;
  for (int j = 0; j < dim; j++) {  // categorical and inactive coordinates stay free
    double c = on ? b->X[(size_t)inc * dim + j] : (double)NAN;
    int free_ = !on || b->dims[j].kind == DIM_CATEGORICAL || isnan(c);
    b->box[j] = free_ ? 0 : fmax(0, c - side / 2);
    b->box[dim + j] = free_ ? 1 : fmin(1, c + side / 2);
  }
}

// Conditions g, fitted to the m points X with values w, on the npending points after them
// in X as well (same hyperparameters): valued at g's mean there (kriging believer) or at
// the best value f0, into w[m..]. The incumbent f0 counts them, as the believer's data
// does (Ginsbourger et al. 2010): measured from the real best, a fantasy that promised an
// improvement left its neighbourhood promising the same, and a batch crowded there
// (bench/gp_batch, 4 at a time, 20 seeds, at 60 trials: Hartmann6 0.053 -> 3.9e-4, p =
// 0.003; Branin 8.7e-6 -> 2.6e-6, Rosenbrock-5 22.9 -> 14.7).
static int fantasies(Bo *b, Gp *g, const double *X, double *w, int m, int npending) {
  for (int i = 0; i < npending; i++) {
    double v = b->f0;
    if (b->o.believer) gp_predict(g, X + (size_t)(m + i) * b->dim, 1, &w[m + i], &v), v = w[m + i];
    w[m + i] = v;
    b->f0 = fmax(b->f0, v);
  }
  return gp_fit(g, X, w, m + npending, 0, 0, NULL);
}

// After the trust region was given up at trial from - 1 (the sources' region is searched
// out), the study restarts as TuRBO does: startup Sobol points, then its GP on the trials
// since alone, with pending points as fantasies, over the whole space. The sources led the
// study to their optimum; if that is a local one, their prior mean rates every other region
// poorly for good, and the study's GP over all its trials, bunched there, is no better (its
// warp compresses everything far from the best to one poor value). Sets f0 and inc from
// the trials since. Their GP's hyperparameters are optimised at checkpoints of their number
// c (every trial up to 20, then each time it has grown by o.refit), on those c trials, from
// the defaults and with a random state of their own: a function of the trials alone, so a
// resumed study finds them again without stored state. (Optimised at every ask, from the
// study GP's, warm GP at 300 trials was twice as slow per trial: bench/warm_overhead.lua.)
static int restart_fit(Bo *b, int from, int npending, int *inc) {
  int m = b->n - from, dim = b->dim, c = m < 20 ? m : 20, st = HPO_OK;
  for (int next; (next = (int)ceil(c * (1 + b->o.refit))) <= m;) c = next > c ? next : c + 1;
  double *w = malloc(sizeof(double) * (size_t)(m + npending));
  if (!w) return HPO_ENOMEM;
  const double *X = b->X + (size_t)from * dim;  // then the pending points (bo_ask put them)
  if (b->cfrom != from || b->cc != c) {
    Rng r;
    rng_seed(&r, b->o.seed ^ (0x9e3779b97f4a7c15u * (uint64_t)from + (uint64_t)c));
    warp(b, b->y + from, c, w);
    gp_theta_default(b->cgp);
    st = fit_gp(b, b->cgp, X, w, c, 1, c <= 100 ? 2 : 0, &r);
    b->cfrom = from, b->cc = c;
  }
  warp(b, b->y + from, m, w);
  b->f0 = -HUGE_VAL;
  for (int i = 0; i < m; i++)
    if (w[i] > b->f0) b->f0 = w[i], *inc = from + i;
  if (st == HPO_OK) st = gp_fit(b->cgp, X, w, m, 0, 0, NULL);
  if (st == HPO_OK && npending > 0) st = fantasies(b, b->cgp, X, w, m, npending);
  b->view = b->cgp;
  free(w);
  return st;
}

// The acquisition's best point in this ask's box: a Sobol screen of o.candidates points,
// L-BFGS-B from the best local_starts of them and from the incumbent inc (none if < 0); the
// best refined point that is not an observed or pending one, else the best-scored screened
// point that is not.
static int propose(Bo *b, int inc, int npending, double *x) {
  int dim = b->dim, st;
  int m = b->o.candidates, ns = b->o.local_starts;
  double *C = malloc(sizeof(double) * ((size_t)m * (dim + 3) + (size_t)(ns + 1) * dim + 7 * (size_t)dim));
  if (!C) return HPO_ENOMEM;
  double *mean = C + (size_t)m * dim, *var = mean + m, *score = var + m, *starts = score + m;
  double *work = starts + (size_t)(ns + 1) * dim;
  QmcSobol *q;
  QmcOptions qo = qmc_defaults();
  qo.seed = rng_next(&b->rng);
  st = qmc_new(&q, dim, &qo);
  if (st == HPO_OK) {
    for (int i = 0; i < m; i++) {
      double *c = C + (size_t)i * dim;
      qmc_next(q, c);
      for (int j = 0; j < dim; j++)
        if (b->dims[j].kind != DIM_CATEGORICAL)
          c[j] = b->box[j] + c[j] * (b->box[dim + j] - b->box[j]);
      snap(b, c);
    }
    qmc_free(q);
    st = model_predict(b, C, m, mean, var);
  }
  if (st == HPO_OK) {
    // Score the screen; keep the best ns (a small insertion list).
    int top[ns > 0 ? ns : 1];
    double topv[ns > 0 ? ns : 1];
    int nt = 0;
    for (int i = 0; i < m; i++) {
      double a = acq_value(b, mean[i], var[i], NULL, NULL, NULL);
      score[i] = isfinite(a) ? a : -HUGE_VAL;
      if (!isfinite(a)) continue;
      int p = nt < ns ? nt++ : ns;
      while (p > 0 && topv[p - 1] < a) {
        if (p < ns) {
          top[p] = top[p - 1];
          topv[p] = topv[p - 1];
        }
        p--;
      }
      if (p < ns) {
        top[p] = i;
        topv[p] = a;
      }
    }
    for (int k = 0; k < nt; k++)
      memcpy(starts + (size_t)k * dim, C + (size_t)top[k] * dim, sizeof(double) * (size_t)dim);
    double *incx = starts + (size_t)nt * dim;
    if (inc >= 0) memcpy(incx, b->X + (size_t)inc * dim, sizeof(double) * (size_t)dim);
    for (int j = 0; inc >= 0 && j < dim; j++)  // an inactive coordinate: the screen's best
      if (isnan(incx[j])) incx[j] = nt > 0 ? starts[j] : 0.5;
    // The best refined point that is not an observed or pending one (a noisy GP can rate a
    // known point highly; evaluating it again teaches nothing). Else, in a space of discrete
    // parameters only, the best-scored screened point that is not: there local searches end
    // at known points because the grid is used up around them, and the first unknown
    // screened point, a random one, had a warm study on bench/warm's 15 x 15 SVM grid spend
    // 75 trials without trying the untried neighbour of its best that EI rated highest. With
    // a continuous parameter, the first unknown screened point: there it means EI has no
    // maximum away from the data, and a fresh quasi-random point is the better use (the
    // best-scored one cost Branin-near from negated GP-made sources at 100 trials 1.6e-7 ->
    // 3.2e-7, p = 0.018 against cold; bench/warm, SOURCES=same).
    double best = -HUGE_VAL;
    int found = 0;
    for (int k = 0; k < nt + (inc >= 0); k++) {
      double *s = starts + (size_t)k * dim;
      double a = refine(b, s, work);
      if ((a > best || !found) && !known(b, s, b->n + npending)) {
        best = a;
        found = 1;
        memcpy(x, s, sizeof(double) * (size_t)dim);
      }
    }
    if (!found) {
      int grid = 1, whole = 1, pick = -1;
      for (int j = 0; j < dim; j++) {
        grid &= space_cardinality(&b->dims[j]) > 0;
        whole &= b->box[j] == 0 && b->box[dim + j] == 1;
      }
      for (int i = 0; i < m && (pick < 0 || grid); i++)  // known() last: O(n)
        if ((pick < 0 || score[i] > score[pick]) && !known(b, C + (size_t)i * dim, b->n + npending))
          pick = i;
      // A trust region with every point tried (a discrete one shrunk to its incumbent): the
      // whole space instead of a repeat (bench/warm's SVM grid: 34 repeated configurations
      // over 20 warm studies of 100 trials -> 18; startup_point's check took the rest).
      if (pick < 0 && !whole) {
        free(C);
        search_box(b, inc, 0, 1);
        return propose(b, inc, npending, x);
      }
      // Else a tiny, exhausted space: the first start, tried or not.
      memcpy(x, pick >= 0 ? C + (size_t)pick * dim : starts, sizeof(double) * (size_t)dim);
    }
  }
  free(C);
  return st;
}

// The next point of the Sobol startup, snapped to the space, passing over tried ones: in a
// discrete space the points after the seed trials, and a restart's, land on configurations
// the seeds or the model's asks took (on bench/warm's 15 x 15 SVM grid, 1 or 2 of every
// warm study's 100 trials repeated one; a deterministic objective teaches nothing twice).
static int startup_point(Bo *b, double *x) {
  int st;
  for (int tries = 0; (st = qmc_next(b->startup, x)) == HPO_OK; tries++) {
    snap(b, x);
    if (tries >= 64 || !known(b, x, b->n)) break;
  }
  return st;
}

int bo_ask(Bo *b, const double *pending, int npending, double *x) {
  int dim = b->dim;
  // The Sobol startup runs with sources too, the seed trials counting towards it: seeds sit
  // together near the sources' optima, and the study's own GP needs spread points to fit its
  // lengthscales. Skipping it cost GP the global optimum of Hartmann6 in 14 of 20 runs with
  // misleading sources (cold: 9; bench/warm, README). After the seed trials its points
  // alternate with model-based asks, a model-based one first (SMAC interleaves random
  // configurations likewise): the study refines its seeds at once and has all its spread
  // points five asks later than it would have. bench/warm, 20 seeds at 20 trials: Branin-near
  // 1.6e-5 -> 3.4e-7 (seeds 21-40: 9.1e-6 -> 1.9e-6), at 50 Branin 2.7e-7 -> 9.7e-7;
  // adversarial sources as before or better (Hartmann6-near at 100: 0.060 -> 1.2e-5).
  int sobol = b->n < b->o.startup || b->n < 2;
  int after = b->n - b->o.seeds;  // model-based and Sobol asks since the seed trials
  if (b->nsrc > 0 && b->o.seeds > 0 && after >= 0 && b->n >= 2)
    sobol = (int64_t)qmc_index(b->startup) < b->o.startup - b->o.seeds && after % 2 == 1;
  if (sobol) return startup_point(b, x);
  int st = fit(b);
  if (st == HPO_OK && b->nsrc > 0) st = rgpe_weights(b);
  if (st != HPO_OK) return st;
  b->f0 = -HUGE_VAL;
  int inc = 0;
  for (int i = 0; i < b->n; i++)
    if (b->w[i] > b->f0) {
      b->f0 = b->w[i];
      inc = i;
    }
  if (npending > 0) {  // fantasies: the model conditioned on the pending points, same theta
    st = reserve(b, b->n + npending);
    if (st != HPO_OK) return st;
    memcpy(b->X + (size_t)b->n * dim, pending, sizeof(double) * (size_t)npending * dim);
    st = fantasies(b, b->gp, b->X, b->w, b->n, npending);
    b->fitted_n = -2;  // the next ask refits on the real data
    if (st != HPO_OK) return st;
  }
  double side = 1;
  int gone = -1, on = b->nsrc > 0 && b->o.trust > 0 && trust_replay(b, &side, &gone);
  Region region = {on, inc, side};
  b->transfer = 0;
  if (b->nsrc > 0 && b->o.acq != BO_TS) st = transfer_fit(b, npending, &region);
  if (st != HPO_OK) return st;
  // A model-based ask comes before the remaining Sobol points only while the transfer model
  // is on: refining the seeds is worth it when the sources explain the study. When they rank
  // it backwards (scale 0) the study is a cold one that began with a few poor trials: the
  // Sobol points come first and the seeds do not count towards them, as in a cold start.
  // bench/warm, adversarial sources, 40 seeds at 100 trials against cold: Hartmann6 p =
  // 0.03 -> 0.12 (runs in the local basin 13 -> 10 of 40, cold 9), Branin 0.03 -> 0.24
  // (Sobol first with the seeds counted: 0.28 and 0.05). Warm runs, where the scale is 0 at
  // a few early asks: Hartmann6 at 20 trials 0.121 -> 0.128, the rest within noise.
  if (b->nsrc > 0 && b->o.seeds > 0 && b->o.acq != BO_TS && !b->transfer &&
      b->n >= b->o.seeds && (int64_t)qmc_index(b->startup) < b->o.startup)
    return startup_point(b, x);
  double t = (double)b->n;
  b->sqrt_beta = sqrt(b->o.beta > 0 ? b->o.beta
                                    : 2 * log(dim * t * t * M_PI * M_PI / (6 * 0.1)));
  b->view = b->gp;
  if (b->o.acq == BO_TS) return thompson(b, x);
  on = on && b->transfer;
  if (b->transfer && gone >= 0) {
    // At least one point since the collapse: a GP of none cannot be fitted (startup = 0).
    if (b->n - 1 - gone < (b->o.startup > 1 ? b->o.startup : 1)) return startup_point(b, x);
    b->transfer = 0;
    st = restart_fit(b, gone + 1, npending, &inc);
    if (st != HPO_OK) return st;
  }
  search_box(b, inc, on, side);
  return propose(b, inc, npending, x);
}

int bo_source_optimum(Bo *b, double *x) {
  if (b->nsrc == 0) return HPO_EINVAL;
  search_box(b, 0, 0, 1);
  b->mean_only = 1;  // model_predict* and acq_value see the sources' weighted mean
  int st = propose(b, -1, 0, x);
  b->mean_only = 0;
  return st;
}

void bo_get_state(Bo *b, BoState *st, double *theta) {
  memcpy(st->rng, b->rng.s, sizeof st->rng);
  st->sobol_index = qmc_index(b->startup);
  st->restart_n = b->restart_n;
  st->theta_n = b->theta_n;
  st->transfer_theta = b->rvalid;
  int k = gp_ntheta(b->gp);
  memcpy(theta, gp_theta(b->gp), sizeof(double) * (size_t)k);
  if (b->rvalid) memcpy(theta + k, gp_theta(b->rgp), sizeof(double) * (size_t)k);
}

int bo_set_state(Bo *b, const BoState *st, const double *theta) {
  memcpy(b->rng.s, st->rng, sizeof st->rng);
  b->restart_n = st->restart_n;
  b->theta_n = st->theta_n;
  int k = gp_ntheta(b->gp);
  memcpy(gp_theta(b->gp), theta, sizeof(double) * (size_t)k);
  b->rvalid = st->transfer_theta;  // else (an older state) re-optimised at the next ask
  if (b->rvalid) memcpy(gp_theta(b->rgp), theta + k, sizeof(double) * (size_t)k);
  return qmc_seek(b->startup, st->sobol_index);
}
