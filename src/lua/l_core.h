#ifndef HPO_LUA_CORE_H
#define HPO_LUA_CORE_H

#include <lua.h>

#ifndef HPO_VERSION
#define HPO_VERSION "0.1.0"
#endif

/// Open the hpo.core module (all bindings) and push its table.
int luaopen_hpo_core(lua_State *L);

#endif
