#include "grid.h"

#include <stdlib.h>

#include "rng.h"
#include "status.h"

struct Grid {
  int dim;
  uint64_t total, a, c;
  uint64_t *sizes;
};

GridOptions grid_defaults(void) { return (GridOptions){.seed = 0, .shuffle = 1}; }

static uint64_t gcd(uint64_t a, uint64_t b) {
  while (b) {
    uint64_t t = a % b;
    a = b;
    b = t;
  }
  return a;
}

int grid_new(Grid **out, int dim, const uint64_t *sizes, const GridOptions *opt) {
  *out = NULL;
  if (dim < 1) return HPO_EINVAL;
  GridOptions o = opt ? *opt : grid_defaults();
  uint64_t total = 1;
  for (int j = 0; j < dim; j++) {
    if (sizes[j] < 1) return HPO_EINVAL;
    if (total > ((uint64_t)1 << 62) / sizes[j]) return HPO_ERANGE;
    total *= sizes[j];
  }
  Grid *g = calloc(1, sizeof *g);
  if (!g) return HPO_ENOMEM;
  g->sizes = malloc(sizeof(uint64_t) * (size_t)dim);
  if (!g->sizes) {
    free(g);
    return HPO_ENOMEM;
  }
  for (int j = 0; j < dim; j++) g->sizes[j] = sizes[j];
  g->dim = dim;
  g->total = total;
  g->a = 1;
  g->c = 0;
  if (o.shuffle && total > 1) {
    Rng rng;
    rng_seed(&rng, o.seed);
    // A multiplier near a random fraction of N scatters neighbours far apart; any a coprime
    // with N makes the map a bijection.
    do g->a = 1 + rng_below(&rng, total - 1);
    while (gcd(g->a, total) != 1);
    g->c = rng_below(&rng, total);
  }
  *out = g;
  return HPO_OK;
}

void grid_free(Grid *g) {
  if (!g) return;
  free(g->sizes);
  free(g);
}

uint64_t grid_total(const Grid *g) { return g->total; }

int grid_point(const Grid *g, uint64_t k, uint64_t *idx) {
  if (k >= g->total) return HPO_ERANGE;
  uint64_t i = (uint64_t)(((unsigned __int128)g->a * k + g->c) % g->total);
  // Last dimension varies fastest.
  for (int j = g->dim - 1; j >= 0; j--) {
    idx[j] = i % g->sizes[j];
    i /= g->sizes[j];
  }
  return HPO_OK;
}
