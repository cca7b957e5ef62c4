/// Grid search over a mixed-radix product of per-dimension grids. Visiting order is either
/// lexicographic or a seeded pseudo-random permutation (i -> (a i + c) mod N with gcd(a, N) =
/// 1), which covers the whole grid without storing it, as Optuna's GridSampler visits its
/// grid in random order.
#ifndef HPO_CORE_GRID_H
#define HPO_CORE_GRID_H

#include <stdint.h>

typedef struct Grid Grid;

typedef struct {
  uint64_t seed;
  int shuffle;  ///< visit in a seeded random order instead of lexicographic order
} GridOptions;

GridOptions grid_defaults(void);
/// Create a grid with dim dimensions of sizes[j] >= 1 points. HPO_ERANGE if the product
/// exceeds 2^62.
int grid_new(Grid **out, int dim, const uint64_t *sizes, const GridOptions *opt);
void grid_free(Grid *g);
uint64_t grid_total(const Grid *g);
/// Per-dimension indices of the k-th visited point (0 <= k < total).
int grid_point(const Grid *g, uint64_t k, uint64_t *idx);

#endif
