/// NSGA-II (Deb et al. 2002; REFERENCE.md section 4) as an ask/tell engine over an encoded
/// space (space.h), for studies with several objectives.
///
/// Generations are ranges of trial numbers: generation g holds trials g P .. (g + 1) P - 1
/// (P the population size), whatever sampler or queue produced them. When all of generation g
/// have finished, the next parent population is the best P of the current parents and
/// generation g's trials (elitist selection: constrained non-domination rank, then crowding
/// distance). Each ask breeds one child from the newest population (binary tournaments; uniform
/// crossover in which a share of the numeric coordinates is blended by SBX instead; polynomial
/// mutation, or resampling for categoricals), or samples uniformly before the first population
/// exists. Populations
/// depend only on the finished trials, so parallel workers never wait for a generation and a
/// resumed study rebuilds the same populations from its history.
///
/// Constraints follow Deb's rule: a feasible trial (violation 0) beats an infeasible one, and
/// of two infeasible trials the one with the smaller total violation wins.
#ifndef HPO_CORE_NSGA2_H
#define HPO_CORE_NSGA2_H

#include <stdint.h>

#include "space.h"

typedef struct {
  uint64_t seed;
  int population;         ///< P (50)
  double crossover_prob;  ///< probability that a child is a crossover of two parents (0.9)
  double sbx_prob;        ///< per numeric coordinate: an SBX child of the parents' values (0.25)
  double swap_prob;       ///< else: the second parent's value, not the first's (0.5)
  double eta_c;           ///< SBX distribution index (20)
  double eta_m;           ///< polynomial mutation distribution index (20)
  double mutation_prob;   ///< per coordinate; <= 0: 1 / dim (default)
} Nsga2Options;

typedef struct Nsga2 Nsga2;

Nsga2Options nsga2_defaults(void);
/// An engine for dim encoded coordinates and nobj objectives (all minimised). Returns a status.
int nsga2_new(Nsga2 **out, int dim, const SpaceDim *dims, int nobj, const Nsga2Options *opt);
void nsga2_free(Nsga2 *e);
/// A finished trial: its number, encoded point, objective values (f = NULL: it failed; it
/// counts for its generation but is never a parent) and total constraint violation (>= 0).
int nsga2_tell(Nsga2 *e, int64_t number, const double *x, const double *f, double violation);
/// The next point to evaluate.
int nsga2_ask(Nsga2 *e, double *x);
/// Generations whose population has been formed (0 before the first).
int nsga2_generation(const Nsga2 *e);
/// The random state (4 words), to save and restore for an exact resume.
uint64_t *nsga2_rng_state(Nsga2 *e);

/// Fast non-dominated sort with Deb's constrained domination: rank[i] (0 = first front) of
/// n points (f: n x m, minimised; violation may be NULL). Returns a status.
int nsga2_rank(const double *f, const double *violation, int n, int m, int *rank);
/// The first front alone (front[i] = 1 for its members, else 0), in O(n log n + n k m) time
/// for a front of k points and O(n) memory: what `hpolua show` marks over a whole study.
int nsga2_front(const double *f, const double *violation, int n, int m, unsigned char *front);
/// Crowding distance of the points idx[0..k) of one front (infinite at each objective's
/// extremes) into dist[0..k).
void nsga2_crowding(const double *f, int m, const int *idx, int k, double *dist);

#endif
