// Bindings of the sampling engines: hpo.Rng (xoshiro256**), hpo.Sobol (scrambled Sobol) and
// hpo.Grid (grid enumeration). The Lua samplers in lua/hpo/sampler.lua sit on top.
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "../core/grid.h"
#include "../core/qmc.h"
#include "../core/rng.h"
#include "../core/status.h"
#include "l_util.h"

#define RNG_MT "hpo.Rng"
#define SOBOL_MT "hpo.Sobol"
#define GRID_MT "hpo.Grid"

static uint64_t check_seed(lua_State *L, int idx) { return (uint64_t)luaL_optinteger(L, idx, 0); }

// ---- hpo.Rng ----

/// core.rng(seed) -> hpo.Rng
static int l_rng_new(lua_State *L) {
  uint64_t seed = check_seed(L, 1);
  Rng *r = lua_newuserdatauv(L, sizeof *r, 0);
  rng_seed(r, seed);
  luaL_setmetatable(L, RNG_MT);
  return 1;
}

/// rng:uniform(n) -> {u1..un} in [0, 1); rng:uniform() -> u
static int l_rng_uniform(lua_State *L) {
  Rng *r = luaL_checkudata(L, 1, RNG_MT);
  if (lua_isnoneornil(L, 2)) {
    lua_pushnumber(L, rng_uniform(r));
    return 1;
  }
  lua_Integer n = luaL_checkinteger(L, 2);
  luaL_argcheck(L, n >= 0, 2, "count must be >= 0");
  lua_createtable(L, (int)n, 0);
  for (lua_Integer i = 1; i <= n; i++) {
    lua_pushnumber(L, rng_uniform(r));
    lua_rawseti(L, -2, i);
  }
  return 1;
}

/// rng:below(n) -> integer in [0, n)
static int l_rng_below(lua_State *L) {
  Rng *r = luaL_checkudata(L, 1, RNG_MT);
  lua_Integer n = luaL_checkinteger(L, 2);
  luaL_argcheck(L, n > 0, 2, "bound must be > 0");
  lua_pushinteger(L, (lua_Integer)rng_below(r, (uint64_t)n));
  return 1;
}

static int l_rng_normal(lua_State *L) {
  lua_pushnumber(L, rng_normal(luaL_checkudata(L, 1, RNG_MT)));
  return 1;
}

/// rng:state() -> string (64 hex digits)
static int l_rng_state(lua_State *L) {
  l_push_rng_state(L, ((Rng *)luaL_checkudata(L, 1, RNG_MT))->s);
  return 1;
}

/// rng:restore(state)
static int l_rng_restore(lua_State *L) {
  Rng *r = luaL_checkudata(L, 1, RNG_MT);
  l_check_rng_state(L, 2, r->s);
  return 0;
}

// ---- hpo.Sobol ----

typedef struct {
  QmcSobol *q;
} LSobol;

static LSobol *check_sobol(lua_State *L) {
  LSobol *s = luaL_checkudata(L, 1, SOBOL_MT);
  if (!s->q) luaL_error(L, "sobol generator is closed");
  return s;
}

/// core.sobol(dim, seed, scramble) -> hpo.Sobol
static int l_sobol_new(lua_State *L) {
  int dim = (int)luaL_checkinteger(L, 1);
  luaL_argcheck(L, dim >= 1 && dim <= qmc_max_dim(), 1, "dimension out of range");
  QmcOptions o = qmc_defaults();
  o.seed = check_seed(L, 2);
  o.scramble = lua_isnoneornil(L, 3) ? 1 : lua_toboolean(L, 3);
  LSobol *s = lua_newuserdatauv(L, sizeof *s, 0);
  s->q = NULL;
  luaL_setmetatable(L, SOBOL_MT);
  int status = qmc_new(&s->q, dim, &o);
  if (status != HPO_OK) return l_status_error(L, status, "sobol");
  return 1;
}

static int l_sobol_close(lua_State *L) {
  LSobol *s = luaL_checkudata(L, 1, SOBOL_MT);
  qmc_free(s->q);
  s->q = NULL;
  return 0;
}

/// sobol:next() -> {u1..ud}
static int l_sobol_next(lua_State *L) {
  LSobol *s = check_sobol(L);
  int d = qmc_dim(s->q);
  double *x = lua_newuserdatauv(L, sizeof(double) * (size_t)d, 0);
  int status = qmc_next(s->q, x);
  if (status != HPO_OK) return l_status_error(L, status, "sobol");
  l_pushvector(L, x, d);
  return 1;
}

static int l_sobol_index(lua_State *L) {
  lua_pushinteger(L, (lua_Integer)qmc_index(check_sobol(L)->q));
  return 1;
}

static int l_sobol_seek(lua_State *L) {
  LSobol *s = check_sobol(L);
  lua_Integer i = luaL_checkinteger(L, 2);
  luaL_argcheck(L, i >= 0, 2, "index must be >= 0");
  int status = qmc_seek(s->q, (uint64_t)i);
  if (status != HPO_OK) return l_status_error(L, status, "sobol seek");
  return 0;
}

// ---- hpo.Grid ----

typedef struct {
  Grid *g;
  int dim;
} LGrid;

static LGrid *check_grid(lua_State *L) {
  LGrid *g = luaL_checkudata(L, 1, GRID_MT);
  if (!g->g) luaL_error(L, "grid is closed");
  return g;
}

/// core.grid({size, ...}, seed, shuffle) -> hpo.Grid, or nil, message when too large
static int l_grid_new(lua_State *L) {
  int n;
  double *sz = l_checkvector(L, 1, &n);
  luaL_argcheck(L, n >= 1, 1, "a grid needs at least one dimension");
  uint64_t *sizes = lua_newuserdatauv(L, sizeof(uint64_t) * (size_t)n, 0);
  for (int j = 0; j < n; j++) {
    luaL_argcheck(L, sz[j] >= 1, 1, "grid sizes must be >= 1");
    sizes[j] = (uint64_t)sz[j];
  }
  GridOptions o = grid_defaults();
  o.seed = check_seed(L, 2);
  o.shuffle = lua_isnoneornil(L, 3) ? 1 : lua_toboolean(L, 3);
  LGrid *g = lua_newuserdatauv(L, sizeof *g, 0);
  g->g = NULL;
  g->dim = n;
  luaL_setmetatable(L, GRID_MT);
  int status = grid_new(&g->g, n, sizes, &o);
  if (status == HPO_ERANGE) {
    lua_pushnil(L);
    lua_pushstring(L, "the grid has more than 2^62 points");
    return 2;
  }
  if (status != HPO_OK) return l_status_error(L, status, "grid");
  return 1;
}

static int l_grid_close(lua_State *L) {
  LGrid *g = luaL_checkudata(L, 1, GRID_MT);
  grid_free(g->g);
  g->g = NULL;
  return 0;
}

static int l_grid_total(lua_State *L) {
  lua_pushinteger(L, (lua_Integer)grid_total(check_grid(L)->g));
  return 1;
}

/// grid:point(k) -> {i1..id} (0-based indices) for 0 <= k < total
static int l_grid_point(lua_State *L) {
  LGrid *g = check_grid(L);
  lua_Integer k = luaL_checkinteger(L, 2);
  luaL_argcheck(L, k >= 0 && (uint64_t)k < grid_total(g->g), 2, "grid position out of range");
  uint64_t *idx = lua_newuserdatauv(L, sizeof(uint64_t) * (size_t)g->dim, 0);
  grid_point(g->g, (uint64_t)k, idx);
  lua_createtable(L, g->dim, 0);
  for (int j = 0; j < g->dim; j++) {
    lua_pushinteger(L, (lua_Integer)idx[j]);
    lua_rawseti(L, -2, j + 1);
  }
  return 1;
}

void l_sampler_register(lua_State *L) {
  static const luaL_Reg rng_methods[] = {
      {"uniform", l_rng_uniform}, {"below", l_rng_below},     {"normal", l_rng_normal},
      {"state", l_rng_state},     {"restore", l_rng_restore}, {NULL, NULL},
  };
  static const luaL_Reg sobol_methods[] = {
      {"next", l_sobol_next},
      {"index", l_sobol_index},
      {"seek", l_sobol_seek},
      {"close", l_sobol_close},
      {"__gc", l_sobol_close},
      {"__close", l_sobol_close},
      {NULL, NULL},
  };
  static const luaL_Reg grid_methods[] = {
      {"total", l_grid_total}, {"point", l_grid_point},   {"close", l_grid_close},
      {"__gc", l_grid_close},  {"__close", l_grid_close}, {NULL, NULL},
  };
  l_newclass(L, RNG_MT, rng_methods);
  l_newclass(L, SOBOL_MT, sobol_methods);
  l_newclass(L, GRID_MT, grid_methods);
  static const luaL_Reg funcs[] = {
      {"rng", l_rng_new},      {"sobol", l_sobol_new}, {"grid", l_grid_new},
      {"sobol_max_dim", NULL}, {NULL, NULL},
  };
  luaL_setfuncs(L, funcs, 0);
  lua_pushinteger(L, qmc_max_dim());
  lua_setfield(L, -2, "sobol_max_dim");
}
