#include "space.h"

#include <math.h>
#include <stddef.h>

#include "status.h"

int space_dim_check(const SpaceDim *d, const char **why) {
  *why = NULL;
  switch (d->kind) {
    case DIM_FLOAT:
    case DIM_INT:
      if (!isfinite(d->lo) || !isfinite(d->hi))
        *why = "bounds must be finite numbers";
      else if (d->lo >= d->hi)
        *why = "low must be less than high";
      else if (d->log && d->lo <= 0)
        *why = "a log-scale range needs low > 0";
      else if (d->step < 0 || !isfinite(d->step))
        *why = "step must be positive";
      else if (d->kind == DIM_INT && (d->lo != floor(d->lo) || d->hi != floor(d->hi)))
        *why = "int bounds must be integers";
      else if (d->kind == DIM_INT && (d->step < 1 || d->step != floor(d->step)))
        *why = "int step must be a positive integer";
      else if (d->step > 0 && d->log && !(d->kind == DIM_INT && d->step == 1))
        *why = "step cannot be combined with log";
      else if (d->step > 0) {
        double k = (d->hi - d->lo) / d->step;
        if (fabs(k - round(k)) > 1e-9 * fmax(1.0, fabs(k)))
          *why = "step does not divide the range (high - low)";
      }
      break;
    case DIM_ORDINAL:
    case DIM_CATEGORICAL:
      if (d->n < 1) *why = "needs at least one value";
      break;
    default: *why = "unknown kind";
  }
  return *why ? HPO_EINVAL : HPO_OK;
}

// The numeric range that [0, 1] spans, in transformed (log or linear) units. A stepped range
// is widened by half a step on each side so that every value gets an equal share of [0, 1].
static void span(const SpaceDim *d, double *a, double *b) {
  double lo = d->lo, hi = d->hi;
  if (d->step > 0) {
    lo -= 0.5 * d->step;
    hi += 0.5 * d->step;
  } else if (d->kind == DIM_INT) {
    lo -= 0.5;
    hi += 0.5;
  }
  if (d->log) {
    // For a log int lo - 0.5 may be <= 0 only if lo < 0.5, which the check forbids for ints.
    lo = log(lo);
    hi = log(hi);
  }
  *a = lo;
  *b = hi;
}

static double clampd(double x, double lo, double hi) { return x < lo ? lo : x > hi ? hi : x; }

double space_from_unit(const SpaceDim *d, double u) {
  if (d->kind == DIM_CATEGORICAL) {
    double k = floor(u * d->n);
    return clampd(k, 0, d->n - 1);
  }
  return u;
}

double space_decode(const SpaceDim *d, double x) {
  if (isnan(x)) return NAN;
  switch (d->kind) {
    case DIM_CATEGORICAL: return clampd(round(x), 0, d->n - 1);
    case DIM_ORDINAL: return clampd(floor(x * d->n), 0, d->n - 1);
    default: break;
  }
  double a, b;
  span(d, &a, &b);
  double t = a + clampd(x, 0, 1) * (b - a);
  double v = d->log ? exp(t) : t;
  double step = d->kind == DIM_INT && d->step == 0 ? 1 : d->step;
  if (step > 0)
    v = d->lo + round((v - d->lo) / step) * step;
  else if (d->kind == DIM_INT)
    v = round(v);
  return clampd(v, d->lo, d->hi);
}

double space_encode(const SpaceDim *d, double value) {
  if (isnan(value)) return NAN;
  switch (d->kind) {
    case DIM_CATEGORICAL: return value;
    case DIM_ORDINAL: return (value + 0.5) / d->n;
    default: break;
  }
  double a, b;
  span(d, &a, &b);
  double t = d->log ? log(value) : value;
  return clampd((t - a) / (b - a), 0, 1);
}

uint64_t space_cardinality(const SpaceDim *d) {
  switch (d->kind) {
    case DIM_ORDINAL:
    case DIM_CATEGORICAL: return (uint64_t)d->n;
    case DIM_INT: {
      double step = d->step > 0 ? d->step : 1;
      return (uint64_t)llround((d->hi - d->lo) / step) + 1;
    }
    default: return d->step > 0 ? (uint64_t)llround((d->hi - d->lo) / d->step) + 1 : 0;
  }
}

uint64_t space_grid_size(const SpaceDim *d, int n_cont) {
  uint64_t card = space_cardinality(d);
  if (card > 0 && (d->kind != DIM_FLOAT || card <= (uint64_t)n_cont)) return card;
  return n_cont < 1 ? 1 : (uint64_t)n_cont;
}

double space_grid_point(const SpaceDim *d, int n_cont, uint64_t k) {
  uint64_t n = space_grid_size(d, n_cont);
  uint64_t card = space_cardinality(d);
  if (card == n) {
    // Every value: index k, or the k-th step from lo.
    if (d->kind == DIM_ORDINAL || d->kind == DIM_CATEGORICAL) return space_encode(d, (double)k);
    double step = d->step > 0 ? d->step : 1;
    return space_encode(d, fmin(d->lo + (double)k * step, d->hi));
  }
  if (n == 1) return space_encode(d, d->log ? sqrt(d->lo * d->hi) : 0.5 * (d->lo + d->hi));
  double f = (double)k / (double)(n - 1);
  double v = d->log ? exp(log(d->lo) + f * (log(d->hi) - log(d->lo))) : d->lo + f * (d->hi - d->lo);
  return space_encode(d, clampd(v, d->lo, d->hi));
}

double space_round(const SpaceDim *d, double x) {
  return space_cardinality(d) > 0 ? space_encode(d, space_decode(d, x)) : x;
}
