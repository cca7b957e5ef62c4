// Bindings of src/core/pg: hpo.Pg, the policy-gradient controller behind hpo.reinforce.

#include "../core/pg.h"
#include "../core/status.h"
#include "l_space.h"
#include "l_util.h"

#define PG_MT "hpo.Pg"

typedef struct {
  PgPolicy *p;
  int dim;
} LPg;

static LPg *check_pg(lua_State *L) {
  LPg *lp = luaL_checkudata(L, 1, PG_MT);
  if (!lp->p) luaL_error(L, "policy is closed");
  return lp;
}

/// core.pg(space, {seed =, lr =, baseline_decay =, entropy =, batch =,
///   continuous = 'bins'|'gaussian', bins =}) -> hpo.Pg
static int l_pg_new(lua_State *L) {
  int n;
  const SpaceDim *dims = l_space_check(L, 1, &n);
  PgOptions o = pg_defaults();
  if (lua_istable(L, 2)) {
    o.seed = (uint64_t)l_optfield_int(L, 2, "seed", 0);
    o.lr = l_optfield_num(L, 2, "lr", o.lr);
    o.baseline_decay = l_optfield_num(L, 2, "baseline_decay", o.baseline_decay);
    o.entropy = l_optfield_num(L, 2, "entropy", o.entropy);
    o.batch = (int)l_optfield_int(L, 2, "batch", o.batch);
    o.bins = (int)l_optfield_int(L, 2, "bins", o.bins);
    lua_getfield(L, 2, "normalize");
    static const char *const norms[] = {"baseline", "zscore", "rank", NULL};
    if (!lua_isnil(L, -1)) o.normalize = luaL_checkoption(L, -1, NULL, norms);
    lua_pop(L, 1);
    lua_getfield(L, 2, "continuous");
    static const char *const modes[] = {"bins", "gaussian", NULL};
    if (!lua_isnil(L, -1)) o.gaussian = luaL_checkoption(L, -1, NULL, modes);
    lua_pop(L, 1);
  }
  LPg *lp = lua_newuserdatauv(L, sizeof *lp, 0);
  lp->p = NULL;
  lp->dim = n;
  luaL_setmetatable(L, PG_MT);
  int status = pg_new(&lp->p, n, dims, &o);
  if (status != HPO_OK) return l_status_error(L, status, "reinforce");
  return 1;
}

static int l_pg_close(lua_State *L) {
  LPg *lp = luaL_checkudata(L, 1, PG_MT);
  pg_free(lp->p);
  lp->p = NULL;
  return 0;
}

/// pg:sample() -> x (encoded)
static int l_pg_sample(lua_State *L) {
  LPg *lp = check_pg(L);
  double *x = lua_newuserdatauv(L, sizeof(double) * (size_t)lp->dim, 0);
  int status = pg_sample(lp->p, x);
  if (status != HPO_OK) return l_status_error(L, status, "reinforce:sample");
  l_pushvector(L, x, lp->dim);
  return 1;
}

/// pg:tell(x, reward) -> updated (boolean)
static int l_pg_tell(lua_State *L) {
  LPg *lp = check_pg(L);
  int n;
  double *x = l_checkvector(L, 2, &n);
  luaL_argcheck(L, n == lp->dim, 2, "point of the wrong dimension");
  int r = pg_tell(lp->p, x, luaL_checknumber(L, 3));
  if (r < 0) return l_status_error(L, r, "reinforce:tell");
  lua_pushboolean(L, r == 1);
  return 1;
}

/// pg:policy(j) -> {p1, ..., pn} for a softmax dimension, or mean, sd for a Gaussian one
static int l_pg_policy(lua_State *L) {
  LPg *lp = check_pg(L);
  int j = (int)luaL_checkinteger(L, 2) - 1;
  luaL_argcheck(L, j >= 0 && j < lp->dim, 2, "no such dimension");
  int n = pg_actions(lp->p, j);
  if (n == 0) {
    double mean, sd;
    pg_gaussian(lp->p, j, &mean, &sd);
    lua_pushnumber(L, mean);
    lua_pushnumber(L, sd);
    return 2;
  }
  lua_createtable(L, n, 0);
  for (int a = 0; a < n; a++) {
    lua_pushnumber(L, pg_prob(lp->p, j, a));
    lua_rawseti(L, -2, a + 1);
  }
  return 1;
}

/// pg:state() -> string; pg:restore(string)
static int l_pg_state(lua_State *L) {
  LPg *lp = check_pg(L);
  int size = pg_state_size(lp->p);
  double *s = lua_newuserdatauv(L, sizeof(double) * (size_t)size, 0);
  pg_get_state(lp->p, s);
  l_push_doubles(L, s, size);
  return 1;
}

static int l_pg_restore(lua_State *L) {
  LPg *lp = check_pg(L);
  int size;
  double *s = l_check_doubles(L, 2, &size);
  luaL_argcheck(L, pg_set_state(lp->p, s, size) == HPO_OK, 2,
                "not a reinforce state of this space");
  return 0;
}

void l_pg_register(lua_State *L) {
  static const luaL_Reg methods[] = {
      {"sample", l_pg_sample}, {"tell", l_pg_tell},   {"policy", l_pg_policy},
      {"state", l_pg_state},   {"restore", l_pg_restore}, {"close", l_pg_close},
      {"__gc", l_pg_close},    {"__close", l_pg_close},   {NULL, NULL},
  };
  l_newclass(L, PG_MT, methods);
  lua_pushcfunction(L, l_pg_new);
  lua_setfield(L, -2, "pg");
}
