#define _GNU_SOURCE  // qsort_r
#include "hv.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  double x, y;
} P2;

static int cmp_p2(const void *a, const void *b) {
  const P2 *p = a, *q = b;
  if (p->x != q->x) return p->x < q->x ? -1 : 1;
  return (p->y > q->y) - (p->y < q->y);
}

// Points strictly inside the reference box, projected on objectives (i, j).
static int inside2(const double *pts, int n, int m, const double *ref, P2 *out) {
  int k = 0;
  for (int a = 0; a < n; a++) {
    const double *p = pts + (size_t)a * m;
    int in = 1;
    for (int c = 0; c < m; c++) in &= p[c] < ref[c];
    if (in) out[k++] = (P2){p[0], p[1]};
  }
  return k;
}

static double sweep2(P2 *p, int n, double rx, double ry) {
  qsort(p, (size_t)n, sizeof *p, cmp_p2);
  double hv = 0, y = ry;
  for (int i = 0; i < n; i++)
    if (p[i].y < y) {
      hv += (rx - p[i].x) * (y - p[i].y);
      y = p[i].y;
    }
  return hv;
}

double hv_2d(const double *pts, int n, const double *ref) {
  if (n <= 0) return 0;
  P2 *p = malloc(sizeof *p * (size_t)n);
  if (!p) return -1;
  double hv = sweep2(p, inside2(pts, n, 2, ref, p), ref[0], ref[1]);
  free(p);
  return hv;
}

typedef struct {
  double x, y, z;
} P3;

static int cmp_z(const void *a, const void *b) {
  const P3 *p = a, *q = b;
  return (p->z > q->z) - (p->z < q->z);
}

// The two-dimensional front of the 3-D sweep: a treap (randomised balanced tree) of its
// points in x order (y then decreases), so each insertion and each removal costs O(log n)
// expected, and the whole sweep O(n log n) (Beume et al. 2009 use a balanced tree too).
typedef struct {
  double x, y;
  int l, r;
  uint32_t pri;
} TNode;

typedef struct {
  TNode *a;
  int n;
  uint64_t s;  // xorshift state for the priorities (deterministic)
} Treap;

static uint32_t tr_rand(Treap *t) {
  t->s ^= t->s << 13;
  t->s ^= t->s >> 7;
  t->s ^= t->s << 17;
  return (uint32_t)(t->s >> 16);
}

// Split v into nodes with x < key (*l) and the rest (*r).
static void split_x(TNode *a, int v, double key, int *l, int *r) {
  if (v < 0) {
    *l = *r = -1;
  } else if (a[v].x < key) {
    split_x(a, a[v].r, key, &a[v].r, r);
    *l = v;
  } else {
    split_x(a, a[v].l, key, l, &a[v].l);
    *r = v;
  }
}

// Split v into its prefix of nodes with y >= key (*l) and the rest (*r).
static void split_y(TNode *a, int v, double key, int *l, int *r) {
  if (v < 0) {
    *l = *r = -1;
  } else if (a[v].y >= key) {
    split_y(a, a[v].r, key, &a[v].r, r);
    *l = v;
  } else {
    split_y(a, a[v].l, key, l, &a[v].l);
    *r = v;
  }
}

static int merge(TNode *a, int l, int r) {
  if (l < 0) return r;
  if (r < 0) return l;
  if (a[l].pri > a[r].pri) {
    a[l].r = merge(a, a[l].r, r);
    return l;
  }
  a[r].l = merge(a, l, a[r].l);
  return r;
}

static int leftmost(const TNode *a, int v) {
  while (v >= 0 && a[v].l >= 0) v = a[v].l;
  return v;
}

static int rightmost(const TNode *a, int v) {
  while (v >= 0 && a[v].r >= 0) v = a[v].r;
  return v;
}

// In-order walk of the removed part: the area between q.y and the staircase over it.
static void removed_area(const TNode *a, int v, double qy, double *x, double *h, double *add) {
  if (v < 0) return;
  removed_area(a, a[v].l, qy, x, h, add);
  *add += (a[v].x - *x) * (*h - qy);
  *x = a[v].x;
  *h = a[v].y;
  removed_area(a, a[v].r, qy, x, h, add);
}

// Insert (qx, qy) into the front rooted at *root; returns the area it adds within
// [.., rx] x [.., ry] (0 when a point of the front dominates it).
static double tr_insert(Treap *t, int *root, double qx, double qy, double rx, double ry) {
  TNode *a = t->a;
  int L, R;
  split_x(a, *root, qx, &L, &R);
  int first = leftmost(a, R), pred = rightmost(a, L);
  if ((first >= 0 && a[first].x == qx && a[first].y <= qy) || (pred >= 0 && a[pred].y <= qy)) {
    *root = merge(a, L, R);
    return 0;
  }
  int D, keep;
  split_y(a, R, qy, &D, &keep);  // D: points q dominates
  double x = qx, h = pred >= 0 ? a[pred].y : ry, add = 0;
  removed_area(a, D, qy, &x, &h, &add);
  int next = leftmost(a, keep);
  add += ((next >= 0 ? a[next].x : rx) - x) * (h - qy);
  int v = t->n++;
  a[v] = (TNode){qx, qy, -1, -1, tr_rand(t)};
  *root = merge(a, merge(a, L, v), keep);
  return add;
}

double hv_3d(const double *pts, int n, const double *ref) {
  if (n <= 0) return 0;
  P3 *p = malloc(sizeof *p * (size_t)n);
  Treap t = {malloc(sizeof(TNode) * (size_t)n), 0, 0x9E3779B97F4A7C15ull};
  if (!p || !t.a) {
    free(p);
    free(t.a);
    return -1;
  }
  int k = 0;
  for (int a = 0; a < n; a++) {
    const double *q = pts + (size_t)a * 3;
    if (q[0] < ref[0] && q[1] < ref[1] && q[2] < ref[2]) p[k++] = (P3){q[0], q[1], q[2]};
  }
  qsort(p, (size_t)k, sizeof *p, cmp_z);
  double vol = 0, area = 0;
  int root = -1;
  for (int i = 0; i < k; i++) {
    area += tr_insert(&t, &root, p[i].x, p[i].y, ref[0], ref[1]);
    double znext = i + 1 < k ? p[i + 1].z : ref[2];
    vol += area * (znext - p[i].z);
  }
  free(p);
  free(t.a);
  return vol;
}

// ---- WFG ----

static int dominates_weakly(const double *a, const double *b, int m) {
  for (int c = 0; c < m; c++)
    if (a[c] > b[c]) return 0;
  return 1;
}

// Keep the non-dominated points of s (n x m) in place; returns how many remain.
static int nondominated(double *s, int n, int m) {
  int k = 0;
  for (int i = 0; i < n; i++) {
    const double *p = s + (size_t)i * m;
    int dom = 0;
    for (int j = 0; j < n && !dom; j++) {
      if (j == i) continue;
      const double *q = s + (size_t)j * m;
      // q dominates p, or q equals p and comes first (keep one copy)
      if (dominates_weakly(q, p, m) && (memcmp(q, p, sizeof(double) * (size_t)m) != 0 || j < i))
        dom = 1;
    }
    if (!dom) {
      if (k != i) memmove(s + (size_t)k * m, p, sizeof(double) * (size_t)m);
      k++;
    }
  }
  return k;
}

static double wfg_rec(double *s, int n, int m, const double *ref);

static double inclhv(const double *p, int m, const double *ref) {
  double v = 1;
  for (int c = 0; c < m; c++) v *= ref[c] - p[c];
  return v;
}

static double wfg_rec(double *s, int n, int m, const double *ref) {
  if (n == 0) return 0;
  if (n == 1) return inclhv(s, m, ref);
  if (m == 2) {
    P2 *p = malloc(sizeof *p * (size_t)n);
    if (!p) return NAN;
    for (int i = 0; i < n; i++) p[i] = (P2){s[2 * i], s[2 * i + 1]};
    double hv = sweep2(p, n, ref[0], ref[1]);
    free(p);
    return hv;
  }
  double *lim = malloc(sizeof(double) * (size_t)n * (size_t)m);
  if (!lim) return NAN;
  double hv = 0;
  for (int k = 0; k < n; k++) {
    const double *p = s + (size_t)k * m;
    int nl = 0;
    for (int j = k + 1; j < n; j++, nl++)
      for (int c = 0; c < m; c++) {
        double a = p[c], b = s[(size_t)j * m + c];
        lim[(size_t)nl * m + c] = a > b ? a : b;
      }
    nl = nondominated(lim, nl, m);
    hv += inclhv(p, m, ref) - wfg_rec(lim, nl, m, ref);
  }
  free(lim);
  return hv;
}

static int cmp_rows(const void *a, const void *b, void *mp) {
  int m = *(const int *)mp;
  double x = ((const double *)a)[m - 1], y = ((const double *)b)[m - 1];
  return (x < y) - (x > y);  // worst last objective first: the limit sets stay small
}

double hv_wfg(const double *pts, int n, int m, const double *ref) {
  if (n <= 0) return 0;
  double *s = malloc(sizeof(double) * (size_t)n * (size_t)m);
  if (!s) return -1;
  int k = 0;
  for (int i = 0; i < n; i++) {
    const double *p = pts + (size_t)i * m;
    int in = 1;
    for (int c = 0; c < m; c++) in &= p[c] < ref[c];
    if (in) memcpy(s + (size_t)k++ * m, p, sizeof(double) * (size_t)m);
  }
  k = nondominated(s, k, m);
  qsort_r(s, (size_t)k, sizeof(double) * (size_t)m, cmp_rows, &m);
  double hv = wfg_rec(s, k, m, ref);
  free(s);
  return isnan(hv) ? -1 : hv;
}

double hv_compute(const double *pts, int n, int m, const double *ref) {
  if (m == 1) {
    double best = ref[0];
    for (int i = 0; i < n; i++) best = pts[i] < best ? pts[i] : best;
    return ref[0] - best;
  }
  if (m == 2) return hv_2d(pts, n, ref);
  if (m == 3) return hv_3d(pts, n, ref);
  return hv_wfg(pts, n, m, ref);
}
