/// Shared helpers of the Lua bindings (src/lua/): vectors as Lua arrays, classes, errors.
#ifndef HPO_LUA_UTIL_H
#define HPO_LUA_UTIL_H

#include <lauxlib.h>
#include <lua.h>
#include <stddef.h>
#include <stdint.h>

/// Register a class: a metatable named `name` with methods (and __index to itself).
void l_newclass(lua_State *L, const char *name, const luaL_Reg *methods);
/// Read the array at idx into a freshly allocated double[*n]; raises on non-numbers.
/// The buffer lives in a userdata left on the stack top (so it is freed on error): a binding
/// with optional arguments calls lua_settop(L, nargs) first, so an absent one reads nil
/// rather than such a buffer.
double *l_checkvector(lua_State *L, int idx, int *n);
/// A list of points at idx (nil or empty: none) as one row-major block in a userdata left on
/// the stack top; *dim is their number of coordinates (0: taken from the first point).
double *l_check_rows(lua_State *L, int idx, int *dim, int *m);
/// Push a Lua array of n doubles (NaN stays NaN).
void l_pushvector(lua_State *L, const double *x, int n);
/// Raise a Lua error for a failed engine status with the given context.
int l_status_error(lua_State *L, int status, const char *what);
/// Push a 256-bit random state as 64 hex digits (the form samplers save).
void l_push_rng_state(lua_State *L, const uint64_t s[4]);
/// Read a state pushed by l_push_rng_state from the string at idx (raises if malformed).
void l_check_rng_state(lua_State *L, int idx, uint64_t s[4]);
/// Push n doubles as one string of exact hexadecimal floats (the form engine states save).
void l_push_doubles(lua_State *L, const double *x, int n);
/// Read the doubles of a string pushed by l_push_doubles at idx into a buffer left on the
/// stack top (as l_checkvector); *n is how many there were.
double *l_check_doubles(lua_State *L, int idx, int *n);
/// Optional integer field of the table at idx, or def.
lua_Integer l_optfield_int(lua_State *L, int idx, const char *key, lua_Integer def);
/// Optional number field of the table at idx, or def.
lua_Number l_optfield_num(lua_State *L, int idx, const char *key, lua_Number def);
/// Optional boolean field of the table at idx, or def.
int l_optfield_bool(lua_State *L, int idx, const char *key, int def);

// Each subsystem adds its functions to the module table on the stack top.
void l_space_register(lua_State *L);
void l_sampler_register(lua_State *L);
void l_store_register(lua_State *L);
void l_pool_register(lua_State *L);
void l_tpe_register(lua_State *L);
void l_cmaes_register(lua_State *L);
void l_pg_register(lua_State *L);
void l_gp_register(lua_State *L);
void l_nsga2_register(lua_State *L);
void l_fanova_register(lua_State *L);
void l_sys_register(lua_State *L);

#endif
