// Bindings of src/core/nsga2 and src/core/hv: the engine behind hpo.nsga2(), exact
// hypervolume and the Pareto filter for studies with several objectives.
#include <math.h>
#include <stdlib.h>

#include "../core/hv.h"
#include "../core/nsga2.h"
#include "../core/status.h"
#include "l_space.h"
#include "l_util.h"

#define NSGA2_MT "hpo.Nsga2"

typedef struct {
  Nsga2 *e;
  int dim, nobj;
} LNsga2;

static LNsga2 *check_nsga2(lua_State *L) {
  LNsga2 *le = luaL_checkudata(L, 1, NSGA2_MT);
  if (!le->e) luaL_error(L, "nsga2 engine is closed");
  return le;
}

/// core.nsga2(space, nobj, {seed, population, crossover_prob, sbx_prob, swap_prob, eta_c,
///   eta_m, mutation_prob}) -> hpo.Nsga2
static int l_nsga2_new(lua_State *L) {
  int n;
  const SpaceDim *dims = l_space_check(L, 1, &n);
  int nobj = (int)luaL_checkinteger(L, 2);
  Nsga2Options o = nsga2_defaults();
  if (lua_istable(L, 3)) {
    o.seed = (uint64_t)l_optfield_int(L, 3, "seed", 0);
    o.population = (int)l_optfield_int(L, 3, "population", o.population);
    o.crossover_prob = l_optfield_num(L, 3, "crossover_prob", o.crossover_prob);
    o.sbx_prob = l_optfield_num(L, 3, "sbx_prob", o.sbx_prob);
    o.swap_prob = l_optfield_num(L, 3, "swap_prob", o.swap_prob);
    o.eta_c = l_optfield_num(L, 3, "eta_c", o.eta_c);
    o.eta_m = l_optfield_num(L, 3, "eta_m", o.eta_m);
    o.mutation_prob = l_optfield_num(L, 3, "mutation_prob", o.mutation_prob);
  }
  LNsga2 *le = lua_newuserdatauv(L, sizeof *le, 0);
  le->e = NULL;
  le->dim = n;
  le->nobj = nobj;
  luaL_setmetatable(L, NSGA2_MT);
  int st = nsga2_new(&le->e, n, dims, nobj, &o);
  if (st != HPO_OK) return l_status_error(L, st, "nsga2");
  return 1;
}

/// e:tell(number, x, values | nil (failed), violation)
static int l_nsga2_tell(lua_State *L) {
  lua_settop(L, 5);  // absent arguments are nil, below the buffers the readers push
  LNsga2 *le = check_nsga2(L);
  lua_Integer number = luaL_checkinteger(L, 2);
  int n, m = 0;
  double *x = l_checkvector(L, 3, &n);
  if (n != le->dim) return luaL_error(L, "point has %d coordinates, the space %d", n, le->dim);
  double *f = lua_isnoneornil(L, 4) ? NULL : l_checkvector(L, 4, &m);
  if (f && m != le->nobj) return luaL_error(L, "%d values, expected %d objectives", m, le->nobj);
  int st = nsga2_tell(le->e, number, x, f, luaL_optnumber(L, 5, 0));
  if (st != HPO_OK) return l_status_error(L, st, "nsga2:tell");
  return 0;
}

/// e:ask() -> x
static int l_nsga2_ask(lua_State *L) {
  LNsga2 *le = check_nsga2(L);
  double *x = lua_newuserdatauv(L, sizeof(double) * (size_t)le->dim, 0);
  int st = nsga2_ask(le->e, x);
  if (st != HPO_OK) return l_status_error(L, st, "nsga2:ask");
  l_pushvector(L, x, le->dim);
  return 1;
}

static int l_nsga2_generation(lua_State *L) {
  lua_pushinteger(L, nsga2_generation(check_nsga2(L)->e));
  return 1;
}

/// e:state() -> rng hex; e:restore(rng hex)
static int l_nsga2_state(lua_State *L) {
  l_push_rng_state(L, nsga2_rng_state(check_nsga2(L)->e));
  return 1;
}

static int l_nsga2_restore(lua_State *L) {
  l_check_rng_state(L, 2, nsga2_rng_state(check_nsga2(L)->e));
  return 0;
}

static int l_nsga2_close(lua_State *L) {
  LNsga2 *le = luaL_checkudata(L, 1, NSGA2_MT);
  nsga2_free(le->e);
  le->e = NULL;
  return 0;
}

/// core.hypervolume({{f1, f2, ...}, ...}, ref) -> the hypervolume (minimisation)
static int l_hypervolume(lua_State *L) {
  lua_settop(L, 2);
  luaL_checktype(L, 2, LUA_TTABLE);
  int m = 0, n, nr;
  double *pts = l_check_rows(L, 1, &m, &n);
  double *ref = l_checkvector(L, 2, &nr);
  if (n > 0 && nr != m) return luaL_error(L, "hypervolume: reference has %d values, points %d", nr, m);
  double hv = n > 0 ? hv_compute(pts, n, m, ref) : 0;
  if (hv < 0) return l_status_error(L, HPO_ENOMEM, "hypervolume");
  lua_pushnumber(L, hv);
  return 1;
}

/// core.pareto({{f1, f2, ...}, ...} minimised, violations | nil) -> {bool, ...}: which points
/// are on the first front (Deb's rule with violations)
static int l_pareto(lua_State *L) {
  lua_settop(L, 2);
  int m = 0, n, nv = 0;
  double *f = l_check_rows(L, 1, &m, &n);
  double *v = lua_isnoneornil(L, 2) ? NULL : l_checkvector(L, 2, &nv);
  if (v && nv != n) return luaL_error(L, "pareto: %d violations for %d points", nv, n);
  unsigned char *front = lua_newuserdatauv(L, (size_t)(n > 0 ? n : 1), 0);
  int st = nsga2_front(f, v, n, m, front);
  if (st != HPO_OK) return l_status_error(L, st, "pareto");
  lua_createtable(L, n, 0);
  for (int i = 0; i < n; i++) {
    lua_pushboolean(L, front[i]);
    lua_rawseti(L, -2, i + 1);
  }
  return 1;
}

void l_nsga2_register(lua_State *L) {
  static const luaL_Reg methods[] = {
      {"tell", l_nsga2_tell},         {"ask", l_nsga2_ask},   {"generation", l_nsga2_generation},
      {"state", l_nsga2_state},       {"restore", l_nsga2_restore}, {"close", l_nsga2_close},
      {"__gc", l_nsga2_close},        {"__close", l_nsga2_close},   {NULL, NULL},
  };
  l_newclass(L, NSGA2_MT, methods);
  lua_pushcfunction(L, l_nsga2_new);
  lua_setfield(L, -2, "nsga2");
  lua_pushcfunction(L, l_hypervolume);
  lua_setfield(L, -2, "hypervolume");
  lua_pushcfunction(L, l_pareto);
  lua_setfield(L, -2, "pareto");
}
