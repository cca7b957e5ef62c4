#include "tpe.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"
#include "normal.h"
#include "status.h"
#include "vexp.h"

#define LOG_SQRT_2PI 0.91893853320467274178
#define MAX_GOOD 25  // REFERENCE.md section 1: both gamma rules cap the good set at 25

typedef struct {
  int64_t order;
  int group;
  double step, score;
  int idx;  // row of xs
} Obs;

struct Tpe {
  int dim;
  SpaceDim *dims;
  TpeOptions opt;
  Rng rng;
  int n, cap;
  Obs *obs;     // sorted by rank, best first
  int *by_age;  // rows of xs sorted by order (age), oldest first
  int64_t *age; // order of each row of xs
  int *sorted;  // per dimension j, at sorted + j * cap: rows with a value, by that value
  double *sortval;  // the values themselves, in the same layout (read in order by asks)
  int *nsorted; // per dimension, how many
  struct Mixture *mix;  // the two mixtures of an ask, kept to reuse their buffers
  double *bw;           // bandwidths of an ask (both sets), kept likewise
  size_t bwcap;
  double *src;          // warm start: good points of earlier studies (nsrc x dim)
  int nsrc;
  double *src_w;        // their weights in l(x) before any observation (inside src's block)
  double *xs;   // cap x dim, by arrival
  char err[128];
};

TpeOptions tpe_defaults(void) {
  return (TpeOptions){.seed = 0,
                      .startup = 10,
                      .candidates = 24,
                      .gamma = TPE_GAMMA_OPTUNA,
                      .multivariate = 1,
                      .prior_weight = 1.0,
                      .prior_share = 1,
                      .bandwidth = TPE_BANDWIDTH_GAP};
}

const char *tpe_errmsg(const Tpe *t) { return t->err; }
int tpe_count(const Tpe *t) { return t->n; }
void tpe_get_rng(const Tpe *t, uint64_t state[4]) { memcpy(state, t->rng.s, sizeof t->rng.s); }
void tpe_set_rng(Tpe *t, const uint64_t state[4]) { memcpy(t->rng.s, state, sizeof t->rng.s); }

int tpe_new(Tpe **out, int dim, const SpaceDim *dims, const TpeOptions *opt) {
  *out = NULL;
  if (dim < 1) return HPO_EINVAL;
  TpeOptions o = opt ? *opt : tpe_defaults();
  if (o.candidates < 1 || o.startup < 0 || o.prior_weight <= 0) return HPO_EINVAL;
  Tpe *t = calloc(1, sizeof *t);
  if (!t) return HPO_ENOMEM;
  t->dims = malloc(sizeof(SpaceDim) * (size_t)dim);
  if (!t->dims) {
    free(t);
    return HPO_ENOMEM;
  }
  memcpy(t->dims, dims, sizeof(SpaceDim) * (size_t)dim);
  t->nsorted = calloc((size_t)dim, sizeof(int));
  if (!t->nsorted) {
    free(t->dims);
    free(t);
    return HPO_ENOMEM;
  }
  t->dim = dim;
  t->opt = o;
  rng_seed(&t->rng, o.seed);
  *out = t;
  return HPO_OK;
}

static void mixtures_free(struct Mixture *mix);

void tpe_free(Tpe *t) {
  if (!t) return;
  free(t->dims);
  free(t->obs);
  free(t->by_age);
  free(t->age);
  free(t->sorted);
  free(t->sortval);
  free(t->nsorted);
  mixtures_free(t->mix);
  free(t->bw);
  free(t->src);
  free(t->xs);
  free(t);
}

// ---- normal distribution helpers ----

double tpe_log_ndtr_diff(double a, double b) {
  if (a >= b) return -INFINITY;
  if (a > 0) {  // both in the right tail: use the symmetry Phi(b) - Phi(a) = Phi(-a) - Phi(-b)
    double t = a;
    a = -b;
    b = -t;
  }
  if (b <= 0) {
    double lb = normal_log_cdf(b);
    return lb + normal_log1mexp(normal_log_cdf(a) - lb);
  }
  // a <= 0 < b: one minus the two tails; a tail beyond 8.5 sigma (< 1e-17) is skipped, which
  // spares the erfc calls of most kernels far from the bounds.
  double tails = (a > -8.5 ? 0.5 * erfc(-a / M_SQRT2) : 0) + (b < 8.5 ? 0.5 * erfc(b / M_SQRT2) : 0);
  if (tails < 1e-5) return -tails - 0.5 * tails * tails;  // log1p's series; error < 4e-16 t
  return log1p(-tails);
}

// Inverse of the standard normal CDF (Wichura, AS 241, PPND16), accurate to about 1e-16.
static double ndtri(double p) {
  double q = p - 0.5, r, x;
  if (fabs(q) <= 0.425) {
    r = 0.180625 - q * q;
    return q *
           (((((((2509.0809287301226727 * r + 33430.575583588128105) * r +
                 67265.770927008700853) * r + 45921.953931549871457) * r +
               13731.693765509461125) * r + 1971.5909503065514427) * r +
             133.14166789178437745) * r + 3.387132872796366608) /
           (((((((5226.495278852545925 * r + 28729.085735721942674) * r +
                 39307.89580009271061) * r + 21213.794301586595867) * r +
               5394.1960214247511077) * r + 687.1870074920579083) * r +
             42.313330701600911252) * r + 1.0);
  }
  r = q < 0 ? p : 1 - p;
  r = sqrt(-log(r));
  if (r <= 5) {
    r -= 1.6;
    x = (((((((7.7454501427834140764e-4 * r + 0.0227238449892691845833) * r +
              0.24178072517745061177) * r + 1.27045825245236838258) * r +
            3.64784832476320460504) * r + 5.7694972214606914055) * r +
          4.6303378461565452959) * r + 1.42343711074968357734) /
        (((((((1.05075007164441684324e-9 * r + 5.475938084995344946e-4) * r +
              0.0151986665636164571966) * r + 0.14810397642748007459) * r +
            0.68976733498510000455) * r + 1.6763848301838038494) * r +
          2.05319162663775882187) * r + 1.0);
  } else {
    r -= 5;
    x = (((((((2.01033439929228813265e-7 * r + 2.71155556874348757815e-5) * r +
              0.0012426609473880784386) * r + 0.026532189526576123093) * r +
            0.29656057182850489123) * r + 1.7848265399172913358) * r +
          5.4637849111641143699) * r + 6.6579046435011037772) /
        (((((((2.04426310338993978564e-15 * r + 1.4215117583164458887e-7) * r +
              1.8463183175100546818e-5) * r + 7.868691311456132591e-4) * r +
            0.0148753612908506148525) * r + 0.13692988092273580531) * r +
          0.59983220655588793769) * r + 1.0);
  }
  return q < 0 ? -x : x;
}

static double clampd(double x, double lo, double hi) { return x < lo ? lo : x > hi ? hi : x; }

// A draw from N(mu, sig) truncated to [0, 1].
static double sample_truncnorm(Rng *rng, double mu, double sig) {
  double a = (0 - mu) / sig, b = (1 - mu) / sig;
  double log_mass = tpe_log_ndtr_diff(a, b);
  if (log_mass > log(0.3)) {  // enough mass: plain rejection is cheap and exact
    for (int i = 0; i < 64; i++) {
      double x = mu + sig * rng_normal(rng);
      if (x >= 0 && x <= 1) return x;
    }
  }
  // Inverse CDF, in the tail where it is accurate (flip so that [a, b] is on the left).
  int flip = a > 0;
  if (flip) {
    double t = a;
    a = -b;
    b = -t;
  }
  double la = normal_log_cdf(a), lb = normal_log_cdf(b);
  double u = rng_uniform(rng);
  // log Phi(z) = log(Phi(a) + u (Phi(b) - Phi(a)))
  double lp = lb + log(exp(la - lb) + u * (1 - exp(la - lb)));
  double z = ndtri(exp(lp));
  if (!isfinite(z)) z = a;
  if (flip) z = -z;
  return clampd(mu + sig * z, 0, 1);
}

// ---- observations ----

static int rank_before(const Obs *a, const Obs *b) {
  if (a->group != b->group) return a->group < b->group;
  if (a->step != b->step) return a->step > b->step;
  if (a->score != b->score) return a->score < b->score;
  return a->order < b->order;
}

int tpe_tell(Tpe *t, const double *x, int group, double step, double score, int64_t order) {
  if (isnan(score)) return HPO_EINVAL;
  if (t->n == t->cap) {
    int cap = t->cap ? 2 * t->cap : 64;
    Obs *obs = realloc(t->obs, sizeof(Obs) * (size_t)cap);
    if (!obs) return HPO_ENOMEM;
    t->obs = obs;
    double *xs = realloc(t->xs, sizeof(double) * (size_t)cap * (size_t)t->dim);
    if (!xs) return HPO_ENOMEM;
    t->xs = xs;
    int *by_age = realloc(t->by_age, sizeof(int) * (size_t)cap);
    if (!by_age) return HPO_ENOMEM;
    t->by_age = by_age;
    int64_t *age = realloc(t->age, sizeof(int64_t) * (size_t)cap);
    if (!age) return HPO_ENOMEM;
    t->age = age;
    int *sorted = malloc(sizeof(int) * (size_t)cap * (size_t)t->dim);
    double *sortval = malloc(sizeof(double) * (size_t)cap * (size_t)t->dim);
    if (!sorted || !sortval) {
      free(sorted);
      free(sortval);
      return HPO_ENOMEM;
    }
    for (int j = 0; j < t->dim; j++)
      if (t->nsorted[j] > 0) {
        memcpy(sorted + (size_t)j * cap, t->sorted + (size_t)j * t->cap,
               sizeof(int) * (size_t)t->nsorted[j]);
        memcpy(sortval + (size_t)j * cap, t->sortval + (size_t)j * t->cap,
               sizeof(double) * (size_t)t->nsorted[j]);
      }
    free(t->sorted);
    free(t->sortval);
    t->sorted = sorted;
    t->sortval = sortval;
    t->cap = cap;
  }
  Obs o = {.order = order, .group = group, .step = step, .score = score, .idx = t->n};
  memcpy(t->xs + (size_t)o.idx * (size_t)t->dim, x, sizeof(double) * (size_t)t->dim);
  // Binary search for the insertion point, then shift: O(log n) compares, O(n) moves.
  int lo = 0, hi = t->n;
  while (lo < hi) {
    int mid = (lo + hi) / 2;
    if (rank_before(&t->obs[mid], &o)) lo = mid + 1;
    else hi = mid;
  }
  memmove(t->obs + lo + 1, t->obs + lo, sizeof(Obs) * (size_t)(t->n - lo));
  t->obs[lo] = o;
  // The age order, usually an append (trials finish roughly in the order they started).
  int a = t->n;
  t->age[o.idx] = order;
  while (a > 0 && t->age[t->by_age[a - 1]] > order) a--;
  memmove(t->by_age + a + 1, t->by_age + a, sizeof(int) * (size_t)(t->n - a));
  t->by_age[a] = o.idx;
  // Each dimension's values in order, for the neighbour-gap bandwidths (O(n) per dimension,
  // instead of a sort per ask).
  for (int j = 0; j < t->dim; j++) {
    if (isnan(x[j]) || t->dims[j].kind == DIM_CATEGORICAL) continue;
    int *sj = t->sorted + (size_t)j * t->cap, ns = t->nsorted[j];
    double *vj = t->sortval + (size_t)j * t->cap;
    int l = 0, h = ns;
    while (l < h) {
      int mid = (l + h) / 2;
      if (vj[mid] <= x[j]) l = mid + 1;
      else h = mid;
    }
    memmove(sj + l + 1, sj + l, sizeof(int) * (size_t)(ns - l));
    memmove(vj + l + 1, vj + l, sizeof(double) * (size_t)(ns - l));
    sj[l] = o.idx;
    vj[l] = x[j];
    t->nsorted[j] = ns + 1;
  }
  t->n++;
  return HPO_OK;
}

// ---- Parzen mixtures ----

// One side (good or bad) of the split: m members plus the prior, as structure-of-arrays per
// dimension so that scoring a candidate against every component is a tight loop.
typedef struct Mixture {
  int m;        // members; component m is the prior
  int capk;     // components the buffers hold
  size_t capcat;
  double *logw; // m + 1 log weights (normalised)
  double *w;    // m + 1 weights, cumulative, for sampling
  double *mu, *isig, *sig, *cst;  // dim x (m + 1), numeric dimensions
  double *lw1;  // dim x (m + 1): log weights over the components active in that dimension
                // alone (-inf for the others); built for univariate models only
  double *logp;                   // categorical: per dimension, (m + 1) x n rows of log p
  size_t *cat_off;                // offset of each categorical dimension's rows in logp
} Mixture;

// Grow a mixture's buffers to hold k components (ncat categorical probabilities); they are
// kept from one ask to the next, so a study does not pay page faults for fresh memory.
static int mixture_reserve(Mixture *mx, int d, int k, size_t ncat) {
  if (k > mx->capk) {
    double **arrays[7] = {&mx->logw, &mx->w, &mx->mu, &mx->isig, &mx->sig, &mx->cst, &mx->lw1};
    for (int a = 0; a < 7; a++) {
      size_t len = a < 2 ? (size_t)k : (size_t)d * (size_t)k;
      double *p = realloc(*arrays[a], sizeof(double) * len);
      if (!p) return HPO_ENOMEM;
      *arrays[a] = p;
    }
    size_t *off = realloc(mx->cat_off, sizeof(size_t) * (size_t)d);
    if (!off) return HPO_ENOMEM;
    mx->cat_off = off;
    mx->capk = k;
  }
  if (ncat > mx->capcat || !mx->logp) {
    double *p = realloc(mx->logp, sizeof(double) * (ncat ? ncat : 1));
    if (!p) return HPO_ENOMEM;
    mx->logp = p;
    mx->capcat = ncat;
  }
  return HPO_OK;
}

static void mixture_free(Mixture *mx) {
  free(mx->logw);
  free(mx->w);
  free(mx->mu);
  free(mx->isig);
  free(mx->sig);
  free(mx->cst);
  free(mx->lw1);
  free(mx->logp);
  free(mx->cat_off);
  memset(mx, 0, sizeof *mx);
}

static void mixtures_free(struct Mixture *mix) {
  if (!mix) return;
  mixture_free(&mix[0]);
  mixture_free(&mix[1]);
  free(mix);
}

// Weight of the member of age rank r (0 = oldest) in a set of m (REFERENCE.md section 1): 1
// each below 25 members, else a ramp from 1/m to 1 over the oldest m - 25 and 1 for the
// newest 25.
static double age_weight(int r, int m) {
  int ramp = m - 25;
  if (m < 25 || r >= ramp) return 1;
  return ramp == 1 ? 1.0 / m : 1.0 / m + (1 - 1.0 / m) * r / (ramp - 1);
}


// Neighbour-gap bandwidths of one numeric dimension of one set (REFERENCE.md section 1, with
// Optuna's details): among the set's values and the prior's mean 0.5, each value's larger
// gap to its neighbours, the bounds 0 and 1 being the outer neighbours, except that the
// smallest and largest value take their inner gap; then the "magic clip" to
// [1/min(100, n+2), 1]. vals/own: the set's values in order with their member index (-1 for
// the prior's mean); sig gets one bandwidth per member.
static void gap_bandwidths(const double *vals, const int *own, int len, int na, double *sig) {
  double lo = 1.0 / fmin(100.0, na + 2.0);
  for (int p = 0; p < len; p++) {
    if (own[p] < 0) continue;
    double left = p > 0 ? vals[p] - vals[p - 1] : vals[p];
    double right = p + 1 < len ? vals[p + 1] - vals[p] : 1 - vals[p];
    double g = len >= 2 && p == 0 ? right : len >= 2 && p == len - 1 ? left : fmax(left, right);
    sig[own[p]] = clampd(g, lo, 1);
  }
}

// Scott-like bandwidth 0.2 n^(-1/(d+4)) for every member (Optuna's multivariate rule), with
// the same clip.
static void scott_bandwidths(const Tpe *t, int na, int m, double *sig) {
  double s = clampd(0.2 * pow(fmax(na, 1), -1.0 / (t->dim + 4)), 1.0 / fmin(100.0, na + 2.0), 1);
  for (int i = 0; i < m; i++) sig[i] = s;
}

// prior: the weight of the prior component, next to the members' weights.
// sigmas: the members' bandwidths per numeric dimension (dim x m), or NULL for Scott's.
static int mixture_build(const Tpe *t, Mixture *mx, const double *const *rows,
                         const double *weight, int m, double prior, const double *sigmas) {
  int d = t->dim, k = m + 1;
  size_t ncat = 0;
  for (int j = 0; j < d; j++)
    if (t->dims[j].kind == DIM_CATEGORICAL) ncat += (size_t)k * (size_t)t->dims[j].n;
  mx->m = m;
  double *vals = malloc(sizeof(double) * (size_t)(2 * k));
  if (!vals || mixture_reserve(mx, d, k, ncat) != HPO_OK) {
    free(vals);
    return HPO_ENOMEM;
  }
  // Weights: by age, plus the prior's, normalised.
  for (int i = 0; i < m; i++) mx->w[i] = weight[i];
  mx->w[m] = prior;
  double total = 0;
  for (int i = 0; i < k; i++) total += mx->w[i];
  double cum = 0;
  for (int j = 0; j < d && !t->opt.multivariate; j++) {
    // A dimension's own model uses only the trials where it was active (and the prior).
    double *lw = mx->lw1 + (size_t)j * k, active = 0;
    for (int i = 0; i < k; i++) active += i == m || !isnan(rows[i][j]) ? mx->w[i] : 0;
    for (int i = 0; i < k; i++)
      lw[i] = i == m || !isnan(rows[i][j]) ? log(mx->w[i] / active) : (double)-INFINITY;
  }
  for (int i = 0; i < k; i++) {
    mx->logw[i] = log(mx->w[i] / total);
    cum += mx->w[i] / total;
    mx->w[i] = cum;
  }
  size_t off = 0;
  for (int j = 0; j < d; j++) {
    const SpaceDim *sd = &t->dims[j];
    double *mu = mx->mu + (size_t)j * k, *sig = mx->sig + (size_t)j * k;
    double *isig = mx->isig + (size_t)j * k, *cst = mx->cst + (size_t)j * k;
    if (sd->kind == DIM_CATEGORICAL) {
      // Each member: prior_weight/(m+1) on every category, plus 1 on its own; the prior row is
      // uniform; an inactive member counts as the prior.
      int c = sd->n;
      mx->cat_off[j] = off;
      double a = t->opt.prior_weight / (m + 1);
      for (int i = 0; i < k; i++) {
        double *row = mx->logp + off + (size_t)i * c;
        double v = i < m ? rows[i][j] : (double)NAN;
        if (isnan(v)) {
          for (int q = 0; q < c; q++) row[q] = -log((double)c);
        } else {
          int obs = (int)clampd(round(v), 0, c - 1);
          double z = log(c * a + 1);
          for (int q = 0; q < c; q++) row[q] = log(a + (q == obs)) - z;
        }
      }
      off += (size_t)k * c;
      continue;
    }
    int na = 0;
    for (int i = 0; i < m; i++) {
      vals[i] = rows[i][j];
      na += !isnan(vals[i]);
    }
    if (sigmas) memcpy(sig, sigmas + (size_t)j * m, sizeof(double) * (size_t)m);
    else scott_bandwidths(t, na, m, sig);
    for (int i = 0; i < k; i++) {
      double v = i < m ? vals[i] : (double)NAN;
      if (isnan(v)) {  // the prior, or a member where this dimension was inactive
        mu[i] = 0.5;
        sig[i] = 1;
      } else {
        mu[i] = clampd(v, 0, 1);
      }
      isig[i] = 1 / sig[i];
    }
    // Vectorised: with the truncation to [0, 1], these constants are much of an ask's cost.
    vkernel_const(mu, isig, k, cst);
  }
  free(vals);
  return HPO_OK;
}

// Number of bins of a binned (discrete) numeric dimension, 0 for a continuous one.
static int bins_of(const SpaceDim *sd) {
  if (sd->kind == DIM_ORDINAL) return sd->n;
  if (sd->kind == DIM_INT || (sd->kind == DIM_FLOAT && sd->step > 0))
    return (int)space_cardinality(sd);
  return 0;
}

// Log density (continuous) or log bin mass (binned) of value x under component i of dim j.
static double log_kernel(const Tpe *t, const Mixture *mx, int j, int i, double x) {
  const SpaceDim *sd = &t->dims[j];
  size_t k = (size_t)mx->m + 1;
  if (sd->kind == DIM_CATEGORICAL) {
    int c = (int)clampd(round(x), 0, sd->n - 1);
    return mx->logp[mx->cat_off[j] + (size_t)i * sd->n + c];
  }
  double mu = mx->mu[j * k + i], isig = mx->isig[j * k + i], cst = mx->cst[j * k + i];
  int nb = bins_of(sd);
  if (nb > 0 && mx->sig[j * k + i] * nb < 2) {
    // A kernel narrow next to its bins: the exact mass of x's bin.
    int b = (int)clampd(floor(x * nb), 0, nb - 1);
    double lo = (double)b / nb, hi = (double)(b + 1) / nb;
    return tpe_log_ndtr_diff((lo - mu) * isig, (hi - mu) * isig) + cst + log(mx->sig[j * k + i]) +
           LOG_SQRT_2PI;
  }
  double z = (x - mu) * isig;
  double lk = cst - 0.5 * z * z;
  if (nb > 0) {
    // A wide kernel: the bin's mass by the midpoint rule with its second-order correction,
    // w phi(z)/sig (1 + (w/sig)^2 (z^2 - 1)/24); relative error below 1e-4 for w <= sig/2.
    double h = isig / nb;
    lk += log1p(h * h * (z * z - 1) / 24) - log((double)nb);
  }
  return lk;
}

static int pick_component(const Mixture *mx, Rng *rng) {
  double u = rng_uniform(rng);
  int lo = 0, hi = mx->m;
  while (lo < hi) {
    int mid = (lo + hi) / 2;
    if (mx->w[mid] < u) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

// Draw dimension j from component i; binned values snap to their bin's centre.
static double sample_dim(Tpe *t, const Mixture *mx, int j, int i) {
  const SpaceDim *sd = &t->dims[j];
  size_t k = (size_t)mx->m + 1;
  if (sd->kind == DIM_CATEGORICAL) {
    const double *row = mx->logp + mx->cat_off[j] + (size_t)i * sd->n;
    double u = rng_uniform(&t->rng), cum = 0;
    for (int q = 0; q < sd->n; q++) {
      cum += exp(row[q]);
      if (u < cum) return q;
    }
    return sd->n - 1;
  }
  double x = sample_truncnorm(&t->rng, mx->mu[j * k + i], mx->sig[j * k + i]);
  int nb = bins_of(sd);
  if (nb > 0) x = (clampd(floor(x * nb), 0, nb - 1) + 0.5) / nb;
  return x;
}

// Whether x equals one of the n points of rows (coordinates within 1e-9: encodings of the
// same discrete value may differ in the last bits). A row's NaN (an inactive coordinate)
// matches anything: with every other coordinate equal, the same one is inactive in x too.
static int in_rows(const double *x, const double *rows, int n, int d) {
  for (int r = 0; r < n; r++) {
    const double *p = rows + (size_t)r * d;
    int same = 1;
    for (int j = 0; j < d && same; j++) same = isnan(p[j]) || fabs(p[j] - x[j]) <= 1e-9;
    if (same) return 1;
  }
  return 0;
}

// How new x is: 3 a new point, 2 an evaluated one that is not running, 1 a running one.
static int novelty(const Tpe *t, const double *x, const double *running, int nrunning) {
  return in_rows(x, running, nrunning, t->dim) ? 1 : in_rows(x, t->xs, t->n, t->dim) ? 2 : 3;
}

static double logsumexp(const double *v, int n) {
  double mx = -INFINITY;
  for (int i = 0; i < n; i++)
    if (v[i] > mx) mx = v[i];
  if (!isfinite(mx)) return mx;
  // A thousand terms below e^-40 move the sum by < 1e-14: vexp_sum skips them.
  return mx + log(vexp_sum(v, n, mx));
}

// log p(x) of the whole point (multivariate) or of dimension only_dim (>= 0). Built for AVX2
// too, chosen at run time where the processor has it (the hot loop then runs 4 lanes wide).
__attribute__((target_clones("avx2", "default"))) static double log_density(const Tpe *t, const Mixture *mx, const double *x, int only_dim,
                          double *acc) {
  int k = mx->m + 1;
  const double *lw = only_dim >= 0 ? mx->lw1 + (size_t)only_dim * k : mx->logw;
  for (int i = 0; i < k; i++) acc[i] = lw[i];
  for (int j = 0; j < t->dim; j++) {
    if (only_dim >= 0 && j != only_dim) continue;
    const SpaceDim *sd = &t->dims[j];
    if (sd->kind != DIM_CATEGORICAL && bins_of(sd) == 0) {
      // The hot loop: continuous kernels, structure of arrays.
      const double *mu = mx->mu + (size_t)j * k, *isig = mx->isig + (size_t)j * k;
      const double *cst = mx->cst + (size_t)j * k;
      double xj = x[j];
      for (int i = 0; i < k; i++) {
        double z = (xj - mu[i]) * isig[i];
        acc[i] += cst[i] - 0.5 * z * z;
      }
    } else {
      for (int i = 0; i < k; i++) acc[i] += log_kernel(t, mx, j, i, x[j]);
    }
  }
  return logsumexp(acc, k);
}

static int gamma_n(const Tpe *t, int n) {
  double g = t->opt.gamma == TPE_GAMMA_HYPEROPT ? ceil(0.25 * sqrt((double)n)) : ceil(0.1 * n);
  return (int)fmin(g, MAX_GOOD);
}

static void sample_prior(Tpe *t, double *x) {
  for (int j = 0; j < t->dim; j++) {
    const SpaceDim *sd = &t->dims[j];
    double u = rng_uniform(&t->rng);
    if (sd->kind == DIM_CATEGORICAL) {
      x[j] = space_from_unit(sd, u);
    } else {
      int nb = bins_of(sd);
      x[j] = nb > 0 ? (floor(u * nb) + 0.5) / nb : u;
    }
  }
}

// The good and bad mixtures of the current observations (running ones join the bad set).
typedef struct {
  Mixture *good, *bad;  // the engine's two (reused) mixtures
  double *acc;  // scratch for log-sum-exp over components
} Split;

static void split_free(Split *sp) {
  sp->good = sp->bad = NULL;
  free(sp->acc);
  sp->acc = NULL;
}

// Neighbour-gap bandwidths of both sets, dimension by dimension, from the sorted index: one
// merge walk per set (the set's observations in value order, its running trials, and the
// prior's mean) instead of a sort. pos maps a row of xs to its rank (0 = best); members of
// the good set are ranks 0..ng-1, of the bad set ng..n-1 then the running trials.
static int split_gaps(const Tpe *t, const int *pos, int ng, const double *running, int nrunning,
                      double *sig_good, double *sig_bad) {
  int d = t->dim, n = t->n, nb = n - ng + nrunning, ms = t->nsrc, mg = ng + ms;
  double *vals = malloc(sizeof(double) * (size_t)(n + nrunning + ms + 1));
  int *own = malloc(sizeof(int) * (size_t)(n + nrunning + ms + 1));
  double *rv = malloc(sizeof(double) * (size_t)(nrunning + 1));
  int *ro = calloc((size_t)(nrunning + 1), sizeof(int));
  if (!vals || !own || !rv || !ro) {
    free(vals);
    free(own);
    free(rv);
    free(ro);
    return HPO_ENOMEM;
  }
  for (int i = 0; i < d * mg; i++) sig_good[i] = 1;
  for (int i = 0; i < d * nb; i++) sig_bad[i] = 1;
  for (int j = 0; j < d; j++) {
    if (t->dims[j].kind == DIM_CATEGORICAL) continue;
    const int *sj = t->sorted + (size_t)j * t->cap;
    const double *vj = t->sortval + (size_t)j * t->cap;
    int ns = t->nsorted[j];
    // Running trials' values of this dimension, in order (few: insertion sort).
    int nr = 0;
    for (int r = 0; r < nrunning; r++) {
      double v = running[(size_t)r * d + j];
      if (isnan(v)) continue;
      int q = nr++;
      while (q > 0 && rv[q - 1] > v) {
        rv[q] = rv[q - 1];
        ro[q] = ro[q - 1];
        q--;
      }
      rv[q] = v;
      ro[q] = n - ng + r;  // its member index in the bad set
    }
    // The good set (at most 25, and warm-start points): its values and the prior's mean, by
    // insertion sort.
    int len = 0, na = 0;
    for (int i = 0; i <= mg; i++) {
      double v = i < ng   ? t->xs[(size_t)t->obs[i].idx * d + j]
                 : i < mg ? t->src[(size_t)(i - ng) * d + j]
                          : 0.5;
      if (isnan(v)) continue;
      int q = len++;
      while (q > 0 && vals[q - 1] > v) {
        vals[q] = vals[q - 1];
        own[q] = own[q - 1];
        q--;
      }
      vals[q] = v;
      own[q] = i < mg ? i : -1;
      na += i < mg;
    }
    gap_bandwidths(vals, own, len, na, sig_good + (size_t)j * mg);
    // The bad set: a walk of the sorted index, merged with the running values and the
    // prior's mean.
    len = na = 0;
    int prior = 0, a = 0, b = 0;
    while (a < ns || b < nr || !prior) {
      double va = a < ns ? vj[a] : (double)INFINITY;
      double vb = b < nr ? rv[b] : (double)INFINITY;
      if (!prior && 0.5 <= fmin(va, vb)) {
        vals[len] = 0.5;
        own[len++] = -1;
        prior = 1;
      } else if (va <= vb) {
        int p = pos[sj[a++]];
        if (p >= ng) {
          vals[len] = va;
          own[len++] = p - ng;
          na++;
        }
      } else {
        vals[len] = vb;
        own[len++] = ro[b++];
        na++;
      }
    }
    gap_bandwidths(vals, own, len, na, sig_bad + (size_t)j * nb);
  }
  free(vals);
  free(own);
  free(rv);
  free(ro);
  return HPO_OK;
}

static int split_build(Tpe *t, const double *running, int nrunning, int n_good, Split *sp) {
  int d = t->dim, n = t->n;
  memset(sp, 0, sizeof *sp);
  if (!t->mix) {
    t->mix = calloc(2, sizeof(Mixture));
    if (!t->mix) return HPO_ENOMEM;
  }
  sp->good = &t->mix[0];
  sp->bad = &t->mix[1];
  int ng = n_good >= 0 ? n_good : gamma_n(t, n);  // running trials do not count, as in Optuna
  if (ng < 1) ng = 1;
  if (ng > n) ng = n;
  int nb = n - ng + nrunning, ms = t->nsrc, mg = ng + ms;
  // Rows: the good observations, the warm-start points (members of l), then the bad set.
  const double **rows = malloc(sizeof(double *) * (size_t)(n + nrunning + ms));
  double *weight = malloc(sizeof(double) * (size_t)(n + nrunning + ms));
  int *rank = malloc(sizeof(int) * (size_t)(n + 1));  // age rank within its set, by row
  double *sig_good = NULL, *sig_bad = NULL;
  sp->acc = malloc(sizeof(double) * (size_t)(n + nrunning + ms + 1));
  int status = rows && weight && rank && sp->acc ? HPO_OK : HPO_ENOMEM;
  if (status == HPO_OK) {
    // Ages: one walk over the rows in age order counts each set's members separately.
    for (int i = 0; i < n; i++) rank[t->obs[i].idx] = i < ng ? -1 : 0;  // -1 marks good
    int rg = 0, rb = 0;
    for (int a = 0; a < n; a++) {
      int idx = t->by_age[a];
      rank[idx] = rank[idx] < 0 ? rg++ : rb++;
    }
    for (int i = 0; i < n; i++) {
      int row = i < ng ? i : i + ms;
      rows[row] = t->xs + (size_t)t->obs[i].idx * (size_t)d;
      weight[row] = age_weight(rank[t->obs[i].idx], i < ng ? ng : nb);
    }
    // Warm start: earlier studies' good points join l, fading as this study's data grows.
    // Together they weigh as much as two good observations at the start, however many there
    // are: the seed trials already bring the sources' best into the study's own good set,
    // and the prior adds their spread. With weight 1 each (30 points from three sources)
    // they outweighed the study's good set 15 to 1 at 10 trials and kept warm TPE on
    // Branin at the best seed's regret until trial 20 (0.082; now 0.01, bench/warm).
    for (int k = 0; k < ms; k++) {
      rows[ng + k] = t->src + (size_t)k * d;
      weight[ng + k] = t->src_w[k] * 2.0 / ms * 10.0 / (10.0 + n);
    }
    // Constant liar: running trials are the newest members of the bad set.
    for (int r = 0; r < nrunning; r++) {
      rows[n + ms + r] = running + (size_t)r * (size_t)d;
      weight[n + ms + r] = age_weight(rb + r, nb);
    }
    // The prior's weight: prior_weight in l; in g either the same (the textbook rule, which
    // makes an unexplored region (nb+1)/(ng+1) times likelier under l than under g late in
    // a study) or, with prior_share, whatever gives it the same share of g as of l.
    double wg = 0, wb = 0;
    for (int i = 0; i < n + nrunning + ms; i++) *(i < mg ? &wg : &wb) += weight[i];
    double pg = t->opt.prior_weight;
    double pb = t->opt.prior_share && wg > 0 ? pg * wb / wg : pg;
    if (!t->opt.multivariate || t->opt.bandwidth == TPE_BANDWIDTH_GAP) {
      size_t need = (size_t)d * (size_t)(mg + nb) + 1;
      if (need > t->bwcap) {
        double *bw = realloc(t->bw, sizeof(double) * need);
        if (bw) {
          t->bw = bw;
          t->bwcap = need;
        }
      }
      if (t->bwcap >= need) {
        sig_good = t->bw;
        sig_bad = t->bw + (size_t)d * mg;
      }
      for (int i = 0; i < n; i++) rank[t->obs[i].idx] = i;  // now: row -> rank
      status = sig_good && sig_bad ? split_gaps(t, rank, ng, running, nrunning, sig_good, sig_bad)
                                   : HPO_ENOMEM;
    }
    if (status == HPO_OK) status = mixture_build(t, sp->good, rows, weight, mg, pg, sig_good);
    if (status == HPO_OK)
      status = mixture_build(t, sp->bad, rows + mg, weight + mg, nb, pb, sig_bad);
  }
  free(rows);
  free(weight);
  free(rank);
  if (status != HPO_OK) split_free(sp);
  return status;
}

// log l(x) - log g(x): of the whole point (multivariate) or of dimension j (univariate).
static double split_score(const Tpe *t, Split *sp, const double *x, int j, double *ll,
                          double *lg) {
  *ll = log_density(t, sp->good, x, j, sp->acc);
  *lg = log_density(t, sp->bad, x, j, sp->acc);
  return *ll - *lg;
}

int tpe_score(Tpe *t, const double *x, double *log_l, double *log_g) {
  if (t->n == 0) return HPO_ERANGE;
  Split sp;
  int status = split_build(t, NULL, 0, -1, &sp);
  if (status != HPO_OK) return status;
  *log_l = *log_g = 0;
  if (t->opt.multivariate) {
    split_score(t, &sp, x, -1, log_l, log_g);
  } else {
    for (int j = 0; j < t->dim; j++) {  // independent dimensions: a product of densities
      double ll, lg;
      split_score(t, &sp, x, j, &ll, &lg);
      *log_l += ll;
      *log_g += lg;
    }
  }
  split_free(&sp);
  return HPO_OK;
}

// A component of l(x) active in dimension j (the prior always is).
static int active_component(const Mixture *mx, int j, Rng *rng) {
  int i = pick_component(mx, rng);
  for (int tries = 0; tries < 64 && isinf(mx->lw1[(size_t)j * (mx->m + 1) + i]); tries++)
    i = pick_component(mx, rng);
  return isinf(mx->lw1[(size_t)j * (mx->m + 1) + i]) ? mx->m : i;
}

// The best-scoring of nc candidates into x, by novelty (*have: the novelty x holds); x
// changes only for a newer point.
static void pick_new(const Tpe *t, const double *cand, double *score, int nc,
                     const double *running, int nrunning, double *x, int *have) {
  int d = t->dim;
  for (int k = 0; k < nc && *have < 3; k++) {
    int c = -1;
    for (int q = 0; q < nc; q++)
      if (!isnan(score[q]) && (c < 0 || score[q] > score[c])) c = q;
    if (c < 0) return;
    const double *xc = cand + (size_t)c * d;
    int level = novelty(t, xc, running, nrunning);
    if (level > *have) {
      *have = level;
      memcpy(x, xc, sizeof(double) * (size_t)d);
    }
    score[c] = NAN;
  }
}

int tpe_ask(Tpe *t, const double *running, int nrunning, int n_good, double *x) {
  int d = t->dim;
  if (t->n < t->opt.startup || t->n == 0) {
    sample_prior(t, x);
    return HPO_OK;
  }
  int nc = t->opt.candidates;
  double *cand = malloc(sizeof(double) * (size_t)nc * (size_t)(d + 1));
  if (!cand) return HPO_ENOMEM;
  Split sp;
  int status = split_build(t, running, nrunning, n_good, &sp);
  if (status != HPO_OK) {
    free(cand);
    return status;
  }
  double ll, lg, *score = cand + (size_t)nc * d;
  // A candidate equal to an evaluated or running point is passed over while another is to be
  // had (up to three more rounds of draws): on a discrete space l(x) can peak on one point,
  // and TPE kept proposing it (bench/warm, svm-wine: the sources' best nine times in a row,
  // where its neighbour was the optimum); parallel workers should not evaluate one point twice.
  int have = 0;
  if (!t->opt.multivariate) {
    // Independently per dimension, the best of nc draws each; cand is a probe vector whose
    // only read coordinate is j.
    for (int j = 0; j < d; j++) {
      double best = -INFINITY;
      for (int c = 0; c < nc; c++) {
        cand[j] = sample_dim(t, sp.good, j, active_component(sp.good, j, &t->rng));
        double sc = split_score(t, &sp, cand, j, &ll, &lg);
        if (c == 0 || sc > best) {
          best = sc;
          x[j] = cand[j];
        }
      }
    }
    have = novelty(t, x, running, nrunning) == 3 ? 3 : 0;
  }
  // Joint draws (multivariate: each from one component of l(x); else each coordinate from
  // its own), scored by log l - log g, the best new one kept (checked best first).
  for (int round = 0; round < 4 && have < 3; round++) {
    for (int c = 0; c < nc; c++) {
      double *xc = cand + (size_t)c * d;
      if (t->opt.multivariate) {
        int i = pick_component(sp.good, &t->rng);
        for (int j = 0; j < d; j++) xc[j] = sample_dim(t, sp.good, j, i);
        score[c] = split_score(t, &sp, xc, -1, &ll, &lg);
      } else {
        score[c] = 0;
        for (int j = 0; j < d; j++) {
          xc[j] = sample_dim(t, sp.good, j, active_component(sp.good, j, &t->rng));
          score[c] += split_score(t, &sp, xc, j, &ll, &lg);
        }
      }
    }
    pick_new(t, cand, score, nc, running, nrunning, x, &have);
  }
  if (!have) memcpy(x, cand, sizeof(double) * (size_t)d);  // no finite score at all
  split_free(&sp);
  free(cand);
  return HPO_OK;
}

int tpe_set_warm_start(Tpe *t, const double *x, const double *w, int m) {
  free(t->src);
  t->src = NULL;
  t->nsrc = 0;
  if (m <= 0) return HPO_OK;
  for (int k = 0; k < m; k++)
    if (w && !(w[k] >= 0)) return HPO_EINVAL;
  size_t d = (size_t)t->dim;
  t->src = malloc(sizeof(double) * (size_t)m * (d + 1));
  if (!t->src) return HPO_ENOMEM;
  t->src_w = t->src + (size_t)m * d;
  // Points of weight 0 (a source that no longer ranks this study's trials well) drop out.
  int ms = 0;
  for (int k = 0; k < m; k++) {
    if (w && w[k] == 0) continue;
    memcpy(t->src + (size_t)ms * d, x + (size_t)k * d, sizeof(double) * d);
    t->src_w[ms++] = w ? w[k] : 1.0;
  }
  t->nsrc = ms;
  return HPO_OK;
}
