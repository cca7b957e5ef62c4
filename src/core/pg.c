#include "pg.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"
#include "status.h"

typedef struct {
  int kind;    // 0 softmax over n actions, 1 Gaussian on logit(x)
  int n;       // actions (softmax)
  int binned;  // 1 if the actions are bins of [0, 1] (else categorical indices)
  int off;     // first parameter in theta
} PgDim;

struct PgPolicy {
  int dim, np;
  PgDim *d;
  PgOptions opt;
  Rng rng;
  double *theta, *m, *v, *grad, *gtmp;
  double adam_t, baseline, scale, nbase;  // nbase: batches seen by the baseline
  double *bx, *br;  // the pending batch: points and rewards
  int nb;
};

PgOptions pg_defaults(void) {
  return (PgOptions){.seed = 0, .lr = 0.05, .baseline_decay = 0.9, .entropy = 0.01,
                     .batch = 8, .gaussian = 0, .bins = 10};
}

int pg_new(PgPolicy **out, int dim, const SpaceDim *dims, const PgOptions *opt) {
  *out = NULL;
  PgOptions o = opt ? *opt : pg_defaults();
  if (dim < 1 || o.batch < 1 || o.bins < 2 || !(o.lr > 0)) return HPO_EINVAL;
  PgPolicy *p = calloc(1, sizeof *p);
  if (!p) return HPO_ENOMEM;
  p->dim = dim;
  p->opt = o;
  p->d = calloc((size_t)dim, sizeof(PgDim));
  if (!p->d) {
    free(p);
    return HPO_ENOMEM;
  }
  int np = 0;
  for (int j = 0; j < dim; j++) {
    PgDim *d = &p->d[j];
    const SpaceDim *sd = &dims[j];
    d->off = np;
    if (sd->kind == DIM_CATEGORICAL) {
      d->n = sd->n;
    } else {
      uint64_t card = space_cardinality(sd);
      if (card == 0 && o.gaussian) {
        d->kind = 1;
        np += 2;  // mean and log standard deviation of logit(x)
        continue;
      }
      d->binned = 1;
      d->n = card > 0 && card <= (uint64_t)o.bins ? (int)card : o.bins;
    }
    np += d->n;
  }
  p->np = np;
  double **arrays[5] = {&p->theta, &p->m, &p->v, &p->grad, &p->gtmp};
  for (int a = 0; a < 5; a++) *arrays[a] = calloc((size_t)np, sizeof(double));
  // The batch buffers are in the state (pg_get_state) before they fill: zeroed.
  p->bx = calloc((size_t)o.batch * (size_t)dim, sizeof(double));
  p->br = calloc((size_t)o.batch, sizeof(double));
  if (!p->theta || !p->m || !p->v || !p->grad || !p->gtmp || !p->bx || !p->br) {
    pg_free(p);
    return HPO_ENOMEM;
  }
  // Gaussian dimensions start at logit 0 (the centre) with sd 1 on the logit.
  rng_seed(&p->rng, o.seed);
  *out = p;
  return HPO_OK;
}

void pg_free(PgPolicy *p) {
  if (!p) return;
  free(p->d);
  free(p->theta);
  free(p->m);
  free(p->v);
  free(p->grad);
  free(p->gtmp);
  free(p->bx);
  free(p->br);
  free(p);
}

int pg_nparams(const PgPolicy *p) { return p->np; }
double *pg_params(PgPolicy *p) { return p->theta; }
int pg_actions(const PgPolicy *p, int j) { return p->d[j].kind ? 0 : p->d[j].n; }

// Softmax of n logits into out (stable).
static void softmax(const double *t, int n, double *out) {
  double mx = t[0], s = 0;
  for (int i = 1; i < n; i++) mx = fmax(mx, t[i]);
  for (int i = 0; i < n; i++) s += out[i] = exp(t[i] - mx);
  for (int i = 0; i < n; i++) out[i] /= s;
}

double pg_prob(const PgPolicy *p, int j, int a) {
  const PgDim *d = &p->d[j];
  if (d->kind || a < 0 || a >= d->n) return 0;
  double *pr = malloc(sizeof(double) * (size_t)d->n);
  if (!pr) return NAN;
  softmax(p->theta + d->off, d->n, pr);
  double v = pr[a];
  free(pr);
  return v;
}

static double sigmoid(double z) { return 1 / (1 + exp(-z)); }

void pg_gaussian(const PgPolicy *p, int j, double *mean, double *sd) {
  const PgDim *d = &p->d[j];
  *mean = sigmoid(p->theta[d->off]);
  *sd = exp(p->theta[d->off + 1]);
}

int pg_sample(PgPolicy *p, double *x) {
  double pr[1024];
  for (int j = 0; j < p->dim; j++) {
    const PgDim *d = &p->d[j];
    const double *t = p->theta + d->off;
    if (d->kind) {
      x[j] = sigmoid(t[0] + exp(t[1]) * rng_normal(&p->rng));
      continue;
    }
    double *probs = d->n <= 1024 ? pr : malloc(sizeof(double) * (size_t)d->n);
    if (!probs) return HPO_ENOMEM;
    softmax(t, d->n, probs);
    double u = rng_uniform(&p->rng), cum = 0;
    int a = d->n - 1;
    for (int i = 0; i < d->n; i++) {
      cum += probs[i];
      if (u < cum) {
        a = i;
        break;
      }
    }
    if (probs != pr) free(probs);
    x[j] = d->binned ? (a + 0.5) / d->n : a;
  }
  return HPO_OK;
}

// The action of dimension j in point x (-1 if inactive), or for a Gaussian its logit.
static int action(const PgDim *d, double x) {
  if (isnan(x)) return -1;
  if (!d->binned) return (int)fmin(fmax(round(x), 0), d->n - 1);
  return (int)fmin(fmax(floor(x * d->n), 0), d->n - 1);
}

// log pi(x), adding its gradient into grad (if not NULL).
static double logprob(const PgPolicy *p, const double *x, double *grad) {
  double lp = 0, pr[1024];
  for (int j = 0; j < p->dim; j++) {
    const PgDim *d = &p->d[j];
    const double *t = p->theta + d->off;
    if (isnan(x[j])) continue;  // inactive: contributes nothing
    if (d->kind) {
      // z = logit(x) ~ N(mu, sd): d/dmu = (z - mu)/sd^2, d/dlog sd = (z - mu)^2/sd^2 - 1.
      double xc = fmin(fmax(x[j], 1e-12), 1 - 1e-12);
      double z = log(xc / (1 - xc)), sd = exp(t[1]), r = (z - t[0]) / sd;
      lp += -0.5 * r * r - t[1] - 0.91893853320467274178;
      if (grad) {
        grad[d->off] += r / sd;
        grad[d->off + 1] += r * r - 1;
      }
      continue;
    }
    double *probs = d->n <= 1024 ? pr : malloc(sizeof(double) * (size_t)d->n);
    if (!probs) return NAN;
    softmax(t, d->n, probs);
    int a = action(d, x[j]);
    lp += log(probs[a]);
    if (grad)  // d log softmax(a) / d theta = onehot(a) - p
      for (int i = 0; i < d->n; i++) grad[d->off + i] += (i == a) - probs[i];
    if (probs != pr) free(probs);
  }
  return lp;
}

double pg_logprob(const PgPolicy *p, const double *x, double *grad) {
  if (grad) memset(grad, 0, sizeof(double) * (size_t)p->np);
  return logprob(p, x, grad);
}

// Add the entropy bonus's gradient, weight w: softmax dH/dtheta_i = -p_i (log p_i + H);
// Gaussian dH/dlog sd = 1.
static void entropy_grad(const PgPolicy *p, double w, double *g) {
  double pr[1024];
  for (int j = 0; j < p->dim; j++) {
    const PgDim *d = &p->d[j];
    if (d->kind) {
      g[d->off + 1] += w;
      continue;
    }
    double *probs = d->n <= 1024 ? pr : malloc(sizeof(double) * (size_t)d->n);
    if (!probs) return;
    softmax(p->theta + d->off, d->n, probs);
    double h = 0;
    for (int i = 0; i < d->n; i++) h -= probs[i] > 0 ? probs[i] * log(probs[i]) : 0;
    for (int i = 0; i < d->n; i++)
      g[d->off + i] += w * -probs[i] * ((probs[i] > 0 ? log(probs[i]) : 0) + h);
    if (probs != pr) free(probs);
  }
}

// REINFORCE over the pending batch, then one Adam ascent step.
static void update(PgPolicy *p) {
  int n = p->nb, np = p->np;
  double mean = 0, var = 0;
  for (int k = 0; k < n; k++) mean += p->br[k] / n;
  for (int k = 0; k < n; k++) var += (p->br[k] - mean) * (p->br[k] - mean) / n;
  // Baseline and scale: moving averages of the batches' mean and spread.
  double a = p->opt.baseline_decay;
  if (p->nbase == 0) {
    p->baseline = mean;
    p->scale = sqrt(var);
  } else {
    p->baseline = a * p->baseline + (1 - a) * mean;
    p->scale = a * p->scale + (1 - a) * sqrt(var);
  }
  p->nbase++;
  double scale = p->scale > 1e-12 ? p->scale : 1;
  double sd = sqrt(var) > 1e-12 ? sqrt(var) : 1;
  memset(p->grad, 0, sizeof(double) * (size_t)np);
  for (int k = 0; k < n; k++) {
    double adv;
    if (p->opt.normalize == 1) {
      adv = (p->br[k] - mean) / sd;
    } else if (p->opt.normalize == 2) {  // centred rank in [-0.5, 0.5] (ties share)
      double below = 0;
      for (int q = 0; q < n; q++) below += p->br[q] < p->br[k] ? 1 : p->br[q] == p->br[k] ? 0.5 : 0;
      adv = n > 1 ? (below - 0.5) / (n - 1) - 0.5 : 0;
    } else {
      adv = (p->br[k] - p->baseline) / scale;
    }
    memset(p->gtmp, 0, sizeof(double) * (size_t)np);
    logprob(p, p->bx + (size_t)k * p->dim, p->gtmp);
    for (int i = 0; i < np; i++) p->grad[i] += adv * p->gtmp[i] / n;
  }
  entropy_grad(p, p->opt.entropy, p->grad);
  // Adam (ascent): m = b1 m + (1-b1) g, v = b2 v + (1-b2) g^2, with bias correction.
  const double b1 = 0.9, b2 = 0.999, eps = 1e-8;
  p->adam_t++;
  for (int i = 0; i < np; i++) {
    double g = p->grad[i];
    p->m[i] = b1 * p->m[i] + (1 - b1) * g;
    p->v[i] = b2 * p->v[i] + (1 - b2) * g * g;
    double mh = p->m[i] / (1 - pow(b1, p->adam_t)), vh = p->v[i] / (1 - pow(b2, p->adam_t));
    p->theta[i] += p->opt.lr * mh / (sqrt(vh) + eps);
  }
  p->nb = 0;
}

int pg_tell(PgPolicy *p, const double *x, double reward) {
  if (!isfinite(reward)) return HPO_EINVAL;
  memcpy(p->bx + (size_t)p->nb * p->dim, x, sizeof(double) * (size_t)p->dim);
  p->br[p->nb++] = reward;
  if (p->nb < p->opt.batch) return 0;
  update(p);
  return 1;
}

// State: np, dim, batch, adam_t, baseline, scale, nbase, nb, rng (8 halves), theta, m, v,
// the pending batch's points and rewards.
#define PG_SCALARS 16

int pg_state_size(const PgPolicy *p) {
  return PG_SCALARS + 3 * p->np + p->opt.batch * (p->dim + 1);
}

void pg_get_state(const PgPolicy *p, double *s) {
  double sc[PG_SCALARS] = {p->np, p->dim, p->opt.batch, p->adam_t, p->baseline, p->scale,
                           p->nbase, p->nb};
  for (int i = 0; i < 4; i++) {
    sc[8 + 2 * i] = (double)(p->rng.s[i] >> 32);
    sc[9 + 2 * i] = (double)(p->rng.s[i] & 0xffffffffu);
  }
  memcpy(s, sc, sizeof sc);
  double *q = s + PG_SCALARS;
  memcpy(q, p->theta, sizeof(double) * (size_t)p->np);
  memcpy(q + p->np, p->m, sizeof(double) * (size_t)p->np);
  memcpy(q + 2 * p->np, p->v, sizeof(double) * (size_t)p->np);
  q += 3 * p->np;
  memcpy(q, p->bx, sizeof(double) * (size_t)p->opt.batch * p->dim);
  memcpy(q + p->opt.batch * p->dim, p->br, sizeof(double) * (size_t)p->opt.batch);
}

int pg_set_state(PgPolicy *p, const double *s, int size) {
  if (size != pg_state_size(p) || (int)s[0] != p->np || (int)s[1] != p->dim ||
      (int)s[2] != p->opt.batch)
    return HPO_EINVAL;
  p->adam_t = s[3];
  p->baseline = s[4];
  p->scale = s[5];
  p->nbase = s[6];
  p->nb = (int)s[7];
  for (int i = 0; i < 4; i++)
    p->rng.s[i] = ((uint64_t)s[8 + 2 * i] << 32) | (uint64_t)s[9 + 2 * i];
  const double *q = s + PG_SCALARS;
  memcpy(p->theta, q, sizeof(double) * (size_t)p->np);
  memcpy(p->m, q + p->np, sizeof(double) * (size_t)p->np);
  memcpy(p->v, q + 2 * p->np, sizeof(double) * (size_t)p->np);
  q += 3 * p->np;
  memcpy(p->bx, q, sizeof(double) * (size_t)p->opt.batch * p->dim);
  memcpy(p->br, q + p->opt.batch * p->dim, sizeof(double) * (size_t)p->opt.batch);
  return HPO_OK;
}
