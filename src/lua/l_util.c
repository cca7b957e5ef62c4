#include "l_util.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/status.h"

void l_newclass(lua_State *L, const char *name, const luaL_Reg *methods) {
  luaL_newmetatable(L, name);  // [mt]
  luaL_setfuncs(L, methods, 0);
  lua_pushvalue(L, -1);
  lua_setfield(L, -2, "__index");
  lua_pop(L, 1);
}

double *l_checkvector(lua_State *L, int idx, int *n) {
  idx = lua_absindex(L, idx);
  luaL_checktype(L, idx, LUA_TTABLE);
  lua_Integer len = luaL_len(L, idx);
  double *x = lua_newuserdatauv(L, sizeof(double) * (size_t)(len > 0 ? len : 1), 0);
  for (lua_Integer i = 1; i <= len; i++) {
    lua_rawgeti(L, idx, i);
    int ok;
    x[i - 1] = lua_tonumberx(L, -1, &ok);
    if (!ok) luaL_error(L, "element %d of the vector is not a number", (int)i);
    lua_pop(L, 1);
  }
  *n = (int)len;
  return x;
}

void l_pushvector(lua_State *L, const double *x, int n) {
  lua_createtable(L, n, 0);
  for (int i = 0; i < n; i++) {
    lua_pushnumber(L, x[i]);
    lua_rawseti(L, -2, i + 1);
  }
}

int l_status_error(lua_State *L, int status, const char *what) {
  return luaL_error(L, "%s: %s", what, hpo_strerror(status));
}

lua_Integer l_optfield_int(lua_State *L, int idx, const char *key, lua_Integer def) {
  lua_getfield(L, idx, key);
  lua_Integer v = lua_isnil(L, -1) ? def : lua_tointeger(L, -1);
  lua_pop(L, 1);
  return v;
}

lua_Number l_optfield_num(lua_State *L, int idx, const char *key, lua_Number def) {
  lua_getfield(L, idx, key);
  lua_Number v = lua_isnil(L, -1) ? def : lua_tonumber(L, -1);
  lua_pop(L, 1);
  return v;
}

int l_optfield_bool(lua_State *L, int idx, const char *key, int def) {
  lua_getfield(L, idx, key);
  int v = lua_isnil(L, -1) ? def : lua_toboolean(L, -1);
  lua_pop(L, 1);
  return v;
}

void l_push_rng_state(lua_State *L, const uint64_t s[4]) {
  char buf[65];
  for (int i = 0; i < 4; i++) snprintf(buf + 16 * i, 17, "%016" PRIx64, s[i]);
  lua_pushlstring(L, buf, 64);
}

void l_push_doubles(lua_State *L, const double *x, int n) {
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  char num[64];
  for (int i = 0; i < n; i++) {
    snprintf(num, sizeof num, i ? " %a" : "%a", x[i]);
    luaL_addstring(&b, num);
  }
  luaL_pushresult(&b);
}

double *l_check_doubles(lua_State *L, int idx, int *n) {
  const char *str = luaL_checkstring(L, idx);
  // One pass to count (the numbers are separated by single spaces), one to read.
  int count = *str ? 1 : 0;
  for (const char *p = str; *p; p++) count += *p == ' ';
  double *x = lua_newuserdatauv(L, sizeof(double) * (size_t)(count + 1), 0);
  int k = 0;
  char *end;
  for (const char *p = str; k < count; k++, p = end) {
    x[k] = strtod(p, &end);
    if (end == p) break;
  }
  *n = k;
  return x;
}

void l_check_rng_state(lua_State *L, int idx, uint64_t s[4]) {
  size_t len;
  const char *str = luaL_checklstring(L, idx, &len);
  uint64_t tmp[4];
  int ok = len == 64;
  for (int i = 0; ok && i < 4; i++) {
    char part[17];
    memcpy(part, str + 16 * i, 16);
    part[16] = '\0';
    ok = sscanf(part, "%16" SCNx64, &tmp[i]) == 1;
  }
  luaL_argcheck(L, ok, idx, "not a saved random state");
  memcpy(s, tmp, sizeof tmp);
}

double *l_check_rows(lua_State *L, int idx, int *dim, int *m) {
  int rows = lua_istable(L, idx) ? (int)luaL_len(L, idx) : 0;
  if (*dim == 0 && rows > 0) {
    lua_rawgeti(L, idx, 1);
    if (!lua_istable(L, -1)) luaL_argerror(L, idx, "expected a list of points (tables)");
    *dim = (int)luaL_len(L, -1);
    lua_pop(L, 1);
    if (*dim < 1) luaL_argerror(L, idx, "points need at least one coordinate");
  }
  double *X = lua_newuserdatauv(L, sizeof(double) * ((size_t)rows * (size_t)*dim + 1), 0);
  for (int r = 0; r < rows; r++) {
    lua_rawgeti(L, idx, r + 1);
    int n;
    double *x = l_checkvector(L, lua_gettop(L), &n);
    if (n != *dim) luaL_error(L, "point %d has %d coordinates, expected %d", r + 1, n, *dim);
    memcpy(X + (size_t)r * *dim, x, sizeof(double) * (size_t)n);
    lua_pop(L, 2);  // the point and its buffer
  }
  *m = rows;
  return X;
}
