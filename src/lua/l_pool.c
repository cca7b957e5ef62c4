// Bindings of src/event: hpo.Pool, the trial process pool. Events come back as tables from
// pool:next() / pool:events(); C never calls Lua from inside the loop.
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "../event/pool.h"
#include "l_util.h"

#define POOL_MT "hpo.Pool"

typedef struct {
  Pool *p;
} LPool;

static Pool *check_pool(lua_State *L) {
  LPool *lp = luaL_checkudata(L, 1, POOL_MT);
  if (!lp->p) luaL_error(L, "pool is closed");
  return lp->p;
}

/// core.pool({grace = seconds, max_line = bytes, signals = bool}) -> hpo.Pool
static int l_pool_new(lua_State *L) {
  PoolOptions o = pool_defaults();
  if (lua_istable(L, 1)) {
    o.grace_ms = (int)(1000 * l_optfield_num(L, 1, "grace", o.grace_ms / 1000.0));
    o.max_line = (size_t)l_optfield_int(L, 1, "max_line", (lua_Integer)o.max_line);
    o.signals = l_optfield_bool(L, 1, "signals", o.signals);
  }
  LPool *lp = lua_newuserdatauv(L, sizeof *lp, 0);
  lp->p = NULL;
  luaL_setmetatable(L, POOL_MT);
  int status = pool_new(&lp->p, &o);
  if (status != 0) {
    lua_pushnil(L);
    lua_pushfstring(L, "cannot start the process pool: %s", uv_strerror(status));
    return 2;
  }
  return 1;
}

static int l_pool_close(lua_State *L) {
  LPool *lp = luaL_checkudata(L, 1, POOL_MT);
  pool_close(lp->p);
  lp->p = NULL;
  return 0;
}

// Strings of the array field `key` of the table at idx, NULL-terminated, in a userdata
// pushed on the stack (freed with it).
static const char **string_array(lua_State *L, int idx, const char *key) {
  lua_getfield(L, idx, key);  // [..., arr]
  int n = lua_istable(L, -1) ? (int)luaL_len(L, -1) : 0;
  const char **a = lua_newuserdatauv(L, sizeof(char *) * (size_t)(n + 1), 1);
  lua_pushvalue(L, -2);
  lua_setiuservalue(L, -2, 1);  // keep the strings alive with the array
  for (int i = 0; i < n; i++) {
    lua_rawgeti(L, -2, i + 1);
    a[i] = lua_tostring(L, -1);
    if (!a[i]) luaL_error(L, "%s[%d] must be a string", key, i + 1);
    lua_pop(L, 1);
  }
  a[n] = NULL;
  lua_remove(L, -2);  // [..., ud]
  return a;
}

static const char *opt_string_field(lua_State *L, int idx, const char *key) {
  lua_getfield(L, idx, key);
  const char *s = lua_tostring(L, -1);  // stays alive: the spec table holds it
  lua_pop(L, 1);
  return s;
}

/// pool:spawn(tag, {argv = {...}, env = {"K=V", ...}, cwd =, stdout =, stderr =,
///   timeout = seconds}) -> true | nil, message, code ('ENOENT', ...)
static int l_pool_spawn(lua_State *L) {
  Pool *p = check_pool(L);
  lua_Integer tag = luaL_checkinteger(L, 2);
  luaL_checktype(L, 3, LUA_TTABLE);
  const char **argv = string_array(L, 3, "argv");
  luaL_argcheck(L, argv[0] != NULL, 3, "argv must name a program");
  const char **env = string_array(L, 3, "env");
  PoolSpawn s = {
      .argv = argv,
      .env_add = env,
      .cwd = opt_string_field(L, 3, "cwd"),
      .stdout_path = opt_string_field(L, 3, "stdout"),
      .stderr_path = opt_string_field(L, 3, "stderr"),
      .timeout_ms = (int)(1000 * l_optfield_num(L, 3, "timeout", 0)),
  };
  int status = pool_spawn(p, tag, &s);
  if (status != 0) {
    lua_pushnil(L);
    lua_pushstring(L, status == UV_ENOENT    ? "no such file or directory"
                      : *pool_errmsg(p)      ? pool_errmsg(p)
                                             : uv_strerror(status));
    lua_pushstring(L, uv_err_name(status));
    return 3;
  }
  lua_pushboolean(L, 1);
  return 1;
}

static int tag_op(lua_State *L, int (*op)(Pool *, int64_t)) {
  Pool *p = check_pool(L);
  lua_pushboolean(L, op(p, luaL_checkinteger(L, 2)) == 0);
  return 1;
}

/// pool:stop(tag) -> bool: SIGTERM to its group, SIGKILL after the grace period
static int l_pool_stop(lua_State *L) { return tag_op(L, pool_stop); }
/// pool:kill(tag) -> bool: SIGKILL to its group now
static int l_pool_kill(lua_State *L) { return tag_op(L, pool_kill); }

static int l_pool_running(lua_State *L) {
  lua_pushinteger(L, pool_running(check_pool(L)));
  return 1;
}

static const char *signal_name(int sig) {
  switch (sig) {
    case SIGINT: return "SIGINT";
    case SIGTERM: return "SIGTERM";
    case SIGKILL: return "SIGKILL";
    case SIGSEGV: return "SIGSEGV";
    case SIGABRT: return "SIGABRT";
    case SIGBUS: return "SIGBUS";
    case SIGFPE: return "SIGFPE";
    case SIGILL: return "SIGILL";
    case SIGPIPE: return "SIGPIPE";
    case SIGHUP: return "SIGHUP";
    default: return NULL;
  }
}

static void push_signal(lua_State *L, int sig) {
  const char *name = signal_name(sig);
  if (name) lua_pushstring(L, name);
  else lua_pushfstring(L, "signal %d", sig);
}

/// pool:next(timeout_seconds) -> event | nil (timeout). Events:
///   {type = 'report', tag =, line =, overlong = bool}
///   {type = 'exit', tag =, code = int | nil, signal = 'SIGSEGV' | nil, timed_out = bool,
///    stopped = bool, seconds =}
///   {type = 'signal', signal = 'SIGINT' | 'SIGTERM'}
static int l_pool_next(lua_State *L) {
  Pool *p = check_pool(L);
  double t = luaL_optnumber(L, 2, -1);
  PoolEvent ev;
  int r = pool_next(p, t < 0 ? -1 : (int)(t * 1000), &ev);
  if (r != 1) {
    lua_pushnil(L);
    return 1;
  }
  lua_createtable(L, 0, 6);
  lua_pushinteger(L, ev.tag);
  lua_setfield(L, -2, "tag");
  switch (ev.type) {
    case POOL_EV_REPORT:
      lua_pushliteral(L, "report");
      lua_setfield(L, -2, "type");
      lua_pushlstring(L, ev.line ? ev.line : "", ev.line ? ev.len : 0);
      lua_setfield(L, -2, "line");
      lua_pushboolean(L, ev.overlong);
      lua_setfield(L, -2, "overlong");
      break;
    case POOL_EV_EXIT:
      lua_pushliteral(L, "exit");
      lua_setfield(L, -2, "type");
      if (ev.term_signal) {
        push_signal(L, ev.term_signal);
        lua_setfield(L, -2, "signal");
      } else {
        lua_pushinteger(L, ev.exit_status);
        lua_setfield(L, -2, "code");
      }
      lua_pushboolean(L, ev.timed_out);
      lua_setfield(L, -2, "timed_out");
      lua_pushboolean(L, ev.stopped);
      lua_setfield(L, -2, "stopped");
      lua_pushnumber(L, ev.seconds);
      lua_setfield(L, -2, "seconds");
      break;
    case POOL_EV_SIGNAL:
      lua_pushliteral(L, "signal");
      lua_setfield(L, -2, "type");
      push_signal(L, ev.term_signal);
      lua_setfield(L, -2, "signal");
      break;
  }
  pool_event_clear(&ev);
  return 1;
}

// The iterator of pool:events(): upvalues are the pool and the timeout.
static int l_pool_events_step(lua_State *L) {
  lua_settop(L, 0);
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_pushvalue(L, lua_upvalueindex(2));
  return l_pool_next(L);
}

/// for ev in pool:events(timeout) do ... end: events until one timeout passes without any
static int l_pool_events(lua_State *L) {
  check_pool(L);
  lua_pushvalue(L, 1);
  lua_pushnumber(L, luaL_optnumber(L, 2, -1));
  lua_pushcclosure(L, l_pool_events_step, 2);
  return 1;
}

void l_pool_register(lua_State *L) {
  static const luaL_Reg methods[] = {
      {"spawn", l_pool_spawn},     {"stop", l_pool_stop},     {"kill", l_pool_kill},
      {"running", l_pool_running}, {"next", l_pool_next},     {"events", l_pool_events},
      {"close", l_pool_close},     {"__gc", l_pool_close},    {"__close", l_pool_close},
      {NULL, NULL},
  };
  l_newclass(L, POOL_MT, methods);
  lua_pushcfunction(L, l_pool_new);
  lua_setfield(L, -2, "pool");
}
