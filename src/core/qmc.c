#include "qmc.h"

#include <stdlib.h>

#include "rng.h"
#include "sobol_dirs.h"
#include "status.h"

struct QmcSobol {
  int dim;
  uint64_t index;   // index of the next point
  uint32_t *v;      // direction numbers, dim x QMC_BITS (scrambled when asked)
  uint32_t *x;      // current point as integers, dim
  uint32_t *shift;  // digital shift, dim
};

int qmc_max_dim(void) { return SOBOL_MAX_DIM; }

QmcOptions qmc_defaults(void) { return (QmcOptions){.seed = 0, .scramble = 1}; }

static int degree(uint32_t poly) {
  int s = -1;
  while (poly) {
    poly >>= 1;
    s++;
  }
  return s;
}

// Direction numbers v_k = m_k / 2^k as QMC_BITS-bit integers (Joe-Kuo recurrence).
static void init_directions(uint32_t *v, int j) {
  if (j == 0) {
    for (int k = 0; k < QMC_BITS; k++) v[k] = 1u << (QMC_BITS - 1 - k);
    return;
  }
  uint32_t poly = sobol_poly[j];
  int s = degree(poly);
  uint32_t a = (poly >> 1) & ((1u << (s - 1)) - 1);
  const uint16_t *m = sobol_m + sobol_m_start[j];
  for (int k = 0; k < s && k < QMC_BITS; k++) v[k] = (uint32_t)m[k] << (QMC_BITS - 1 - k);
  for (int k = s; k < QMC_BITS; k++) {
    uint32_t w = v[k - s] ^ (v[k - s] >> s);
    for (int l = 1; l < s; l++)
      if ((a >> (s - 1 - l)) & 1) w ^= v[k - l];
    v[k] = w;
  }
}

static int parity(uint32_t x) { return __builtin_parity(x); }

// Linear matrix scramble: digit b of each direction number becomes the parity of its more
// significant digits selected by a random lower-triangular row with a unit diagonal.
static void scramble(uint32_t *v, Rng *rng) {
  uint32_t rows[QMC_BITS];
  for (int b = 0; b < QMC_BITS; b++) {
    uint32_t diag = 1u << (QMC_BITS - 1 - b);
    uint32_t above = b == 0 ? 0 : ~((diag << 1) - 1);  // bits more significant than diag
    rows[b] = diag | ((uint32_t)rng_next(rng) & above);
  }
  for (int k = 0; k < QMC_BITS; k++) {
    uint32_t w = 0;
    for (int b = 0; b < QMC_BITS; b++)
      if (parity(v[k] & rows[b])) w |= 1u << (QMC_BITS - 1 - b);
    v[k] = w;
  }
}

int qmc_new(QmcSobol **out, int dim, const QmcOptions *opt) {
  *out = NULL;
  if (dim < 1 || dim > SOBOL_MAX_DIM) return HPO_EINVAL;
  QmcOptions o = opt ? *opt : qmc_defaults();
  QmcSobol *q = calloc(1, sizeof *q);
  if (!q) return HPO_ENOMEM;
  q->dim = dim;
  q->v = malloc(sizeof(uint32_t) * (size_t)dim * QMC_BITS);
  q->x = calloc((size_t)dim, sizeof(uint32_t));
  q->shift = calloc((size_t)dim, sizeof(uint32_t));
  if (!q->v || !q->x || !q->shift) {
    qmc_free(q);
    return HPO_ENOMEM;
  }
  Rng rng;
  rng_seed(&rng, o.seed);
  for (int j = 0; j < dim; j++) {
    uint32_t *v = q->v + (size_t)j * QMC_BITS;
    init_directions(v, j);
    if (o.scramble) {
      scramble(v, &rng);
      q->shift[j] = (uint32_t)rng_next(&rng);
    }
  }
  qmc_seek(q, 0);
  *out = q;
  return HPO_OK;
}

void qmc_free(QmcSobol *q) {
  if (!q) return;
  free(q->v);
  free(q->x);
  free(q->shift);
  free(q);
}

int qmc_dim(const QmcSobol *q) { return q->dim; }
uint64_t qmc_index(const QmcSobol *q) { return q->index; }

int qmc_seek(QmcSobol *q, uint64_t index) {
  if (index > ((uint64_t)1 << QMC_BITS)) return HPO_ERANGE;
  uint64_t gray = index ^ (index >> 1);
  for (int j = 0; j < q->dim; j++) {
    const uint32_t *v = q->v + (size_t)j * QMC_BITS;
    uint32_t x = q->shift[j];
    for (int k = 0; k < QMC_BITS; k++)
      if ((gray >> k) & 1) x ^= v[k];
    q->x[j] = x;
  }
  q->index = index;
  return HPO_OK;
}

int qmc_next(QmcSobol *q, double *x) {
  if (q->index >= ((uint64_t)1 << QMC_BITS)) return HPO_ERANGE;
  for (int j = 0; j < q->dim; j++) x[j] = (double)q->x[j] * 0x1.0p-32;
  // Gray-code step (Antonov-Saleev): point i+1 differs from point i by the direction number
  // of the lowest zero bit of i.
  int c = __builtin_ctzll(~q->index);
  q->index++;
  if (c < QMC_BITS)
    for (int j = 0; j < q->dim; j++) q->x[j] ^= q->v[(size_t)j * QMC_BITS + c];
  return HPO_OK;
}
