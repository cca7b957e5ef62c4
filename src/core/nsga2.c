#define _GNU_SOURCE  // qsort_r
#include "nsga2.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"
#include "status.h"

struct Nsga2 {
  int dim, nobj;
  SpaceDim *dims;
  Nsga2Options o;
  Rng rng;
  int n, cap;      // finished trials
  double *X, *F, *cv;
  int64_t *number;
  unsigned char *failed;
  int *gen_count;  // finished trials per generation
  int ngen_count;
  int next_gen;    // the generation whose completion forms the next population
  int *pop, npop;  // parents: indices of finished trials
  int *pop_rank;
  double *pop_crowd;
};

Nsga2Options nsga2_defaults(void) {
  return (Nsga2Options){.population = 50, .crossover_prob = 0.9, .sbx_prob = 0.25, .swap_prob = 0.5,
                        .eta_c = 20, .eta_m = 20, .mutation_prob = 0};
}

int nsga2_new(Nsga2 **out, int dim, const SpaceDim *dims, int nobj, const Nsga2Options *opt) {
  *out = NULL;
  Nsga2Options o = opt ? *opt : nsga2_defaults();
  if (dim < 1 || nobj < 1 || o.population < 2) return HPO_EINVAL;
  Nsga2 *e = calloc(1, sizeof *e);
  if (!e) return HPO_ENOMEM;
  e->dim = dim;
  e->nobj = nobj;
  e->o = o;
  rng_seed(&e->rng, o.seed);
  e->dims = malloc(sizeof(SpaceDim) * (size_t)dim);
  e->pop = malloc(sizeof(int) * (size_t)o.population);
  e->pop_rank = malloc(sizeof(int) * (size_t)o.population);
  e->pop_crowd = malloc(sizeof(double) * (size_t)o.population);
  if (!e->dims || !e->pop || !e->pop_rank || !e->pop_crowd) {
    nsga2_free(e);
    return HPO_ENOMEM;
  }
  memcpy(e->dims, dims, sizeof(SpaceDim) * (size_t)dim);
  *out = e;
  return HPO_OK;
}

void nsga2_free(Nsga2 *e) {
  if (!e) return;
  free(e->dims);
  free(e->X);
  free(e->F);
  free(e->cv);
  free(e->number);
  free(e->failed);
  free(e->gen_count);
  free(e->pop);
  free(e->pop_rank);
  free(e->pop_crowd);
  free(e);
}

int nsga2_generation(const Nsga2 *e) { return e->next_gen; }
uint64_t *nsga2_rng_state(Nsga2 *e) { return e->rng.s; }

// ---- ranking ----

// Deb's constrained domination: does a dominate b?
static int cdom(const double *fa, double va, const double *fb, double vb, int m) {
  if (va > 0 || vb > 0) return va < vb;
  int better = 0;
  for (int c = 0; c < m; c++) {
    if (fa[c] > fb[c]) return 0;
    better |= fa[c] < fb[c];
  }
  return better;
}

int nsga2_rank(const double *f, const double *violation, int n, int m, int *rank) {
  if (n <= 0) return HPO_OK;
  // count[i]: how many dominate i; dominated-by lists in one n x n byte matrix.
  int *count = calloc((size_t)n, sizeof(int)), *front = malloc(sizeof(int) * (size_t)n);
  unsigned char *dom = calloc((size_t)n * (size_t)n, 1);
  if (!count || !front || !dom) {
    free(count);
    free(front);
    free(dom);
    return HPO_ENOMEM;
  }
  for (int i = 0; i < n; i++)
    for (int j = i + 1; j < n; j++) {
      double vi = violation ? violation[i] : 0, vj = violation ? violation[j] : 0;
      const double *fi = f + (size_t)i * m, *fj = f + (size_t)j * m;
      if (cdom(fi, vi, fj, vj, m)) {
        dom[(size_t)i * n + j] = 1;
        count[j]++;
      } else if (cdom(fj, vj, fi, vi, m)) {
        dom[(size_t)j * n + i] = 1;
        count[i]++;
      }
    }
  int k = 0;
  for (int i = 0; i < n; i++)
    if (count[i] == 0) {
      rank[i] = 0;
      front[k++] = i;
    }
  // front[] doubles as the queue: each front's members are appended after the previous one.
  for (int head = 0; head < k; head++) {
    int p = front[head];
    for (int q = 0; q < n; q++)
      if (dom[(size_t)p * n + q] && --count[q] == 0) {
        rank[q] = rank[p] + 1;
        front[k++] = q;
      }
  }
  free(count);
  free(front);
  free(dom);
  return HPO_OK;
}

typedef struct {
  const double *f;
  int m;
} LexCtx;

static int cmp_lex(const void *a, const void *b, void *ud) {
  const LexCtx *c = ud;
  const double *x = c->f + (size_t)*(const int *)a * c->m, *y = c->f + (size_t)*(const int *)b * c->m;
  for (int k = 0; k < c->m; k++)
    if (x[k] != y[k]) return x[k] < y[k] ? -1 : 1;
  return 0;
}

int nsga2_front(const double *f, const double *violation, int n, int m, unsigned char *front) {
  memset(front, 0, (size_t)(n > 0 ? n : 0));
  if (n <= 0) return HPO_OK;
  double vmin = HUGE_VAL;
  for (int i = 0; i < n; i++) vmin = fmin(vmin, violation ? fmax(violation[i], 0) : 0);
  if (vmin > 0) {  // nothing feasible: the least violation wins (Deb's rule)
    for (int i = 0; i < n; i++) front[i] = violation[i] == vmin;
    return HPO_OK;
  }
  int *ord = malloc(sizeof(int) * (size_t)n), *fr = malloc(sizeof(int) * (size_t)n);
  if (!ord || !fr) {
    free(ord);
    free(fr);
    return HPO_ENOMEM;
  }
  int k = 0, nf = 0;
  for (int i = 0; i < n; i++)
    if (!violation || violation[i] <= 0) ord[k++] = i;
  // In lexicographic order no point dominates one before it: the front only grows.
  LexCtx c = {f, m};
  qsort_r(ord, (size_t)k, sizeof(int), cmp_lex, &c);
  for (int a = 0; a < k; a++) {
    const double *p = f + (size_t)ord[a] * m;
    int dom = 0;
    for (int b = 0; b < nf && !dom; b++) dom = cdom(f + (size_t)fr[b] * m, 0, p, 0, m);
    if (!dom) {
      fr[nf++] = ord[a];
      front[ord[a]] = 1;
    }
  }
  free(ord);
  free(fr);
  return HPO_OK;
}

typedef struct {
  const double *f;
  const int *idx;
  int m, c;
} SortCtx;

// Positions into idx, by the objective c of the point they name (then by position).
static int cmp_obj(const void *a, const void *b, void *ud) {
  const SortCtx *s = ud;
  int i = *(const int *)a, j = *(const int *)b;
  double x = s->f[(size_t)s->idx[i] * s->m + s->c], y = s->f[(size_t)s->idx[j] * s->m + s->c];
  if (x != y) return x < y ? -1 : 1;
  return (i > j) - (i < j);
}

void nsga2_crowding(const double *f, int m, const int *idx, int k, double *dist) {
  int *ord = k > 2 ? malloc(sizeof(int) * (size_t)k) : NULL;
  for (int i = 0; i < k; i++) dist[i] = ord ? 0 : HUGE_VAL;
  if (!ord) return;
  for (int c = 0; c < m; c++) {
    for (int i = 0; i < k; i++) ord[i] = i;
    SortCtx s = {f, idx, m, c};
    qsort_r(ord, (size_t)k, sizeof(int), cmp_obj, &s);
    double lo = f[(size_t)idx[ord[0]] * m + c], hi = f[(size_t)idx[ord[k - 1]] * m + c];
    dist[ord[0]] = dist[ord[k - 1]] = HUGE_VAL;
    if (hi > lo)
      for (int i = 1; i < k - 1; i++)
        dist[ord[i]] += (f[(size_t)idx[ord[i + 1]] * m + c] - f[(size_t)idx[ord[i - 1]] * m + c]) /
                        (hi - lo);
  }
  free(ord);
}

// ---- selection ----

typedef struct {
  int i, rank;
  double crowd;
  int64_t number;
} Cand;

static int cmp_cand(const void *a, const void *b) {
  const Cand *x = a, *y = b;
  if (x->rank != y->rank) return x->rank < y->rank ? -1 : 1;
  if (x->crowd != y->crowd) return x->crowd > y->crowd ? -1 : 1;
  return (x->number > y->number) - (x->number < y->number);
}

// The next population: the best P of the current parents and generation g's finished trials.
static int select_population(Nsga2 *e, int g) {
  int P = e->o.population, m = e->nobj;
  int64_t lo = (int64_t)g * P, hi = lo + P;
  int nc = e->npop;
  for (int i = 0; i < e->n; i++)
    if (!e->failed[i] && e->number[i] >= lo && e->number[i] < hi) nc++;
  if (nc == 0) return HPO_OK;  // a generation that failed entirely: keep the parents
  int *idx = malloc(sizeof(int) * (size_t)nc), *rank = malloc(sizeof(int) * (size_t)nc);
  int *fidx = malloc(sizeof(int) * (size_t)nc);
  double *f = malloc(sizeof(double) * (size_t)nc * (size_t)(m + 2)), *v = f ? f + (size_t)nc * m : NULL;
  double *dist = v ? v + nc : NULL;
  Cand *c = malloc(sizeof(Cand) * (size_t)nc);
  int st = idx && rank && fidx && f && c ? HPO_OK : HPO_ENOMEM;
  if (st == HPO_OK) {
    int k = 0;
    for (int i = 0; i < e->npop; i++) idx[k++] = e->pop[i];
    for (int i = 0; i < e->n; i++)
      if (!e->failed[i] && e->number[i] >= lo && e->number[i] < hi) idx[k++] = i;
    for (int i = 0; i < nc; i++) {
      memcpy(f + (size_t)i * m, e->F + (size_t)idx[i] * m, sizeof(double) * (size_t)m);
      v[i] = e->cv[idx[i]];
    }
    st = nsga2_rank(f, v, nc, m, rank);
  }
  if (st == HPO_OK) {
    // Crowding within each front.
    int maxr = 0;
    for (int i = 0; i < nc; i++) maxr = rank[i] > maxr ? rank[i] : maxr;
    for (int r = 0; r <= maxr; r++) {
      int k = 0;
      for (int i = 0; i < nc; i++)
        if (rank[i] == r) fidx[k++] = i;
      nsga2_crowding(f, m, fidx, k, dist);
      for (int i = 0; i < k; i++)
        c[fidx[i]] = (Cand){idx[fidx[i]], r, dist[i], e->number[idx[fidx[i]]]};
    }
    qsort(c, (size_t)nc, sizeof(Cand), cmp_cand);
    e->npop = nc < P ? nc : P;
    for (int i = 0; i < e->npop; i++) {
      e->pop[i] = c[i].i;
      e->pop_rank[i] = c[i].rank;
      e->pop_crowd[i] = c[i].crowd;
    }
  }
  free(idx);
  free(rank);
  free(fidx);
  free(f);
  free(c);
  return st;
}

static int reserve(Nsga2 *e, int n) {
  if (n <= e->cap) return HPO_OK;
  int cap = n > 2 * e->cap ? n : 2 * e->cap;
  size_t c = (size_t)cap;
  double *X = realloc(e->X, sizeof(double) * c * (size_t)e->dim);
  if (X) e->X = X;
  double *F = realloc(e->F, sizeof(double) * c * (size_t)e->nobj);
  if (F) e->F = F;
  double *cv = realloc(e->cv, sizeof(double) * c);
  if (cv) e->cv = cv;
  int64_t *num = realloc(e->number, sizeof(int64_t) * c);
  if (num) e->number = num;
  unsigned char *fl = realloc(e->failed, c);
  if (fl) e->failed = fl;
  if (!X || !F || !cv || !num || !fl) return HPO_ENOMEM;
  e->cap = cap;
  return HPO_OK;
}

int nsga2_tell(Nsga2 *e, int64_t number, const double *x, const double *f, double violation) {
  if (number < 0) return HPO_EINVAL;
  int st = reserve(e, e->n + 1);
  if (st != HPO_OK) return st;
  int i = e->n, m = e->nobj;
  memcpy(e->X + (size_t)i * e->dim, x, sizeof(double) * (size_t)e->dim);
  int bad = !f;
  for (int c = 0; !bad && c < m; c++) bad = isnan(f[c]);
  for (int c = 0; c < m; c++) e->F[(size_t)i * m + c] = bad ? HUGE_VAL : f[c];
  e->cv[i] = violation > 0 ? violation : 0;
  e->failed[i] = (unsigned char)bad;
  e->number[i] = number;
  e->n++;
  int64_t g = number / e->o.population;
  if (g >= e->ngen_count) {
    int ng = (int)g + 1 > 2 * e->ngen_count ? (int)g + 1 : 2 * e->ngen_count;
    int *gc = realloc(e->gen_count, sizeof(int) * (size_t)ng);
    if (!gc) return HPO_ENOMEM;
    memset(gc + e->ngen_count, 0, sizeof(int) * (size_t)(ng - e->ngen_count));
    e->gen_count = gc;
    e->ngen_count = ng;
  }
  e->gen_count[g]++;
  while (e->next_gen < e->ngen_count && e->gen_count[e->next_gen] >= e->o.population) {
    st = select_population(e, e->next_gen);
    if (st != HPO_OK) return st;
    e->next_gen++;
  }
  return HPO_OK;
}

// ---- variation ----

// Binary tournament: lower rank, then larger crowding distance, then a coin.
static int tournament(Nsga2 *e) {
  int a = (int)rng_below(&e->rng, (uint64_t)e->npop);
  int b = e->npop > 1 ? (int)rng_below(&e->rng, (uint64_t)e->npop - 1) : a;
  if (e->npop > 1 && b >= a) b++;
  if (e->pop_rank[a] != e->pop_rank[b]) return e->pop_rank[a] < e->pop_rank[b] ? a : b;
  if (e->pop_crowd[a] != e->pop_crowd[b]) return e->pop_crowd[a] > e->pop_crowd[b] ? a : b;
  return rng_uniform(&e->rng) < 0.5 ? a : b;
}

// Simulated binary crossover of two coordinates in [0, 1] (Deb and Agrawal 1995, the bounded
// form); returns one of the two children at random.
static double sbx(Rng *r, double x1, double x2, double eta) {
  if (fabs(x1 - x2) < 1e-14) return x1;
  double y1 = fmin(x1, x2), y2 = fmax(x1, x2), u = rng_uniform(r), e1 = 1 / (eta + 1);
  double beta = 1 + 2 * y1 / (y2 - y1), alpha = 2 - pow(beta, -(eta + 1));
  double bq = u <= 1 / alpha ? pow(u * alpha, e1) : pow(1 / (2 - u * alpha), e1);
  double c1 = 0.5 * (y1 + y2 - bq * (y2 - y1));
  beta = 1 + 2 * (1 - y2) / (y2 - y1);
  alpha = 2 - pow(beta, -(eta + 1));
  bq = u <= 1 / alpha ? pow(u * alpha, e1) : pow(1 / (2 - u * alpha), e1);
  double c2 = 0.5 * (y1 + y2 + bq * (y2 - y1));
  double c = rng_uniform(r) < 0.5 ? c1 : c2;
  return fmin(fmax(c, 0), 1);
}

// Polynomial mutation of a coordinate in [0, 1] (Deb's bounded form).
static double poly_mutate(Rng *r, double x, double eta) {
  double u = rng_uniform(r), p = 1 / (eta + 1), dq;
  if (u < 0.5) {
    double v = 2 * u + (1 - 2 * u) * pow(1 - x, eta + 1);
    dq = pow(v, p) - 1;
  } else {
    double v = 2 * (1 - u) + 2 * (u - 0.5) * pow(x, eta + 1);
    dq = 1 - pow(v, p);
  }
  return fmin(fmax(x + dq, 0), 1);
}

static double random_coord(Nsga2 *e, int j) {
  return space_from_unit(&e->dims[j], rng_uniform(&e->rng));
}

int nsga2_ask(Nsga2 *e, double *x) {
  int d = e->dim;
  if (e->npop == 0) {
    for (int j = 0; j < d; j++) x[j] = space_round(&e->dims[j], random_coord(e, j));
    return HPO_OK;
  }
  const double *p1 = e->X + (size_t)e->pop[tournament(e)] * d;
  const double *p2 = e->X + (size_t)e->pop[tournament(e)] * d;
  int cross = rng_uniform(&e->rng) < e->o.crossover_prob;
  double pm = e->o.mutation_prob > 0 ? e->o.mutation_prob : 1.0 / d;
  for (int j = 0; j < d; j++) {
    int cat = e->dims[j].kind == DIM_CATEGORICAL;
    double a = p1[j], b = p2[j];
    if (isnan(a)) a = b;  // inactive in one parent: the other's value, else a fresh one
    if (isnan(b)) b = a;
    if (isnan(a)) a = b = random_coord(e, j);
    double v = a;
    // Uniform crossover keeps what both parents got right (it kept ZDT2's front spread at
    // 5000 evaluations where pure SBX often collapsed onto f1 = 0); blending a quarter of the
    // numeric coordinates by SBX adds the fine steps that converge closer by 25000
    // (bench/nsga2, README). sbx_prob 0.5 and swap_prob 0 give DEAP's SBX.
    if (cross) {
      if (!cat && rng_uniform(&e->rng) < e->o.sbx_prob)
        v = sbx(&e->rng, a, b, e->o.eta_c);
      else if (rng_uniform(&e->rng) < e->o.swap_prob)
        v = b;
    }
    if (rng_uniform(&e->rng) < pm) v = cat ? random_coord(e, j) : poly_mutate(&e->rng, v, e->o.eta_m);
    x[j] = cat ? v : space_round(&e->dims[j], v);
  }
  return HPO_OK;
}
