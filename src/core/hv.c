#define _GNU_SOURCE  // qsort_r
#include "hv.h"

#include <math.h>
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

// Insert q into the staircase f[0..*k) (x ascending, y descending) and return the area it
// adds to the region dominated within [.., rx] x [.., ry].
static double insert2(P2 *f, int *k, P2 q, double rx, double ry) {
  int lo = 0, hi = *k;  // first index with x > q.x
  while (lo < hi) {
    int mid = (lo + hi) / 2;
    if (f[mid].x <= q.x) lo = mid + 1;
    else hi = mid;
  }
  double top = lo > 0 ? f[lo - 1].y : ry;  // the height covered left of q
  if (top <= q.y) return 0;                // dominated (or equal)
  int a = lo, b = lo;                      // [a, b): points q dominates
  while (b < *k && f[b].y >= q.y) b++;
  double add = 0, h = top, x = q.x;
  for (int i = a; i < b; i++) {
    add += (f[i].x - x) * (h - q.y);
    x = f[i].x;
    h = f[i].y;
  }
  add += ((b < *k ? f[b].x : rx) - x) * (h - q.y);
  // Replace f[a..b) by q.
  memmove(f + a + 1, f + b, sizeof *f * (size_t)(*k - b));
  f[a] = q;
  *k += 1 - (b - a);
  return add;
}

double hv_3d(const double *pts, int n, const double *ref) {
  if (n <= 0) return 0;
  P3 *p = malloc(sizeof *p * (size_t)n);
  P2 *f = malloc(sizeof *f * (size_t)n);
  if (!p || !f) {
    free(p);
    free(f);
    return -1;
  }
  int k = 0;
  for (int a = 0; a < n; a++) {
    const double *q = pts + (size_t)a * 3;
    if (q[0] < ref[0] && q[1] < ref[1] && q[2] < ref[2]) p[k++] = (P3){q[0], q[1], q[2]};
  }
  qsort(p, (size_t)k, sizeof *p, cmp_z);
  double vol = 0, area = 0;
  int nf = 0;
  for (int i = 0; i < k; i++) {
    area += insert2(f, &nf, (P2){p[i].x, p[i].y}, ref[0], ref[1]);
    double znext = i + 1 < k ? p[i + 1].z : ref[2];
    vol += area * (znext - p[i].z);
  }
  free(p);
  free(f);
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
