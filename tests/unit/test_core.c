// Unit tests of src/core: rng, Sobol, grid and the space encoding.
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/grid.h"
#include "core/qmc.h"
#include "core/rng.h"
#include "core/space.h"
#include "core/status.h"

static void test_rng_reproducible(void) {
  Rng a, b, c;
  rng_seed(&a, 42);
  rng_seed(&b, 42);
  rng_seed(&c, 43);
  int same_c = 0;
  for (int i = 0; i < 1000; i++) {
    uint64_t x = rng_next(&a);
    CHECK(x == rng_next(&b));
    same_c += x == rng_next(&c);
  }
  CHECK_INT(same_c, 0);
}

static void test_rng_moments(void) {
  Rng r;
  rng_seed(&r, 7);
  const int n = 200000;
  double sum = 0, sum2 = 0, nsum = 0, nsum2 = 0;
  int hist[10] = {0};
  for (int i = 0; i < n; i++) {
    double u = rng_uniform(&r);
    CHECK(u >= 0 && u < 1);
    sum += u;
    sum2 += u * u;
    double z = rng_normal(&r);
    nsum += z;
    nsum2 += z * z;
    hist[rng_below(&r, 10)]++;
  }
  CHECK_NEAR(sum / n, 0.5, 0.005);
  CHECK_NEAR(sum2 / n - (sum / n) * (sum / n), 1.0 / 12, 0.002);
  CHECK_NEAR(nsum / n, 0.0, 0.01);
  CHECK_NEAR(nsum2 / n, 1.0, 0.02);
  for (int k = 0; k < 10; k++) CHECK_NEAR(hist[k] / (double)n, 0.1, 0.005);
}

// Unscrambled Sobol points against scipy.stats.qmc.Sobol(scramble=False), which uses the
// same Joe-Kuo table: point i, dimensions 1, 2, 3, 11, 21 and 40, times 2^32.
static void test_sobol_reference(void) {
  QmcSobol *q;
  QmcOptions o = qmc_defaults();
  o.scramble = 0;
  CHECK_INT(qmc_new(&q, 40, &o), HPO_OK);
  static const int dims[6] = {0, 1, 2, 10, 20, 39};
  static const struct {
    int i;
    double v[6];
  } ref[] = {
      {1, {2147483648., 2147483648., 2147483648., 2147483648., 2147483648., 2147483648.}},
      {2, {3221225472., 1073741824., 1073741824., 3221225472., 1073741824., 1073741824.}},
      {7, {536870912., 2684354560., 1610612736., 2684354560., 3758096384., 536870912.}},
      {100, {1778384896., 1107296256., 3321888768., 1979711488., 3254779904., 570425344.}},
      {1023, {4194304., 3233808384., 2629828608., 2915041280., 3720347648., 2998927360.}},
  };
  double x[40];
  int next_ref = 0;
  for (int i = 0; i < 1024; i++) {
    CHECK_INT(qmc_next(q, x), HPO_OK);
    if (i == 0)
      for (int j = 0; j < 40; j++) CHECK(x[j] == 0.0);
    if (next_ref < 5 && ref[next_ref].i == i) {
      for (int k = 0; k < 6; k++) CHECK_NEAR(x[dims[k]] * 4294967296.0, ref[next_ref].v[k], 0.5);
      next_ref++;
    }
  }
  CHECK_INT(next_ref, 5);
  qmc_free(q);
}

// A scrambled Sobol prefix of 2^m points is a (t,m,s)-net: in one dimension, each of the
// 2^m equal intervals holds exactly one point. Seek gives the same points as stepping.
static void test_sobol_scrambled(void) {
  enum { D = 21, M = 8, N = 1 << M };
  QmcSobol *q, *p, *other;
  QmcOptions o = qmc_defaults();
  o.seed = 1234;
  CHECK_INT(qmc_new(&q, D, &o), HPO_OK);
  CHECK_INT(qmc_new(&p, D, &o), HPO_OK);
  o.seed = 1235;
  CHECK_INT(qmc_new(&other, D, &o), HPO_OK);
  static double pts[N][D];
  for (int i = 0; i < N; i++) qmc_next(q, pts[i]);
  for (int j = 0; j < D; j++) {
    int count[N] = {0};
    for (int i = 0; i < N; i++) count[(int)(pts[i][j] * N)]++;
    int bad = 0;
    for (int k = 0; k < N; k++) bad += count[k] != 1;
    CHECK_INT(bad, 0);
  }
  double y[D], z[D];
  CHECK_INT(qmc_seek(p, 77), HPO_OK);
  qmc_next(p, y);
  for (int j = 0; j < D; j++) CHECK(y[j] == pts[77][j]);
  CHECK_INT(qmc_index(p), 78);
  qmc_next(other, z);
  CHECK(z[0] != pts[0][0]);
  CHECK(pts[0][0] != 0.0);  // scrambling moves the origin
  qmc_free(other);
  CHECK_INT(qmc_new(&other, qmc_max_dim() + 1, NULL), HPO_EINVAL);
  CHECK(other == NULL);
  qmc_free(q);
  qmc_free(p);
}

static void test_grid(void) {
  uint64_t sizes[3] = {3, 4, 5};
  Grid *g;
  GridOptions o = grid_defaults();
  o.shuffle = 0;
  CHECK_INT(grid_new(&g, 3, sizes, &o), HPO_OK);
  CHECK_INT(grid_total(g), 60);
  uint64_t idx[3];
  grid_point(g, 0, idx);
  CHECK(idx[0] == 0 && idx[1] == 0 && idx[2] == 0);
  grid_point(g, 7, idx);  // 7 = 0*20 + 1*5 + 2
  CHECK(idx[0] == 0 && idx[1] == 1 && idx[2] == 2);
  CHECK_INT(grid_point(g, 60, idx), HPO_ERANGE);
  grid_free(g);
  // Shuffled: a permutation of all 60 points.
  o.shuffle = 1;
  o.seed = 9;
  CHECK_INT(grid_new(&g, 3, sizes, &o), HPO_OK);
  int seen[60] = {0}, in_order = 0;
  for (uint64_t k = 0; k < 60; k++) {
    grid_point(g, k, idx);
    uint64_t flat = idx[0] * 20 + idx[1] * 5 + idx[2];
    seen[flat]++;
    in_order += flat == k;
  }
  for (int k = 0; k < 60; k++) CHECK_INT(seen[k], 1);
  CHECK(in_order < 60);
  grid_free(g);
  uint64_t huge[2] = {(uint64_t)1 << 40, (uint64_t)1 << 40};
  CHECK_INT(grid_new(&g, 2, huge, NULL), HPO_ERANGE);
}

static void test_space_float(void) {
  SpaceDim d = {.kind = DIM_FLOAT, .lo = -5, .hi = 10};
  const char *why;
  CHECK_INT(space_dim_check(&d, &why), HPO_OK);
  CHECK_NEAR(space_decode(&d, 0.0), -5, 1e-12);
  CHECK_NEAR(space_decode(&d, 1.0), 10, 1e-12);
  CHECK_NEAR(space_decode(&d, 0.2), -2, 1e-12);
  CHECK_NEAR(space_encode(&d, 2.5), 0.5, 1e-12);
  CHECK(isnan(space_decode(&d, NAN)));
  SpaceDim lg = {.kind = DIM_FLOAT, .lo = 1e-5, .hi = 1e-1, .log = 1};
  CHECK_NEAR(space_decode(&lg, 0.5), 1e-3, 1e-15);
  CHECK_NEAR(space_encode(&lg, 1e-4), 0.25, 1e-12);
  SpaceDim st = {.kind = DIM_FLOAT, .lo = 0, .hi = 1, .step = 0.25};
  CHECK_NEAR(space_decode(&st, 0.31), 0.25, 1e-12);  // 5 values, 0.2 of [0,1) each
  CHECK_INT(space_cardinality(&st), 5);
}

static void test_space_int(void) {
  SpaceDim d = {.kind = DIM_INT, .lo = 1, .hi = 8, .step = 1};
  // Each of the 8 values gets an equal share of the unit interval.
  int count[9] = {0};
  for (int i = 0; i < 8000; i++) count[(int)space_decode(&d, (i + 0.5) / 8000)]++;
  for (int v = 1; v <= 8; v++) CHECK_INT(count[v], 1000);
  for (int v = 1; v <= 8; v++) CHECK_NEAR(space_decode(&d, space_encode(&d, v)), v, 0);
  SpaceDim lg = {.kind = DIM_INT, .lo = 16, .hi = 512, .step = 1, .log = 1};
  const char *why;
  CHECK_INT(space_dim_check(&lg, &why), HPO_OK);
  for (int v = 16; v <= 512; v += 37) CHECK_NEAR(space_decode(&lg, space_encode(&lg, v)), v, 0);
  CHECK_NEAR(space_decode(&lg, 0.0), 16, 0);
  CHECK_NEAR(space_decode(&lg, 1.0), 512, 0);
  SpaceDim st = {.kind = DIM_INT, .lo = 0, .hi = 100, .step = 10};
  CHECK_INT(space_cardinality(&st), 11);
  CHECK_NEAR(space_decode(&st, 0.5), 50, 0);
}

static void test_space_categorical(void) {
  SpaceDim c = {.kind = DIM_CATEGORICAL, .n = 3};
  CHECK_NEAR(space_from_unit(&c, 0.0), 0, 0);
  CHECK_NEAR(space_from_unit(&c, 0.34), 1, 0);
  CHECK_NEAR(space_from_unit(&c, 0.999), 2, 0);
  CHECK_NEAR(space_decode(&c, 2), 2, 0);
  SpaceDim o = {.kind = DIM_ORDINAL, .n = 4};
  CHECK_NEAR(space_from_unit(&o, 0.6), 0.6, 0);
  CHECK_NEAR(space_decode(&o, 0.6), 2, 0);
  CHECK_NEAR(space_decode(&o, space_encode(&o, 3)), 3, 0);
}

static void test_space_checks(void) {
  const char *why;
  SpaceDim bad[] = {
      {.kind = DIM_FLOAT, .lo = 5, .hi = 1},
      {.kind = DIM_FLOAT, .lo = 0, .hi = 1, .log = 1},
      {.kind = DIM_FLOAT, .lo = 0, .hi = 1, .step = 0.3},
      {.kind = DIM_INT, .lo = 0.5, .hi = 3, .step = 1},
      {.kind = DIM_INT, .lo = 1, .hi = 9, .step = 2, .log = 1},
      {.kind = DIM_CATEGORICAL, .n = 0},
      {.kind = DIM_FLOAT, .lo = 0, .hi = INFINITY},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    CHECK_INT(space_dim_check(&bad[i], &why), HPO_EINVAL);
    CHECK(why != NULL);
  }
  SpaceDim ok = {.kind = DIM_FLOAT, .lo = 0, .hi = 1, .step = 0.25};
  CHECK_INT(space_dim_check(&ok, &why), HPO_OK);
}

static void test_space_grid(void) {
  SpaceDim f = {.kind = DIM_FLOAT, .lo = 1, .hi = 100, .log = 1};
  CHECK_INT(space_grid_size(&f, 3), 3);
  CHECK_NEAR(space_decode(&f, space_grid_point(&f, 3, 1)), 10, 1e-9);
  SpaceDim i = {.kind = DIM_INT, .lo = 1, .hi = 20, .step = 1};
  CHECK_INT(space_grid_size(&i, 5), 20);  // every integer value
  CHECK_NEAR(space_decode(&i, space_grid_point(&i, 5, 19)), 20, 0);
  SpaceDim c = {.kind = DIM_CATEGORICAL, .n = 4};
  CHECK_INT(space_grid_size(&c, 2), 4);
}

int main(void) {
  RUN(test_rng_reproducible);
  RUN(test_rng_moments);
  RUN(test_sobol_reference);
  RUN(test_sobol_scrambled);
  RUN(test_grid);
  RUN(test_space_float);
  RUN(test_space_int);
  RUN(test_space_categorical);
  RUN(test_space_checks);
  RUN(test_space_grid);
  return check_report();
}
