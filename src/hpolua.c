// hpolua: the host program, shaped like lua.c. main() creates the state and runs pmain()
// through lua_pcall with a traceback handler; pmain() opens the libraries, preloads the
// hpo modules embedded in the binary and hands argv to hpo.cli, which returns the exit code.
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "hpo_embedded.h"
#include "core/linalg.h"
#include "lua/l_core.h"

static const char *progname = "hpolua";

// Message handler: add a traceback to errors that are not already a formatted study error.
static int msghandler(lua_State *L) {
  const char *msg = lua_tostring(L, 1);
  if (msg == NULL) {
    if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING) return 1;
    msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
  }
  luaL_traceback(L, L, msg, 1);
  return 1;
}

// package.preload[name] = the embedded chunk of each Lua module, so hpolua runs from any
// directory without LUA_PATH.
static void preload_embedded(lua_State *L) {
  luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);  // [preload]
  lua_pushcfunction(L, luaopen_hpo_core);
  lua_setfield(L, -2, "hpo.core");
  for (const HpoEmbedded *m = hpo_embedded; m->name; m++) {
    if (luaL_loadbufferx(L, m->data, m->len, m->chunkname, "t") != LUA_OK)
      lua_error(L);  // a broken build; the message names the module
    lua_setfield(L, -2, m->name);
  }
  lua_pop(L, 1);
}

static int pmain(lua_State *L) {
  int argc = (int)lua_tointeger(L, 1);
  char **argv = (char **)lua_touserdata(L, 2);
  luaL_checkversion(L);
  luaL_openlibs(L);
  preload_embedded(L);
  lua_createtable(L, argc, 1);  // arg, as lua.c builds it: arg[0] is the program
  for (int i = 0; i < argc; i++) {
    lua_pushstring(L, argv[i]);
    lua_rawseti(L, -2, i);
  }
  lua_setglobal(L, "arg");
  lua_getglobal(L, "require");
  lua_pushliteral(L, "hpo.cli");
  lua_call(L, 1, 1);  // [cli]
  lua_getfield(L, -1, "main");
  lua_getglobal(L, "arg");
  lua_call(L, 1, 1);  // [cli, status]
  return 1;
}

int main(int argc, char **argv) {
  if (argv[0] && argv[0][0]) progname = argv[0];
  // OpenBLAS chose its generic kernels on a CPU it does not know: start again with the
  // right ones (it reads OPENBLAS_CORETYPE only when it loads). Trials inherit the variable.
  const char *core = getenv("OPENBLAS_CORETYPE") ? NULL : la_blas_coretype_fix();
  if (core && setenv("OPENBLAS_CORETYPE", core, 1) == 0) execv("/proc/self/exe", argv);
  lua_State *L = luaL_newstate();
  if (L == NULL) {
    fprintf(stderr, "%s: cannot create state: not enough memory\n", progname);
    return 1;
  }
  lua_pushcfunction(L, msghandler);
  lua_pushcfunction(L, pmain);
  lua_pushinteger(L, argc);
  lua_pushlightuserdata(L, argv);
  int status = lua_pcall(L, 2, 1, 1);
  int code;
  if (status != LUA_OK) {
    fprintf(stderr, "%s: %s\n", progname, lua_tostring(L, -1));
    code = 1;
  } else {
    code = lua_isinteger(L, -1) ? (int)lua_tointeger(L, -1) : 0;
  }
  lua_close(L);
  return code;
}
