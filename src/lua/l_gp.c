// Bindings of src/core/gp: hpo.Gp, the GP model for users' own samplers in Lua.
#include <stdlib.h>
#include <string.h>

#include "../core/bo.h"
#include "../core/gp.h"
#include "../core/status.h"
#include "l_space.h"
#include "l_util.h"

#define GP_MT "hpo.Gp"
#define BO_MT "hpo.GpBo"

typedef struct {
  Gp *gp;
} LGp;

static LGp *check_gp(lua_State *L) {
  LGp *lg = luaL_checkudata(L, 1, GP_MT);
  if (!lg->gp) luaL_error(L, "gp model is closed");
  return lg;
}

/// core.gp_fit(X, y, {kernel = 'matern52'|'rbf', deterministic =, categorical = {i, ...},
///   restarts = 2, seed =}) -> hpo.Gp fitted by maximum a posteriori
static int l_gp_fit(lua_State *L) {
  int dim = 0, n, ny;
  double *X = l_check_rows(L, 1, &dim, &n);
  if (n < 1) return luaL_argerror(L, 1, "needs at least one point");
  double *y = l_checkvector(L, 2, &ny);
  if (ny != n) return luaL_error(L, "gp_fit: %d points but %d values", n, ny);
  GpOptions o = gp_defaults();
  int restarts = 2;
  uint64_t seed = 0;
  int *cat = lua_newuserdatauv(L, sizeof(int) * (size_t)dim, 0);
  memset(cat, 0, sizeof(int) * (size_t)dim);
  if (lua_istable(L, 3)) {
    static const char *const kernels[] = {"matern52", "rbf", NULL};
    lua_getfield(L, 3, "kernel");
    if (!lua_isnil(L, -1)) o.kernel = (GpKernel)luaL_checkoption(L, -1, NULL, kernels);
    lua_pop(L, 1);
    o.deterministic = l_optfield_bool(L, 3, "deterministic", 0);
    restarts = (int)l_optfield_int(L, 3, "restarts", restarts);
    seed = (uint64_t)l_optfield_int(L, 3, "seed", 0);
    lua_getfield(L, 3, "categorical");
    if (lua_istable(L, -1)) {
      for (lua_Integer k = 1, len = luaL_len(L, -1); k <= len; k++) {
        lua_rawgeti(L, -1, k);
        lua_Integer i = luaL_checkinteger(L, -1);
        if (i < 1 || i > dim) return luaL_error(L, "gp_fit: categorical index %d out of 1..%d", (int)i, dim);
        cat[i - 1] = 1;
        lua_pop(L, 1);
      }
    }
    lua_pop(L, 1);
  }
  LGp *lg = lua_newuserdatauv(L, sizeof *lg, 0);
  lg->gp = NULL;
  luaL_setmetatable(L, GP_MT);
  int st = gp_new(&lg->gp, dim, cat, &o);
  if (st != HPO_OK) return l_status_error(L, st, "gp_fit");
  Rng r;
  rng_seed(&r, seed);
  st = gp_fit(lg->gp, X, y, n, 1, restarts, &r);
  if (st != HPO_OK) return l_status_error(L, st, "gp_fit");
  return 1;
}

/// gp:predict(Xs) -> {mean, ...}, {variance, ...}
static int l_gp_predict(lua_State *L) {
  LGp *lg = check_gp(L);
  int dim = gp_dim(lg->gp), m;
  double *Xs = l_check_rows(L, 2, &dim, &m);
  if (m < 1) return luaL_argerror(L, 2, "needs at least one point");
  double *out = lua_newuserdatauv(L, sizeof(double) * 2 * (size_t)m, 0);
  int st = gp_predict(lg->gp, Xs, m, out, out + m);
  if (st != HPO_OK) return l_status_error(L, st, "gp:predict");
  l_pushvector(L, out, m);
  l_pushvector(L, out + m, m);
  return 2;
}

/// gp:theta() -> {log rho_1.., log s, raw noise}
static int l_gp_theta(lua_State *L) {
  LGp *lg = check_gp(L);
  l_pushvector(L, gp_theta(lg->gp), gp_ntheta(lg->gp));
  return 1;
}

/// gp:log_marginal() -> log marginal likelihood of the standardised outputs
static int l_gp_log_marginal(lua_State *L) {
  lua_pushnumber(L, gp_log_marginal(check_gp(L)->gp));
  return 1;
}

static int l_gp_close(lua_State *L) {
  LGp *lg = luaL_checkudata(L, 1, GP_MT);
  gp_free(lg->gp);
  lg->gp = NULL;
  return 0;
}

// ---- the GP-BO engine behind hpo.gp() ----

typedef struct {
  Bo *b;
  int dim;
} LBo;

static LBo *check_bo(lua_State *L) {
  LBo *lb = luaL_checkudata(L, 1, BO_MT);
  if (!lb->b) luaL_error(L, "gp engine is closed");
  return lb;
}

/// core.gp(space, {seed, startup, acq = 'logei'|'logpi'|'ucb'|'ts', beta, kernel,
///   deterministic, candidates, local_starts, pending = 'believer'|'liar', warp, refit,
///   fit_points, seeds, trust_region}) -> hpo.GpBo
static int l_bo_new(lua_State *L) {
  int n;
  const SpaceDim *dims = l_space_check(L, 1, &n);
  BoOptions o = bo_defaults();
  if (lua_istable(L, 2)) {
    static const char *const acqs[] = {"logei", "logpi", "ucb", "ts", NULL};
    static const char *const kernels[] = {"matern52", "rbf", NULL};
    static const char *const pend[] = {"liar", "believer", NULL};
    o.seed = (uint64_t)l_optfield_int(L, 2, "seed", 0);
    o.startup = (int)l_optfield_int(L, 2, "startup", o.startup);
    o.beta = l_optfield_num(L, 2, "beta", o.beta);
    o.deterministic = l_optfield_bool(L, 2, "deterministic", 0);
    o.candidates = (int)l_optfield_int(L, 2, "candidates", o.candidates);
    o.local_starts = (int)l_optfield_int(L, 2, "local_starts", o.local_starts);
    o.warp = l_optfield_bool(L, 2, "warp", o.warp);
    o.refit = l_optfield_num(L, 2, "refit", o.refit);
    o.fit_points = (int)l_optfield_int(L, 2, "fit_points", o.fit_points);
    o.seeds = (int)l_optfield_int(L, 2, "seeds", 0);
    o.trust = l_optfield_num(L, 2, "trust_region", o.trust);
    lua_getfield(L, 2, "acq");
    if (!lua_isnil(L, -1)) o.acq = (BoAcq)luaL_checkoption(L, -1, NULL, acqs);
    lua_getfield(L, 2, "kernel");
    if (!lua_isnil(L, -1)) o.kernel = (GpKernel)luaL_checkoption(L, -1, NULL, kernels);
    lua_getfield(L, 2, "pending");
    if (!lua_isnil(L, -1)) o.believer = luaL_checkoption(L, -1, NULL, pend);
    lua_pop(L, 3);
  }
  LBo *lb = lua_newuserdatauv(L, sizeof *lb, 0);
  lb->b = NULL;
  lb->dim = n;
  luaL_setmetatable(L, BO_MT);
  int st = bo_new(&lb->b, n, dims, &o);
  if (st != HPO_OK) return l_status_error(L, st, "gp");
  return 1;
}

static double *bo_point(lua_State *L, LBo *lb, int idx) {
  int n;
  double *x = l_checkvector(L, idx, &n);
  if (n != lb->dim) luaL_error(L, "point has %d coordinates, the space %d", n, lb->dim);
  return x;
}

/// bo:tell(x, value_to_minimise)
static int l_bo_tell(lua_State *L) {
  LBo *lb = check_bo(L);
  int st = bo_tell(lb->b, bo_point(L, lb, 2), luaL_checknumber(L, 3));
  if (st != HPO_OK) return l_status_error(L, st, "gp:tell");
  return 0;
}

/// bo:ask({x, ...} pending | nil) -> x
static int l_bo_ask(lua_State *L) {
  LBo *lb = check_bo(L);
  int np = 0, dim = lb->dim;
  double *pend = l_check_rows(L, 2, &dim, &np);
  double *x = lua_newuserdatauv(L, sizeof(double) * (size_t)lb->dim, 0);
  int st = bo_ask(lb->b, pend, np, x);
  if (st != HPO_OK) return l_status_error(L, st, "gp:ask");
  l_pushvector(L, x, lb->dim);
  return 1;
}

/// bo:add_source({x, ...}, {z, ...}): an earlier study's encoded points and standardised
/// values (lower is better), for transfer (bo.h)
static int l_bo_add_source(lua_State *L) {
  lua_settop(L, 3);
  LBo *lb = check_bo(L);
  int dim = lb->dim, n, nz;
  double *z = l_checkvector(L, 3, &nz);
  double *X = l_check_rows(L, 2, &dim, &n);
  if (n != nz) return luaL_error(L, "gp:add_source: %d points and %d values", n, nz);
  int st = bo_add_source(lb->b, X, z, n);
  if (st != HPO_OK) return l_status_error(L, st, "gp:add_source");
  return 0;
}

/// bo:source_optimum() -> x: the encoded point the sources' mean rates best (bo.h)
static int l_bo_source_optimum(lua_State *L) {
  LBo *lb = check_bo(L);
  double *x = lua_newuserdatauv(L, sizeof(double) * (size_t)lb->dim, 0);
  int st = bo_source_optimum(lb->b, x);
  if (st != HPO_OK) return l_status_error(L, st, "gp:source_optimum");
  l_pushvector(L, x, lb->dim);
  return 1;
}

/// bo:set_condition(j, parent, {code, ...}): dimension j (1-based) is active only when
/// dimension `parent` has one of the encoded codes (bo.h; call parents' conditions first)
static int l_bo_set_condition(lua_State *L) {
  LBo *lb = check_bo(L);
  int j = (int)luaL_checkinteger(L, 2) - 1, parent = (int)luaL_checkinteger(L, 3) - 1, n;
  double *codes = l_checkvector(L, 4, &n);
  int st = bo_set_condition(lb->b, j, parent, codes, n);
  if (st != HPO_OK) return l_status_error(L, st, "gp:set_condition");
  return 0;
}

/// bo:weights() -> {w_source1, ..., w_target} of the last ask, or nil without sources
static int l_bo_weights(lua_State *L) {
  LBo *lb = check_bo(L);
  int ns = bo_source_weights(lb->b, NULL);
  if (ns == 0) return 0;
  double *w = lua_newuserdatauv(L, sizeof(double) * (size_t)(ns + 1), 0);
  bo_source_weights(lb->b, w);
  l_pushvector(L, w, ns + 1);
  return 1;
}

static int l_bo_count(lua_State *L) {
  lua_pushinteger(L, bo_count(check_bo(L)->b));
  return 1;
}

/// bo:state() -> rng hex, sobol index, restart n, theta (exact hex floats; then the transfer
/// model's, once fitted), theta n
static int l_bo_state(lua_State *L) {
  LBo *lb = check_bo(L);
  BoState st;
  double theta[2 * (lb->dim + 2)];
  bo_get_state(lb->b, &st, theta);
  l_push_rng_state(L, st.rng);
  lua_pushinteger(L, (lua_Integer)st.sobol_index);
  lua_pushinteger(L, st.restart_n);
  l_push_doubles(L, theta, (st.transfer_theta ? 2 : 1) * (lb->dim + 2));
  lua_pushinteger(L, st.theta_n);
  return 5;
}

/// bo:restore(rng, sobol_index, restart_n, theta, theta_n)
static int l_bo_restore(lua_State *L) {
  LBo *lb = check_bo(L);
  BoState st;
  l_check_rng_state(L, 2, st.rng);
  st.sobol_index = (uint64_t)luaL_checkinteger(L, 3);
  st.restart_n = (int)luaL_checkinteger(L, 4);
  st.theta_n = (int)luaL_optinteger(L, 6, 0);
  int n;
  double *theta = l_check_doubles(L, 5, &n);
  int k = lb->dim + 2;
  if (n != k && n != 2 * k)
    return luaL_error(L, "gp:restore: %d hyperparameters, expected %d or %d", n, k, 2 * k);
  st.transfer_theta = n == 2 * k;
  if (bo_set_state(lb->b, &st, theta) != HPO_OK) return luaL_error(L, "gp:restore: bad state");
  return 0;
}

static int l_bo_close(lua_State *L) {
  LBo *lb = luaL_checkudata(L, 1, BO_MT);
  bo_free(lb->b);
  lb->b = NULL;
  return 0;
}

void l_gp_register(lua_State *L) {
  static const luaL_Reg bo_methods[] = {
      {"tell", l_bo_tell},       {"ask", l_bo_ask},     {"count", l_bo_count},
      {"state", l_bo_state},     {"restore", l_bo_restore}, {"close", l_bo_close},
      {"__gc", l_bo_close},      {"__close", l_bo_close}, {"add_source", l_bo_add_source},
      {"weights", l_bo_weights}, {"set_condition", l_bo_set_condition},
      {"source_optimum", l_bo_source_optimum}, {NULL, NULL},
  };
  l_newclass(L, BO_MT, bo_methods);
  lua_pushcfunction(L, l_bo_new);
  lua_setfield(L, -2, "gp");
  static const luaL_Reg methods[] = {
      {"predict", l_gp_predict}, {"theta", l_gp_theta}, {"log_marginal", l_gp_log_marginal},
      {"close", l_gp_close},     {"__gc", l_gp_close},  {"__close", l_gp_close},
      {NULL, NULL},
  };
  l_newclass(L, GP_MT, methods);
  lua_pushcfunction(L, l_gp_fit);
  lua_setfield(L, -2, "gp_fit");
  // One BLAS thread unless the user chose (REFERENCE.md section 2: trials share the cores).
  if (!getenv("OPENBLAS_NUM_THREADS")) gp_blas_threads(1);
}
