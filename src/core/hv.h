/// Exact hypervolume of a set of points under minimisation (REFERENCE.md section 4): the
/// measure of the region dominated by the points and bounded by the reference point. Points
/// that do not strictly dominate the reference contribute nothing.
///
/// Two objectives: a sort and a sweep, O(n log n). Three: a sweep over the third objective
/// keeping the two-dimensional front in a balanced tree, O(n log n) (Beume et al. 2009).
/// More: WFG (While et al. 2012), whose recursion ends in the two-objective sweep.
#ifndef HPO_CORE_HV_H
#define HPO_CORE_HV_H

/// Hypervolume of n points of m objectives (row-major n x m) against ref (m values).
/// Returns -1 when memory runs out.
double hv_compute(const double *pts, int n, int m, const double *ref);
/// The individual algorithms, for tests that check them against each other.
double hv_2d(const double *pts, int n, const double *ref);
double hv_3d(const double *pts, int n, const double *ref);
double hv_wfg(const double *pts, int n, int m, const double *ref);

#endif
