/// Search-space dimensions and their encoding (DESIGN.md section 3).
///
/// Engines work in an encoded space: a numeric or ordinal dimension is a coordinate in
/// [0, 1] (after log for log-scale ones); a categorical dimension is its index 0..n-1.
/// A conditional parameter that is inactive is NaN in the encoded vector.
#ifndef HPO_CORE_SPACE_H
#define HPO_CORE_SPACE_H

#include <stdint.h>

typedef enum {
  DIM_FLOAT = 0,        ///< uniform or loguniform real, optionally on a step grid
  DIM_INT = 1,          ///< integer, step >= 1, optionally log-scale
  DIM_ORDINAL = 2,      ///< one of n ordered values (hpo.discrete), by index
  DIM_CATEGORICAL = 3,  ///< one of n unordered values (hpo.choice), by index
} DimKind;

typedef struct {
  DimKind kind;
  double lo, hi;  ///< bounds, for DIM_FLOAT and DIM_INT
  double step;    ///< 0 for a continuous float; >= 1 for an int
  int log;        ///< log scale (lo > 0)
  int n;          ///< number of values, for DIM_ORDINAL and DIM_CATEGORICAL
} SpaceDim;

/// Check a dimension's definition; returns HPO_OK or HPO_EINVAL with a reason in *why.
int space_dim_check(const SpaceDim *d, const char **why);
/// Map a point u of the unit interval [0, 1) to the encoded coordinate.
double space_from_unit(const SpaceDim *d, double u);
/// Decode an encoded coordinate: a value for DIM_FLOAT/DIM_INT, a 0-based index otherwise.
double space_decode(const SpaceDim *d, double x);
/// Encode a value (or a 0-based index for DIM_ORDINAL/DIM_CATEGORICAL); inverse of decode
/// on the dimension's values.
double space_encode(const SpaceDim *d, double value);
/// A numeric or ordinal coordinate in [0, 1] moved to the code of the nearest of the
/// dimension's values (unchanged for a continuous float; not for categoricals).
double space_round(const SpaceDim *d, double x);
/// Number of distinct values of the dimension; 0 for a continuous float.
uint64_t space_cardinality(const SpaceDim *d);
/// Grid of a dimension: all its values if it has at most `n_cont` of them or is discrete,
/// else `n_cont` points evenly spaced (in log space for log dimensions). Returns the count.
uint64_t space_grid_size(const SpaceDim *d, int n_cont);
/// Encoded coordinate of grid point k (0 <= k < space_grid_size(d, n_cont)).
double space_grid_point(const SpaceDim *d, int n_cont, uint64_t k);

#endif
