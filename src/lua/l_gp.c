// Bindings of src/core/gp: hpo.Gp, the GP model for users' own samplers in Lua.
#include <stdlib.h>
#include <string.h>

#include "../core/gp.h"
#include "../core/status.h"
#include "l_util.h"

#define GP_MT "hpo.Gp"

typedef struct {
  Gp *gp;
} LGp;

static LGp *check_gp(lua_State *L) {
  LGp *lg = luaL_checkudata(L, 1, GP_MT);
  if (!lg->gp) luaL_error(L, "gp model is closed");
  return lg;
}

// A list of points at idx as one row-major block left on the stack; *dim (0: from the first
// point) is their number of coordinates.
static double *check_rows(lua_State *L, int idx, int *dim, int *m) {
  luaL_checktype(L, idx, LUA_TTABLE);
  int rows = (int)luaL_len(L, idx);
  if (rows < 1) luaL_argerror(L, idx, "needs at least one point");
  if (*dim == 0) {
    lua_rawgeti(L, idx, 1);
    if (!lua_istable(L, -1)) luaL_argerror(L, idx, "expected a list of points (tables)");
    *dim = (int)luaL_len(L, -1);
    lua_pop(L, 1);
    if (*dim < 1) luaL_argerror(L, idx, "points need at least one coordinate");
  }
  double *X = lua_newuserdatauv(L, sizeof(double) * (size_t)rows * (size_t)*dim, 0);
  for (int r = 0; r < rows; r++) {
    lua_rawgeti(L, idx, r + 1);
    int n;
    double *x = l_checkvector(L, lua_gettop(L), &n);
    if (n != *dim) luaL_error(L, "point %d has %d coordinates, expected %d", r + 1, n, *dim);
    memcpy(X + (size_t)r * *dim, x, sizeof(double) * (size_t)n);
    lua_pop(L, 2);
  }
  *m = rows;
  return X;
}

/// core.gp_fit(X, y, {kernel = 'matern52'|'rbf', deterministic =, categorical = {i, ...},
///   restarts = 2, seed =}) -> hpo.Gp fitted by maximum a posteriori
static int l_gp_fit(lua_State *L) {
  int dim = 0, n, ny;
  double *X = check_rows(L, 1, &dim, &n);
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
  double *Xs = check_rows(L, 2, &dim, &m);
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

void l_gp_register(lua_State *L) {
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
