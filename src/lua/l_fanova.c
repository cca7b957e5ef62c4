// Binding of src/core/fanova: parameter importance for `hpolua importance` and Lua code.
#include "../core/fanova.h"
#include "../core/status.h"
#include "l_util.h"

/// core.importance({{x1, ..., xd}, ...} in [0, 1], {y, ...}, {seed, trees}) -> {imp_1, ...}
static int l_importance(lua_State *L) {
  lua_settop(L, 3);
  int d = 0, n, ny;
  double *y = l_checkvector(L, 2, &ny);
  double *X = l_check_rows(L, 1, &d, &n);
  if (n != ny) return luaL_error(L, "importance: %d points and %d values", n, ny);
  if (n < 2 || d < 1) return luaL_error(L, "importance: needs at least 2 points");
  FanovaOptions o = fanova_defaults();
  if (lua_istable(L, 3)) {
    o.seed = (uint64_t)l_optfield_int(L, 3, "seed", 0);
    o.trees = (int)l_optfield_int(L, 3, "trees", o.trees);
    if (o.trees < 1) return luaL_error(L, "importance: trees must be >= 1");
  }
  double *imp = lua_newuserdatauv(L, sizeof(double) * (size_t)d, 0);
  int st = fanova_importance(X, y, n, d, &o, imp);
  if (st != HPO_OK) return l_status_error(L, st, "importance");
  l_pushvector(L, imp, d);
  return 1;
}

void l_fanova_register(lua_State *L) {
  lua_pushcfunction(L, l_importance);
  lua_setfield(L, -2, "importance");
}
