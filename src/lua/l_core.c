// The hpo.core module: every binding in one table. Loaded by require('hpo.core') from the
// shared object hpo/core.so, or preloaded by the hpolua host.
#include "l_core.h"

#include "l_util.h"

int luaopen_hpo_core(lua_State *L) {
  lua_newtable(L);
  l_space_register(L);
  l_sampler_register(L);
  l_store_register(L);
  l_pool_register(L);
  l_tpe_register(L);
  l_cmaes_register(L);
  l_pg_register(L);
  l_gp_register(L);
  l_nsga2_register(L);
  l_fanova_register(L);
  l_sys_register(L);
  lua_pushstring(L, HPO_VERSION);
  lua_setfield(L, -2, "version");
  return 1;
}
