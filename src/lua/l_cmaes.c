// Bindings of src/core/cmaes: hpo.CmaEs, usable as a plain ask/tell optimiser from Lua and
// by the hpo.cmaes sampler (lua/hpo/cmaes.lua).
#include <string.h>

#include "../core/cmaes.h"
#include "../core/status.h"
#include "l_util.h"

#define CMAES_MT "hpo.CmaEs"

typedef struct {
  CmaEs *c;
  int n;
} LCma;

static LCma *check_cma(lua_State *L) {
  LCma *lc = luaL_checkudata(L, 1, CMAES_MT);
  if (!lc->c) luaL_error(L, "cmaes engine is closed");
  return lc;
}

/// core.cmaes(n, {seed =, sigma0 =, popsize =, restart = 'none'|'ipop'|'bipop',
///   bounded = true | false | 'reflect', separable = false, max_restarts = 9, x0 = {...}})
///   -> hpo.CmaEs
static int l_cmaes_new(lua_State *L) {
  int n = (int)luaL_checkinteger(L, 1);
  luaL_argcheck(L, n >= 1, 1, "dimension must be >= 1");
  CmaOptions o = cmaes_defaults();
  double *x0 = NULL;
  if (lua_istable(L, 2)) {
    o.seed = (uint64_t)l_optfield_int(L, 2, "seed", 0);
    o.sigma0 = l_optfield_num(L, 2, "sigma0", 0);
    o.popsize = (int)l_optfield_int(L, 2, "popsize", 0);
    lua_getfield(L, 2, "bounded");  // true, false or 'reflect'
    if (lua_type(L, -1) == LUA_TSTRING) {
      luaL_argcheck(L, strcmp(lua_tostring(L, -1), "reflect") == 0, 2,
                    "bounded must be a boolean or 'reflect'");
      o.bounded = 2;
    } else if (!lua_isnil(L, -1)) {
      o.bounded = lua_toboolean(L, -1);
    }
    lua_pop(L, 1);
    o.separable = l_optfield_bool(L, 2, "separable", 0);
    o.max_restarts = (int)l_optfield_int(L, 2, "max_restarts", o.max_restarts);
    lua_getfield(L, 2, "restart");
    static const char *const kinds[] = {"none", "ipop", "bipop", NULL};
    if (!lua_isnil(L, -1)) o.restart = (CmaRestart)luaL_checkoption(L, -1, NULL, kinds);
    lua_pop(L, 1);
    lua_getfield(L, 2, "x0");
    if (lua_istable(L, -1)) {
      int m;
      x0 = l_checkvector(L, lua_gettop(L), &m);
      luaL_argcheck(L, m == n, 2, "x0 must have n values");
    }
  }
  LCma *lc = lua_newuserdatauv(L, sizeof *lc, 0);
  lc->c = NULL;
  lc->n = n;
  luaL_setmetatable(L, CMAES_MT);
  int status = cmaes_new(&lc->c, n, x0, &o);
  if (status != HPO_OK) return l_status_error(L, status, "cmaes");
  return 1;
}

static int l_cmaes_close(lua_State *L) {
  LCma *lc = luaL_checkudata(L, 1, CMAES_MT);
  cmaes_free(lc->c);
  lc->c = NULL;
  return 0;
}

/// cma:ask() -> {x1, ..., x_lambda}: the generation's points
static int l_cmaes_ask(lua_State *L) {
  LCma *lc = check_cma(L);
  int lambda = cmaes_lambda(lc->c), n = lc->n;
  double *x = lua_newuserdatauv(L, sizeof(double) * (size_t)lambda * (size_t)n, 0);
  int status = cmaes_ask(lc->c, x);
  if (status != HPO_OK) return l_status_error(L, status, "cmaes:ask");
  lua_createtable(L, lambda, 0);
  for (int i = 0; i < lambda; i++) {
    l_pushvector(L, x + (size_t)i * n, n);
    lua_rawseti(L, -2, i + 1);
  }
  return 1;
}

/// cma:tell({f1, ..., f_lambda}) -> restarted (boolean)
static int l_cmaes_tell(lua_State *L) {
  LCma *lc = check_cma(L);
  int m;
  double *f = l_checkvector(L, 2, &m);
  luaL_argcheck(L, m == cmaes_lambda(lc->c), 2, "one value per point of the generation");
  int r = cmaes_tell(lc->c, f);
  if (r < 0) return l_status_error(L, r, "cmaes:tell");
  lua_pushboolean(L, r == 1);
  return 1;
}

/// cma:sample() -> x: one more point from the current distribution
static int l_cmaes_sample(lua_State *L) {
  LCma *lc = check_cma(L);
  double *x = lua_newuserdatauv(L, sizeof(double) * (size_t)lc->n, 0);
  int status = cmaes_sample(lc->c, x);
  if (status != HPO_OK) return l_status_error(L, status, "cmaes:sample");
  l_pushvector(L, x, lc->n);
  return 1;
}

static int l_cmaes_info(lua_State *L) {
  LCma *lc = check_cma(L);
  lua_createtable(L, 0, 5);
  lua_pushinteger(L, cmaes_lambda(lc->c));
  lua_setfield(L, -2, "lambda");
  lua_pushinteger(L, cmaes_generation(lc->c));
  lua_setfield(L, -2, "generation");
  lua_pushinteger(L, cmaes_restarts(lc->c));
  lua_setfield(L, -2, "restarts");
  lua_pushnumber(L, cmaes_sigma(lc->c));
  lua_setfield(L, -2, "sigma");
  l_pushvector(L, cmaes_mean(lc->c), lc->n);
  lua_setfield(L, -2, "mean");
  return 1;
}

/// cma:best() -> value, x
static int l_cmaes_best(lua_State *L) {
  LCma *lc = check_cma(L);
  double *x = lua_newuserdatauv(L, sizeof(double) * (size_t)lc->n, 0);
  lua_pushnumber(L, cmaes_best(lc->c, x));
  l_pushvector(L, x, lc->n);
  return 2;
}

/// cma:set_distribution(mean, sigma[, C as a flat row-major list])
static int l_cmaes_set_distribution(lua_State *L) {
  lua_settop(L, 4);  // C absent: nil at 4, not the vectors' buffers pushed below
  LCma *lc = check_cma(L);
  int n, nc = 0;
  double *m = l_checkvector(L, 2, &n);
  luaL_argcheck(L, n == lc->n, 2, "mean must have n values");
  double sigma = luaL_checknumber(L, 3);
  double *C = lua_isnoneornil(L, 4) ? NULL : l_checkvector(L, 4, &nc);
  luaL_argcheck(L, !C || nc == n * n, 4, "C must have n * n values");
  int status = cmaes_set_distribution(lc->c, m, sigma, C);
  if (status != HPO_OK) return l_status_error(L, status, "cmaes:set_distribution");
  return 0;
}

/// cma:warm_start({x, ...}[, alpha = 0.1]): WS-CMA-ES from promising earlier points
static int l_cmaes_warm_start(lua_State *L) {
  lua_settop(L, 3);  // alpha absent: nil at 3, not the buffer pushed below
  LCma *lc = check_cma(L);
  luaL_checktype(L, 2, LUA_TTABLE);
  int m = (int)luaL_len(L, 2), n = lc->n;
  double *X = lua_newuserdatauv(L, sizeof(double) * (size_t)(m > 0 ? m : 1) * (size_t)n, 0);
  for (int i = 0; i < m; i++) {
    lua_rawgeti(L, 2, i + 1);
    int k;
    double *x = l_checkvector(L, lua_gettop(L), &k);
    luaL_argcheck(L, k == n, 2, "each point must have n values");
    memcpy(X + (size_t)i * n, x, sizeof(double) * (size_t)n);
    lua_pop(L, 2);
  }
  int status = cmaes_warm_start(lc->c, X, m, luaL_optnumber(L, 3, 0.1));
  if (status != HPO_OK) return l_status_error(L, status, "cmaes:warm_start");
  return 0;
}

/// cma:set_margin({width, ...}): bin widths of discrete coordinates (0: continuous)
static int l_cmaes_set_margin(lua_State *L) {
  LCma *lc = check_cma(L);
  int n;
  double *w = l_checkvector(L, 2, &n);
  luaL_argcheck(L, n == lc->n, 2, "one width per coordinate");
  int status = cmaes_set_margin(lc->c, w);
  if (status != HPO_OK) return l_status_error(L, status, "cmaes:set_margin");
  return 0;
}

/// cma:state() -> string (the exact state, hexadecimal floats)
static int l_cmaes_state(lua_State *L) {
  LCma *lc = check_cma(L);
  int size = cmaes_state_size(lc->c);
  double *s = lua_newuserdatauv(L, sizeof(double) * (size_t)size, 0);
  cmaes_get_state(lc->c, s);
  l_push_doubles(L, s, size);
  return 1;
}

/// cma:restore(state)
static int l_cmaes_restore(lua_State *L) {
  LCma *lc = check_cma(L);
  int size;
  double *s = l_check_doubles(L, 2, &size);
  luaL_argcheck(L, cmaes_set_state(lc->c, s, size) == HPO_OK, 2,
                "not a cmaes state of this dimension");
  return 0;
}

void l_cmaes_register(lua_State *L) {
  static const luaL_Reg methods[] = {
      {"ask", l_cmaes_ask},
      {"tell", l_cmaes_tell},
      {"sample", l_cmaes_sample},
      {"info", l_cmaes_info},
      {"best", l_cmaes_best},
      {"set_distribution", l_cmaes_set_distribution},
      {"warm_start", l_cmaes_warm_start},
      {"set_margin", l_cmaes_set_margin},
      {"state", l_cmaes_state},
      {"restore", l_cmaes_restore},
      {"close", l_cmaes_close},
      {"__gc", l_cmaes_close},
      {"__close", l_cmaes_close},
      {NULL, NULL},
  };
  l_newclass(L, CMAES_MT, methods);
  lua_pushcfunction(L, l_cmaes_new);
  lua_setfield(L, -2, "cmaes");
}
