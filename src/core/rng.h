/// Seeded pseudo-random numbers for the engines: xoshiro256** (Blackman and Vigna),
/// seeded through splitmix64 so that any 64-bit seed gives a well-mixed state.
#ifndef HPO_CORE_RNG_H
#define HPO_CORE_RNG_H

#include <stdint.h>

typedef struct {
  uint64_t s[4];
} Rng;

/// Seed the generator; equal seeds give equal streams.
void rng_seed(Rng *r, uint64_t seed);
/// Next raw 64-bit output.
uint64_t rng_next(Rng *r);
/// Uniform double in [0, 1) with 53 random bits.
double rng_uniform(Rng *r);
/// Uniform integer in [0, n) without modulo bias; n > 0.
uint64_t rng_below(Rng *r, uint64_t n);
/// Standard normal deviate (Marsaglia polar method; no cached spare, so state is only s[]).
double rng_normal(Rng *r);

#endif
