#define _GNU_SOURCE  // qsort_r
#include "fanova.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"
#include "status.h"

FanovaOptions fanova_defaults(void) {
  return (FanovaOptions){.seed = 0, .trees = 64, .max_depth = 64};
}

// A leaf of a tree: its prediction and its box of the unit cube.
typedef struct {
  double v;
  double *lo, *hi;  // d each, in the Forest's box storage
} Leaf;

typedef struct {
  const double *X, *y;
  int n, d, max_depth;
  int *idx, *tmp;  // sample indices of the current tree (bootstrap), scratch
  double *box;     // current node's box: lo[d], hi[d]
  Leaf *leaves;
  double *boxes;   // 2 d per leaf
  int nleaves, cap;
} Tree;

typedef struct {
  const double *X;
  int d, j;
} ColCtx;

static int cmp_col(const void *a, const void *b, void *ud) {
  const ColCtx *c = ud;
  double x = c->X[(size_t)*(const int *)a * c->d + c->j], y = c->X[(size_t)*(const int *)b * c->d + c->j];
  return (x > y) - (x < y);
}

static int add_leaf(Tree *t, double v) {
  if (t->nleaves == t->cap) {
    int cap = t->cap ? 2 * t->cap : 64;
    Leaf *l = realloc(t->leaves, sizeof(Leaf) * (size_t)cap);
    if (!l) return HPO_ENOMEM;
    t->leaves = l;
    double *b = realloc(t->boxes, sizeof(double) * 2 * (size_t)t->d * (size_t)cap);
    if (!b) return HPO_ENOMEM;
    t->boxes = b;
    t->cap = cap;
  }
  memcpy(t->boxes + 2 * (size_t)t->d * t->nleaves, t->box, sizeof(double) * 2 * (size_t)t->d);
  t->leaves[t->nleaves++].v = v;
  return HPO_OK;
}

// Grow the node holding idx[0..m) (depth `depth`): split on the feature and threshold that
// most reduce the squared error, until a node holds one distinct value or point.
static int grow(Tree *t, int *idx, int m, int depth) {
  double sum = 0, sq = 0;
  for (int i = 0; i < m; i++) {
    double v = t->y[idx[i]];
    sum += v;
    sq += v * v;
  }
  double mean = sum / m, sse = sq - sum * mean;
  if (m < 2 || depth >= t->max_depth || sse <= 1e-12 * (fabs(sq) + 1e-300))
    return add_leaf(t, mean);
  int d = t->d, bj = -1;
  double best = sse * (1 - 1e-12), bthr = 0;
  for (int j = 0; j < d; j++) {
    memcpy(t->tmp, idx, sizeof(int) * (size_t)m);
    ColCtx c = {t->X, d, j};
    qsort_r(t->tmp, (size_t)m, sizeof(int), cmp_col, &c);
    double ls = 0, lq = 0;
    for (int k = 1; k < m; k++) {  // left = tmp[0..k)
      double v = t->y[t->tmp[k - 1]];
      ls += v;
      lq += v * v;
      double a = t->X[(size_t)t->tmp[k - 1] * d + j], b = t->X[(size_t)t->tmp[k] * d + j];
      if (!(b > a)) continue;  // no threshold between equal values
      double rs = sum - ls, rq = sq - lq;
      double e = (lq - ls * ls / k) + (rq - rs * rs / (m - k));
      if (e < best) {
        best = e;
        bj = j;
        bthr = 0.5 * (a + b);
      }
    }
  }
  if (bj < 0) return add_leaf(t, mean);
  // Partition idx by the threshold (stable enough: order within a side does not matter).
  int k = 0;
  for (int i = 0; i < m; i++)
    if (t->X[(size_t)idx[i] * d + bj] < bthr) {
      int s = idx[k];
      idx[k++] = idx[i];
      idx[i] = s;
    }
  double *lo = t->box, *hi = t->box + d, save_hi = hi[bj], save_lo = lo[bj];
  hi[bj] = bthr;
  int st = grow(t, idx, k, depth + 1);
  hi[bj] = save_hi;
  if (st != HPO_OK) return st;
  lo[bj] = bthr;
  st = grow(t, idx + k, m - k, depth + 1);
  lo[bj] = save_lo;
  return st;
}

typedef struct {
  double x, c;  // position, change of the marginal there
} Event;

static int cmp_event(const void *a, const void *b) {
  double x = ((const Event *)a)->x, y = ((const Event *)b)->x;
  return (x > y) - (x < y);
}

// Per-tree main effects: V_j / V for each column, or 0 with V = 0 (returns 0 then).
static int tree_effects(const Tree *t, double *share, Event *ev) {
  int d = t->d, L = t->nleaves;
  double mu = 0, V = 0;
  double *vol = malloc(sizeof(double) * (size_t)L);
  if (!vol) return -1;
  for (int l = 0; l < L; l++) {
    const double *lo = t->boxes + 2 * (size_t)d * l, *hi = lo + d;
    double w = 1;
    for (int j = 0; j < d; j++) w *= hi[j] - lo[j];
    vol[l] = w;
    mu += w * t->leaves[l].v;
  }
  for (int l = 0; l < L; l++) V += vol[l] * (t->leaves[l].v - mu) * (t->leaves[l].v - mu);
  if (!(V > 0)) {
    free(vol);
    return 0;
  }
  for (int j = 0; j < d; j++) {
    // a_j(x) = sum over leaves whose interval on j holds x of v vol / width_j: a sweep.
    int ne = 0;
    for (int l = 0; l < L; l++) {
      const double *lo = t->boxes + 2 * (size_t)d * l, *hi = lo + d;
      double width = hi[j] - lo[j];
      if (!(width > 0)) continue;
      double c = t->leaves[l].v * vol[l] / width;
      ev[ne++] = (Event){lo[j], c};
      ev[ne++] = (Event){hi[j], -c};
    }
    qsort(ev, (size_t)ne, sizeof(Event), cmp_event);
    double a = 0, x = 0, vj = 0;
    for (int e = 0; e < ne; e++) {
      if (ev[e].x > x) {
        vj += (ev[e].x - x) * (a - mu) * (a - mu);
        x = ev[e].x;
      }
      a += ev[e].c;
    }
    if (x < 1) vj += (1 - x) * (a - mu) * (a - mu);
    share[j] = vj / V;
  }
  free(vol);
  return 1;
}

int fanova_importance(const double *X, const double *y, int n, int d, const FanovaOptions *o,
                      double *imp) {
  FanovaOptions opt = o ? *o : fanova_defaults();
  for (int j = 0; j < d; j++) imp[j] = 0;
  if (n < 2 || d < 1) return n < 1 || d < 1 ? HPO_EINVAL : HPO_OK;
  Tree t = {.X = X, .y = y, .n = n, .d = d, .max_depth = opt.max_depth};
  t.idx = malloc(sizeof(int) * (size_t)n);
  t.tmp = malloc(sizeof(int) * (size_t)n);
  t.box = malloc(sizeof(double) * 2 * (size_t)d);
  double *share = malloc(sizeof(double) * (size_t)d);
  Event *ev = malloc(sizeof(Event) * 2 * (size_t)n + 2);
  int st = t.idx && t.tmp && t.box && share && ev ? HPO_OK : HPO_ENOMEM;
  Rng r;
  rng_seed(&r, opt.seed);
  for (int k = 0; k < opt.trees && st == HPO_OK; k++) {
    for (int i = 0; i < n; i++) t.idx[i] = (int)rng_below(&r, (uint64_t)n);  // bootstrap
    for (int j = 0; j < d; j++) {
      t.box[j] = 0;
      t.box[d + j] = 1;
    }
    t.nleaves = 0;
    st = grow(&t, t.idx, n, 0);
    if (st != HPO_OK) break;
    Event *e = realloc(ev, sizeof(Event) * 2 * (size_t)t.nleaves + 2);
    if (!e) {
      st = HPO_ENOMEM;
      break;
    }
    ev = e;
    int got = tree_effects(&t, share, ev);
    if (got < 0) st = HPO_ENOMEM;
    if (got > 0) {
      for (int j = 0; j < d; j++) imp[j] += share[j];
    }
  }
  double total = 0;
  for (int j = 0; j < d; j++) total += imp[j];
  for (int j = 0; j < d; j++) imp[j] = total > 0 ? imp[j] / total : 0;
  free(t.idx);
  free(t.tmp);
  free(t.box);
  free(t.leaves);
  free(t.boxes);
  free(share);
  free(ev);
  return st;
}
