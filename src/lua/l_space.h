#ifndef HPO_LUA_SPACE_H
#define HPO_LUA_SPACE_H

#include <lua.h>

#include "../core/space.h"

/// The dimensions of the hpo.Space at idx (raises if it is not one); *n gets their count.
const SpaceDim *l_space_check(lua_State *L, int idx, int *n);

#endif
