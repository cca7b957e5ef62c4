// Small OS helpers the Lua runtime needs and the Lua standard library lacks.
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

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

// Push the path a libuv getter (uv_exepath, uv_cwd) writes; nothing when it fails.
static int push_uv_path(lua_State *L, int (*get)(char *, size_t *)) {
  char buf[4096];
  size_t size = sizeof buf;
  if (get(buf, &size) != 0) return 0;
  lua_pushlstring(L, buf, size);
  return 1;
}

/// core.exepath() -> absolute path of the running executable
static int l_sys_exepath(lua_State *L) { return push_uv_path(L, uv_exepath); }

/// core.cwd() -> the current working directory
static int l_sys_cwd(lua_State *L) { return push_uv_path(L, uv_cwd); }

// mkdir -p: the directory itself first (its parents usually exist), then its parents.
static int mkdir_parents(char *p, size_t len) {
  if (mkdir(p, 0755) == 0 || errno == EEXIST) return 0;
  if (errno != ENOENT) return -1;
  size_t cut = len;
  while (cut > 0 && p[cut - 1] != '/') cut--;
  while (cut > 0 && p[cut - 1] == '/') cut--;
  if (cut == 0) return -1;
  p[cut] = '\0';
  int r = mkdir_parents(p, cut);
  p[cut] = '/';
  if (r != 0) return r;
  return mkdir(p, 0755) == 0 || errno == EEXIST ? 0 : -1;
}

/// core.mkdir_p(path) -> true | nil, message: create a directory and its parents
static int l_sys_mkdir_p(lua_State *L) {
  size_t len;
  const char *path = luaL_checklstring(L, 1, &len);
  char *p = lua_newuserdatauv(L, len + 1, 0);
  memcpy(p, path, len + 1);
  while (len > 1 && p[len - 1] == '/') p[--len] = '\0';
  if (mkdir_parents(p, len) != 0) {
    lua_pushnil(L);
    lua_pushfstring(L, "cannot create %s: %s", path, strerror(errno));
    return 2;
  }
  lua_pushboolean(L, 1);
  return 1;
}

// Copy the tree src into dst (created; files overwritten) with libuv's synchronous fs calls.
// Returns 0 or a libuv error code.
static int copy_tree(const char *src, const char *dst) {
  uv_fs_t req;
  int r = uv_fs_mkdir(NULL, &req, dst, 0755, NULL);
  uv_fs_req_cleanup(&req);
  if (r < 0 && r != UV_EEXIST) return r;
  r = uv_fs_scandir(NULL, &req, src, 0, NULL);
  if (r < 0) {
    uv_fs_req_cleanup(&req);
    return r;
  }
  uv_dirent_t ent;
  int status = 0;
  while (status == 0 && uv_fs_scandir_next(&req, &ent) != UV_EOF) {
    size_t ls = strlen(src) + strlen(ent.name) + 2, ld = strlen(dst) + strlen(ent.name) + 2;
    char *a = malloc(ls), *b = malloc(ld);
    if (!a || !b) {
      status = UV_ENOMEM;
    } else {
      snprintf(a, ls, "%s/%s", src, ent.name);
      snprintf(b, ld, "%s/%s", dst, ent.name);
      if (ent.type == UV_DIRENT_DIR) {
        status = copy_tree(a, b);
      } else {
        uv_fs_t c;
        status = uv_fs_copyfile(NULL, &c, a, b, 0, NULL);
        uv_fs_req_cleanup(&c);
      }
    }
    free(a);
    free(b);
  }
  uv_fs_req_cleanup(&req);
  return status;
}

/// core.copy_tree(src, dst) -> true | nil, message: copy a directory (a checkpoint) and
/// everything below it
static int l_sys_copy_tree(lua_State *L) {
  const char *src = luaL_checkstring(L, 1), *dst = luaL_checkstring(L, 2);
  int r = copy_tree(src, dst);
  if (r < 0) {
    lua_pushnil(L);
    lua_pushfstring(L, "cannot copy %s to %s: %s", src, dst, uv_strerror(r));
    return 2;
  }
  lua_pushboolean(L, 1);
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
      {"exepath", l_sys_exepath},
      {"cwd", l_sys_cwd},
      {"mkdir_p", l_sys_mkdir_p},
      {"copy_tree", l_sys_copy_tree},
      {"trap_interrupt", l_sys_trap_interrupt},
      {"interrupted", l_sys_interrupted},
      {NULL, NULL},
  };
  luaL_setfuncs(L, funcs, 0);
}
