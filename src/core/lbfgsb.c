#include "lbfgsb.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "status.h"

LbfgsOptions lbfgsb_defaults(void) {
  return (LbfgsOptions){.m = 10, .max_iter = 200, .pgtol = 1e-5, .ftol = 1e-10};
}

static double lo_of(const double *lo, int i) { return lo ? lo[i] : -HUGE_VAL; }
static double hi_of(const double *hi, int i) { return hi ? hi[i] : HUGE_VAL; }

static void project(int n, double *x, const double *lo, const double *hi) {
  for (int i = 0; i < n; i++) x[i] = fmin(fmax(x[i], lo_of(lo, i)), hi_of(hi, i));
}

static double dot(int n, const double *a, const double *b) {
  double s = 0;
  for (int i = 0; i < n; i++) s += a[i] * b[i];
  return s;
}

int lbfgsb_minimize(int n, double *x, const double *lo, const double *hi, LbfgsFn f, void *ud,
                    const LbfgsOptions *opt, double *fx, int *evals) {
  LbfgsOptions o = opt ? *opt : lbfgsb_defaults();
  if (n < 1 || o.m < 1) return HPO_EINVAL;
  int m = o.m;
  // g, d, xn, gn, free mask, alpha, then m pairs s and y, and rho.
  double *w = malloc(sizeof(double) * ((size_t)n * (5 + 2 * (size_t)m) + 2 * (size_t)m));
  if (!w) return HPO_ENOMEM;
  double *g = w, *d = g + n, *xn = d + n, *gn = xn + n, *fr = gn + n;
  double *S = fr + n, *Y = S + (size_t)m * n, *rho = Y + (size_t)m * n, *al = rho + m;
  int k = 0, head = 0, ne = 0;  // stored pairs, next slot, evaluations
  project(n, x, lo, hi);
  double f0 = f(x, g, ud);
  ne++;
  if (!isfinite(f0)) {
    free(w);
    if (evals) *evals = ne;
    return HPO_EINVAL;
  }
  for (int it = 0; it < o.max_iter; it++) {
    double pg = 0;
    for (int i = 0; i < n; i++) {
      double t = fmin(fmax(x[i] - g[i], lo_of(lo, i)), hi_of(hi, i)) - x[i];
      pg = fmax(pg, fabs(t));
      // Held: at a bound with the gradient pointing out of the box.
      fr[i] = !((x[i] <= lo_of(lo, i) && g[i] > 0) || (x[i] >= hi_of(hi, i) && g[i] < 0));
    }
    if (pg < o.pgtol) break;
    // Two-loop recursion on the free variables.
    for (int i = 0; i < n; i++) d[i] = fr[i] ? -g[i] : 0;
    for (int j = 0; j < k; j++) {
      int s = (head - 1 - j + m) % m;
      double a = 0;
      for (int i = 0; i < n; i++) a += fr[i] ? S[(size_t)s * n + i] * d[i] : 0;
      al[s] = rho[s] * a;
      for (int i = 0; i < n; i++) d[i] -= fr[i] ? al[s] * Y[(size_t)s * n + i] : 0;
    }
    if (k > 0) {
      int s = (head - 1 + m) % m;
      double yy = dot(n, Y + (size_t)s * n, Y + (size_t)s * n);
      double gam = 1.0 / (rho[s] * yy);
      for (int i = 0; i < n; i++) d[i] *= gam;
    }
    for (int j = k - 1; j >= 0; j--) {
      int s = (head - 1 - j + m) % m;
      double b = 0;
      for (int i = 0; i < n; i++) b += fr[i] ? Y[(size_t)s * n + i] * d[i] : 0;
      b *= rho[s];
      for (int i = 0; i < n; i++) d[i] += fr[i] ? (al[s] - b) * S[(size_t)s * n + i] : 0;
    }
    double gd = dot(n, g, d);
    if (!(gd < 0)) {  // not a descent direction: forget the curvature, go down the gradient
      k = 0;
      for (int i = 0; i < n; i++) d[i] = fr[i] ? -g[i] : 0;
      gd = dot(n, g, d);
      if (!(gd < 0)) break;
    }
    double t = 1.0;
    if (k == 0) t = fmin(1.0, 1.0 / sqrt(-gd));
    double f1 = NAN;
    int ok = 0;
    for (int ls = 0; ls < 30; ls++) {
      for (int i = 0; i < n; i++) xn[i] = x[i] + t * d[i];
      project(n, xn, lo, hi);
      double dec = 0;
      for (int i = 0; i < n; i++) dec += g[i] * (xn[i] - x[i]);
      f1 = f(xn, gn, ud);
      ne++;
      if (isfinite(f1) && f1 <= f0 + 1e-4 * dec) {
        ok = 1;
        break;
      }
      t *= 0.5;
    }
    if (!ok) {
      if (k == 0) break;
      k = 0;  // retry from steepest descent
      continue;
    }
    double *sn = S + (size_t)head * n, *yn = Y + (size_t)head * n;
    for (int i = 0; i < n; i++) {
      sn[i] = xn[i] - x[i];
      yn[i] = gn[i] - g[i];
    }
    double sy = dot(n, sn, yn);
    if (sy > 1e-12 * dot(n, yn, yn)) {
      rho[head] = 1.0 / sy;
      head = (head + 1) % m;
      if (k < m) k++;
    }
    double df = f0 - f1;
    memcpy(x, xn, sizeof(double) * (size_t)n);
    memcpy(g, gn, sizeof(double) * (size_t)n);
    f0 = f1;
    if (df <= o.ftol * fmax(fmax(fabs(f0), fabs(f1)), 1.0)) break;
  }
  *fx = f0;
  if (evals) *evals = ne;
  free(w);
  return HPO_OK;
}
