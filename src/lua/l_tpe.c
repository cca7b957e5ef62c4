// Bindings of src/core/tpe: hpo.Tpe. The Lua sampler (lua/hpo/tpe.lua) encodes trials
// with the study's space and ranks them; the engine models and proposes.
#include <string.h>

#include "../core/status.h"
#include "../core/tpe.h"
#include "l_space.h"
#include "l_util.h"

#define TPE_MT "hpo.Tpe"

typedef struct {
  Tpe *t;
  int dim;
} LTpe;

static LTpe *check_tpe(lua_State *L) {
  LTpe *lt = luaL_checkudata(L, 1, TPE_MT);
  if (!lt->t) luaL_error(L, "tpe engine is closed");
  return lt;
}

/// core.tpe(space, {seed =, startup =, candidates =, gamma = 'optuna'|'hyperopt',
///   multivariate =, prior_weight =}) -> hpo.Tpe
static int l_tpe_new(lua_State *L) {
  int n;
  const SpaceDim *dims = l_space_check(L, 1, &n);
  TpeOptions o = tpe_defaults();
  if (lua_istable(L, 2)) {
    o.seed = (uint64_t)l_optfield_int(L, 2, "seed", 0);
    o.startup = (int)l_optfield_int(L, 2, "startup", o.startup);
    o.candidates = (int)l_optfield_int(L, 2, "candidates", o.candidates);
    o.multivariate = l_optfield_bool(L, 2, "multivariate", o.multivariate);
    o.prior_weight = l_optfield_num(L, 2, "prior_weight", o.prior_weight);
    o.prior_share = l_optfield_bool(L, 2, "prior_share", o.prior_share);
    lua_getfield(L, 2, "bandwidth");
    static const char *const bws[] = {"gap", "scott", NULL};
    if (!lua_isnil(L, -1)) o.bandwidth = (TpeBandwidth)luaL_checkoption(L, -1, NULL, bws);
    lua_pop(L, 1);
    lua_getfield(L, 2, "gamma");
    static const char *const rules[] = {"optuna", "hyperopt", NULL};
    if (!lua_isnil(L, -1)) o.gamma = (TpeGamma)luaL_checkoption(L, -1, NULL, rules);
    lua_pop(L, 1);
  }
  LTpe *lt = lua_newuserdatauv(L, sizeof *lt, 0);
  lt->t = NULL;
  lt->dim = n;
  luaL_setmetatable(L, TPE_MT);
  int status = tpe_new(&lt->t, n, dims, &o);
  if (status != HPO_OK) return l_status_error(L, status, "tpe");
  return 1;
}

static int l_tpe_close(lua_State *L) {
  LTpe *lt = luaL_checkudata(L, 1, TPE_MT);
  tpe_free(lt->t);
  lt->t = NULL;
  return 0;
}

static double *check_point(lua_State *L, LTpe *lt, int idx) {
  int n;
  double *x = l_checkvector(L, idx, &n);
  if (n != lt->dim) luaL_error(L, "point has %d coordinates, the space %d", n, lt->dim);
  return x;
}

/// tpe:tell(x, group, step, score, order): a finished trial (see tpe.h for the ranking)
static int l_tpe_tell(lua_State *L) {
  LTpe *lt = check_tpe(L);
  double *x = check_point(L, lt, 2);
  int status = tpe_tell(lt->t, x, (int)luaL_checkinteger(L, 3), luaL_checknumber(L, 4),
                        luaL_checknumber(L, 5), luaL_checkinteger(L, 6));
  if (status != HPO_OK) return l_status_error(L, status, "tpe:tell");
  return 0;
}

// A list of encoded points at idx (or nil) as one row-major block on the stack.
static double *check_points(lua_State *L, LTpe *lt, int idx, int *n) {
  int dim = lt->dim;
  return l_check_rows(L, idx, &dim, n);
}

/// tpe:warm_start({x, ...}, {w, ...} | w): good points of earlier studies and their
/// weights (see tpe.h); replaces any earlier set
static int l_tpe_warm_start(lua_State *L) {
  lua_settop(L, 3);  // weights absent: nil at 3, not the buffers pushed below
  LTpe *lt = check_tpe(L);
  int m;
  double *xs = check_points(L, lt, 2, &m);
  double *w = lua_newuserdatauv(L, sizeof(double) * (size_t)(m + 1), 0);
  for (int k = 0; k < m; k++) {
    if (lua_istable(L, 3)) {
      lua_rawgeti(L, 3, k + 1);
      w[k] = luaL_checknumber(L, -1);
      lua_pop(L, 1);
    } else {
      w[k] = luaL_optnumber(L, 3, 1.0);
    }
  }
  int status = tpe_set_warm_start(lt->t, xs, w, m);
  if (status != HPO_OK) return l_status_error(L, status, "tpe:warm_start");
  return 0;
}

/// tpe:ask({x, ...} running, n_good | nil) -> x
static int l_tpe_ask(lua_State *L) {
  lua_settop(L, 3);  // n_good absent: nil at 3, not the buffer pushed below
  LTpe *lt = check_tpe(L);
  int nr;
  double *running = check_points(L, lt, 2, &nr);
  int n_good = (int)luaL_optinteger(L, 3, -1);
  double *x = lua_newuserdatauv(L, sizeof(double) * (size_t)lt->dim, 0);
  int status = tpe_ask(lt->t, running, nr, n_good, x);
  if (status != HPO_OK) return l_status_error(L, status, "tpe:ask");
  l_pushvector(L, x, lt->dim);
  return 1;
}

static int l_tpe_count(lua_State *L) {
  lua_pushinteger(L, tpe_count(check_tpe(L)->t));
  return 1;
}

/// tpe:state() -> the random state as 64 hex digits
static int l_tpe_state(lua_State *L) {
  uint64_t s[4];
  tpe_get_rng(check_tpe(L)->t, s);
  l_push_rng_state(L, s);
  return 1;
}

/// tpe:restore(state)
static int l_tpe_restore(lua_State *L) {
  LTpe *lt = check_tpe(L);
  uint64_t s[4];
  l_check_rng_state(L, 2, s);
  tpe_set_rng(lt->t, s);
  return 0;
}

void l_tpe_register(lua_State *L) {
  static const luaL_Reg methods[] = {
      {"tell", l_tpe_tell},   {"ask", l_tpe_ask},         {"count", l_tpe_count},
      {"state", l_tpe_state}, {"restore", l_tpe_restore}, {"close", l_tpe_close},
      {"warm_start", l_tpe_warm_start}, {"__gc", l_tpe_close},  {"__close", l_tpe_close},   {NULL, NULL},
  };
  l_newclass(L, TPE_MT, methods);
  lua_pushcfunction(L, l_tpe_new);
  lua_setfield(L, -2, "tpe");
}
