/// Scrambled Sobol sequences (Joe-Kuo direction numbers, up to QMC_MAX_DIM dimensions).
/// Scrambling is a random linear matrix scramble plus a digital shift (Matousek 1998), as
/// in scipy.stats.qmc.Sobol, so every prefix of 2^m points keeps its (t,m,s)-net property.
#ifndef HPO_CORE_QMC_H
#define HPO_CORE_QMC_H

#include <stdint.h>

#define QMC_BITS 32

typedef struct QmcSobol QmcSobol;

typedef struct {
  uint64_t seed;  ///< seeds the scramble
  int scramble;   ///< 0: the plain Sobol sequence, starting at the origin
} QmcOptions;

/// Largest supported dimension.
int qmc_max_dim(void);
QmcOptions qmc_defaults(void);
/// Create a generator of dimension dim (1..qmc_max_dim()). Returns a status.
int qmc_new(QmcSobol **out, int dim, const QmcOptions *opt);
void qmc_free(QmcSobol *q);
/// Write point number qmc_index() into x[0..dim) in [0, 1) and advance. HPO_ERANGE after 2^32.
int qmc_next(QmcSobol *q, double *x);
/// Index of the next point.
uint64_t qmc_index(const QmcSobol *q);
/// Move to point `index` in O(dim * bits) (used to restore a saved sampler).
int qmc_seek(QmcSobol *q, uint64_t index);
int qmc_dim(const QmcSobol *q);

#endif
