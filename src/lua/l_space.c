// Bindings of src/core/space: hpo.Space, the encoder between parameter values and the
// engines' encoded vectors.
#include <math.h>
#include <string.h>

#include "../core/space.h"
#include "../core/status.h"
#include "l_space.h"
#include "l_util.h"

#define SPACE_MT "hpo.Space"

typedef struct {
  int n;
  SpaceDim dims[];
} LSpace;

static const char *const kKinds[] = {"float", "int", "ordinal", "categorical", NULL};

// Read one dimension spec table {kind=, lo=, hi=, step=, log=, n=} at idx.
static void read_dim(lua_State *L, int idx, SpaceDim *d) {
  lua_getfield(L, idx, "kind");
  d->kind = (DimKind)luaL_checkoption(L, -1, NULL, kKinds);
  lua_pop(L, 1);
  d->lo = l_optfield_num(L, idx, "lo", NAN);
  d->hi = l_optfield_num(L, idx, "hi", NAN);
  d->step = l_optfield_num(L, idx, "step", 0);
  d->log = l_optfield_bool(L, idx, "log", 0);
  d->n = (int)l_optfield_int(L, idx, "n", 0);
}

/// core.check_dim(spec) -> true | false, reason
static int l_space_check_dim(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  SpaceDim d;
  read_dim(L, 1, &d);
  const char *why;
  if (space_dim_check(&d, &why) == HPO_OK) {
    lua_pushboolean(L, 1);
    return 1;
  }
  lua_pushboolean(L, 0);
  lua_pushstring(L, why);
  return 2;
}

/// core.space({spec, ...}) -> hpo.Space
static int l_space_new(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  int n = (int)luaL_len(L, 1);
  LSpace *s = lua_newuserdatauv(L, sizeof(LSpace) + sizeof(SpaceDim) * (size_t)n, 0);
  s->n = n;
  for (int j = 0; j < n; j++) {
    lua_rawgeti(L, 1, j + 1);  // [specs, ud, spec]
    luaL_argcheck(L, lua_istable(L, -1), 1, "each dimension must be a table");
    read_dim(L, lua_gettop(L), &s->dims[j]);
    const char *why;
    if (space_dim_check(&s->dims[j], &why) != HPO_OK)
      return luaL_error(L, "dimension %d: %s", j + 1, why);
    lua_pop(L, 1);
  }
  luaL_setmetatable(L, SPACE_MT);
  return 1;
}

static LSpace *check_space(lua_State *L) { return luaL_checkudata(L, 1, SPACE_MT); }

const SpaceDim *l_space_check(lua_State *L, int idx, int *n) {
  LSpace *s = luaL_checkudata(L, idx, SPACE_MT);
  *n = s->n;
  return s->dims;
}

static double *check_vec(lua_State *L, const LSpace *s, int idx) {
  int n;
  double *x = l_checkvector(L, idx, &n);
  if (n != s->n) luaL_error(L, "vector has %d elements, the space has %d dimensions", n, s->n);
  return x;
}

static int l_space_dim(lua_State *L) {
  lua_pushinteger(L, check_space(L)->n);
  return 1;
}

// Apply f to every element of the vector at 2, in place, and push the result.
static int map_vec(lua_State *L, double (*f)(const SpaceDim *, double)) {
  LSpace *s = check_space(L);
  double *x = check_vec(L, s, 2);
  for (int j = 0; j < s->n; j++) x[j] = f(&s->dims[j], x[j]);
  l_pushvector(L, x, s->n);
  return 1;
}

/// space:from_unit(u) -> x: a point of the unit cube to an encoded vector.
static int l_space_from_unit(lua_State *L) { return map_vec(L, space_from_unit); }
/// space:decode(x) -> values (0-based indices for ordinal and categorical dimensions).
static int l_space_decode(lua_State *L) { return map_vec(L, space_decode); }
/// space:encode(values) -> x
static int l_space_encode(lua_State *L) { return map_vec(L, space_encode); }

/// space:grid_sizes(n) -> {size, ...}: points per dimension, n for continuous ones.
static int l_space_grid_sizes(lua_State *L) {
  LSpace *s = check_space(L);
  int n = (int)luaL_checkinteger(L, 2);
  luaL_argcheck(L, n >= 1, 2, "grid points must be >= 1");
  lua_createtable(L, s->n, 0);
  for (int j = 0; j < s->n; j++) {
    lua_pushinteger(L, (lua_Integer)space_grid_size(&s->dims[j], n));
    lua_rawseti(L, -2, j + 1);
  }
  return 1;
}

/// space:grid_point(n, idx) -> x: the encoded vector of grid indices idx (0-based).
static int l_space_grid_point(lua_State *L) {
  LSpace *s = check_space(L);
  int n = (int)luaL_checkinteger(L, 2);
  luaL_argcheck(L, n >= 1, 2, "grid points must be >= 1");
  double *k = check_vec(L, s, 3);
  for (int j = 0; j < s->n; j++) {
    uint64_t size = space_grid_size(&s->dims[j], n);
    luaL_argcheck(L, k[j] >= 0 && k[j] < (double)size, 3, "grid index out of range");
    k[j] = space_grid_point(&s->dims[j], n, (uint64_t)k[j]);
  }
  l_pushvector(L, k, s->n);
  return 1;
}

void l_space_register(lua_State *L) {
  static const luaL_Reg methods[] = {
      {"dim", l_space_dim},
      {"from_unit", l_space_from_unit},
      {"decode", l_space_decode},
      {"encode", l_space_encode},
      {"grid_sizes", l_space_grid_sizes},
      {"grid_point", l_space_grid_point},
      {NULL, NULL},
  };
  l_newclass(L, SPACE_MT, methods);
  static const luaL_Reg funcs[] = {
      {"space", l_space_new},
      {"check_dim", l_space_check_dim},
      {NULL, NULL},
  };
  luaL_setfuncs(L, funcs, 0);
}
