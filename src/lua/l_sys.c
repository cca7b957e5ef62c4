// Small OS helpers the Lua runtime needs and the Lua standard library lacks.
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include "l_util.h"

/// core.now() -> Unix time in seconds, with sub-second precision
static int l_sys_now(lua_State *L) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  lua_pushnumber(L, (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec);
  return 1;
}

/// core.monotonic() -> seconds on a clock that never jumps
static int l_sys_monotonic(lua_State *L) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  lua_pushnumber(L, (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec);
  return 1;
}

/// core.isatty(fd) -> boolean
static int l_sys_isatty(lua_State *L) {
  lua_pushboolean(L, isatty((int)luaL_checkinteger(L, 1)));
  return 1;
}

/// core.getpid() -> integer
static int l_sys_getpid(lua_State *L) {
  lua_pushinteger(L, (lua_Integer)getpid());
  return 1;
}

// Ctrl-C, the way lua.c handles it: the signal handler only arms a hook, and the hook raises
// the error from inside the interpreter, where it is safe. A second signal is fatal.
static lua_State *g_state;
static volatile sig_atomic_t g_interrupted;

static void stop_hook(lua_State *L, lua_Debug *ar) {
  (void)ar;
  lua_sethook(L, NULL, 0, 0);
  luaL_error(L, "interrupted");
}

static void on_signal(int sig) {
  signal(sig, SIG_DFL);
  g_interrupted = 1;
  if (g_state) lua_sethook(g_state, stop_hook, LUA_MASKCALL | LUA_MASKRET | LUA_MASKCOUNT, 1);
}

/// core.trap_interrupt() arms SIGINT and SIGTERM for the calling (main) state.
static int l_sys_trap_interrupt(lua_State *L) {
  lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_MAINTHREAD);
  g_state = lua_tothread(L, -1);
  lua_pop(L, 1);
  g_interrupted = 0;
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  return 0;
}

/// core.interrupted() -> boolean: whether SIGINT or SIGTERM arrived since trap_interrupt().
static int l_sys_interrupted(lua_State *L) {
  lua_pushboolean(L, g_interrupted);
  return 1;
}

void l_sys_register(lua_State *L) {
  static const luaL_Reg funcs[] = {
      {"now", l_sys_now},
      {"monotonic", l_sys_monotonic},
      {"isatty", l_sys_isatty},
      {"getpid", l_sys_getpid},
      {"trap_interrupt", l_sys_trap_interrupt},
      {"interrupted", l_sys_interrupted},
      {NULL, NULL},
  };
  luaL_setfuncs(L, funcs, 0);
}
