/// The trial process pool (DESIGN.md sections 1 and 5): trials run as subprocesses on a libuv
/// loop, each in its own process group, with its report pipe as fd 3 and its stdout/stderr
/// written straight to log files (so the parent's memory stays bounded whatever a trial
/// prints). Events (report lines, exits, signals) are queued and pulled with pool_next();
/// nothing here calls back into Lua. Functions return 0 or a negative libuv/HPO status.
#ifndef HPO_EVENT_POOL_H
#define HPO_EVENT_POOL_H

#include <stddef.h>
#include <stdint.h>

typedef struct Pool Pool;

typedef struct {
  int grace_ms;     ///< SIGTERM, then SIGKILL after this long (default 10000)
  size_t max_line;  ///< longest report line kept (default 1 MiB); longer ones are flagged
  int signals;      ///< watch SIGINT and SIGTERM and queue them as events (default 1)
} PoolOptions;

typedef struct {
  const char *const *argv;     ///< program and arguments; argv[0] is looked up in PATH
  const char *const *env_add;  ///< "NAME=value" strings added to (or replacing in) environ
  const char *cwd;             ///< working directory, or NULL
  const char *stdout_path;     ///< file the child's stdout is appended to, or NULL (/dev/null)
  const char *stderr_path;     ///< likewise for stderr
  int timeout_ms;              ///< stop the trial after this long; 0: no timeout
} PoolSpawn;

typedef enum {
  POOL_EV_REPORT = 1,  ///< a line on fd 3
  POOL_EV_EXIT = 2,    ///< a trial's process ended (its report pipe fully read)
  POOL_EV_SIGNAL = 3,  ///< hpolua got SIGINT or SIGTERM
} PoolEventType;

typedef struct {
  PoolEventType type;
  int64_t tag;         ///< the tag given to pool_spawn
  char *line;          ///< REPORT: the line without its newline (owned by the event)
  size_t len;
  int overlong;        ///< REPORT: the line exceeded max_line and was cut
  int64_t exit_status; ///< EXIT: exit code (when term_signal is 0)
  int term_signal;     ///< EXIT: the signal that ended it, or 0; SIGNAL: the signal
  int timed_out;       ///< EXIT: stopped because its timeout passed
  int stopped;         ///< EXIT: stopped by pool_stop() or pool_kill()
  double seconds;      ///< EXIT: wall time from spawn to exit
} PoolEvent;

PoolOptions pool_defaults(void);
int pool_new(Pool **out, const PoolOptions *opt);
/// Stop every running trial at once (SIGKILL to each group), wait for them, close all
/// handles and free the pool.
void pool_close(Pool *p);
/// Start a trial. Fails with a negative libuv code (UV_ENOENT for a missing program) and
/// nothing started.
int pool_spawn(Pool *p, int64_t tag, const PoolSpawn *spec);
/// SIGTERM to the trial's process group, then SIGKILL after the grace period.
int pool_stop(Pool *p, int64_t tag);
/// SIGKILL to the trial's process group now.
int pool_kill(Pool *p, int64_t tag);
/// Trials started and not yet reported as exited.
int pool_running(const Pool *p);
/// Wait up to timeout_ms (< 0: forever) for an event. Returns 1 with *ev filled (free it
/// with pool_event_clear), 0 on timeout, or a negative status.
int pool_next(Pool *p, int timeout_ms, PoolEvent *ev);
void pool_event_clear(PoolEvent *ev);
/// Last error message (for failures that are not libuv codes).
const char *pool_errmsg(const Pool *p);

#endif
