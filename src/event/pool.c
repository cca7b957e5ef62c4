#define _GNU_SOURCE
#include "pool.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "watchdog.h"

extern char **environ;

// After a trial's process exits, how long its report pipe may stay open (a leftover holding
// fd 3) before the pool stops waiting for the rest of its reports.
#define DRAIN_MS 1000

typedef enum { TIMER_NONE, TIMER_TIMEOUT, TIMER_GRACE, TIMER_DRAIN } TimerPhase;

struct Trial;

// A trial's stdout or stderr: a pipe the pool drains into a log file, created on the first
// byte, so a quiet trial costs no file at all and a loud one no memory.
typedef struct {
  uv_pipe_t pipe;
  struct Trial *trial;
  char *path;  // NULL: discard
  int fd;      // -1 until the first byte
  int done;
} LogPipe;

typedef struct Trial {
  Pool *pool;
  int64_t tag;
  pid_t pid;  // the trial's process, leader of its process group
  uv_pipe_t report;
  LogPipe logs[2];
  uv_timer_t timer;
  TimerPhase phase;
  int open_handles;  // freed when the last of its four handles is closed
  int exited, eof, queued;
  int streams;  // pipes (report, stdout, stderr) not yet at end of file
  int64_t exit_status;
  int term_signal, timed_out, stopped;
  uint64_t t0;
  char *buf;  // partial report line
  size_t len, cap;
  int discarding;  // inside an overlong line: drop bytes until its newline
  struct Trial *next;
} Trial;

typedef struct EvNode {
  PoolEvent ev;
  struct EvNode *next;
} EvNode;

struct Pool {
  uv_loop_t loop;
  char *prog_name, *prog_path;  // the last program looked up in PATH, and where it was
  PoolOptions opt;
  Trial *trials;  // trials whose exit event is not yet queued
  int running;
  EvNode *head, *tail;
  uv_signal_t sig[2];
  int nsig;
  uv_signal_t chld;  // SIGCHLD: reap trials
  uv_timer_t wait;
  int waited;
  Watchdog wd;
  char err[256];
};

PoolOptions pool_defaults(void) {
  return (PoolOptions){.grace_ms = 10000, .max_line = 1 << 20, .signals = 1};
}

const char *pool_errmsg(const Pool *p) { return p->err; }
int pool_running(const Pool *p) { return p->running; }

static EvNode *push_event(Pool *p, PoolEventType type, int64_t tag) {
  EvNode *n = calloc(1, sizeof *n);
  if (!n) return NULL;  // out of memory: the event is lost, the pool goes on
  n->ev.type = type;
  n->ev.tag = tag;
  if (p->tail) p->tail->next = n;
  else p->head = n;
  p->tail = n;
  return n;
}

static void on_signal(uv_signal_t *h, int signum) {
  Pool *p = h->data;
  EvNode *n = push_event(p, POOL_EV_SIGNAL, 0);
  if (n) n->ev.term_signal = signum;
}

// ---- trial life cycle ----

static void on_trial_handle_closed(uv_handle_t *h) {
  Trial *t = h->data;
  if (--t->open_handles == 0) {
    for (int i = 0; i < 2; i++) {
      if (t->logs[i].fd >= 0) close(t->logs[i].fd);
      free(t->logs[i].path);
    }
    free(t->buf);
    free(t);
  }
}

static void close_handle(uv_handle_t *h) {
  if (!uv_is_closing(h)) uv_close(h, on_trial_handle_closed);
}

static void unlink_trial(Pool *p, Trial *t) {
  for (Trial **q = &p->trials; *q; q = &(*q)->next)
    if (*q == t) {
      *q = t->next;
      return;
    }
}

// Both the process exit and the end of its report pipe have been seen: queue the exit
// event (after every report line) and let the handles go.
static void maybe_finish(Trial *t) {
  if (!t->exited || t->streams > 0 || t->queued) return;
  Pool *p = t->pool;
  t->queued = 1;
  EvNode *n = push_event(p, POOL_EV_EXIT, t->tag);
  if (n) {
    n->ev.exit_status = t->exit_status;
    n->ev.term_signal = t->term_signal;
    n->ev.timed_out = t->timed_out;
    n->ev.stopped = t->stopped;
    n->ev.seconds = (double)(uv_hrtime() - t->t0) * 1e-9;
  }
  p->running--;
  unlink_trial(p, t);
  uv_timer_stop(&t->timer);
  close_handle((uv_handle_t *)&t->timer);
  close_handle((uv_handle_t *)&t->report);
  for (int i = 0; i < 2; i++) close_handle((uv_handle_t *)&t->logs[i].pipe);
}

static void emit_line(Trial *t, const char *s, size_t len, int overlong) {
  EvNode *n = push_event(t->pool, POOL_EV_REPORT, t->tag);
  if (!n) return;
  n->ev.line = malloc(len + 1);
  if (!n->ev.line) return;
  memcpy(n->ev.line, s, len);
  n->ev.line[len] = '\0';
  n->ev.len = len;
  n->ev.overlong = overlong;
}

static void end_of_reports(Trial *t) {
  if (t->eof) return;
  if (t->len > 0 && !t->discarding) emit_line(t, t->buf, t->len, 0);  // a last unterminated line
  t->len = 0;
  t->eof = 1;
  t->streams--;
  uv_read_stop((uv_stream_t *)&t->report);
  maybe_finish(t);
}

static void end_of_log(LogPipe *lp) {
  if (lp->done) return;
  lp->done = 1;
  lp->trial->streams--;
  uv_read_stop((uv_stream_t *)&lp->pipe);
  maybe_finish(lp->trial);
}

static void on_log_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf) {
  LogPipe *lp = (LogPipe *)s;  // pipe is the first member
  if (nread < 0) {
    end_of_log(lp);
    return;
  }
  if (nread == 0 || !lp->path) return;
  if (lp->fd < 0) lp->fd = open(lp->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (lp->fd < 0) return;  // cannot log: drop the output, keep the trial running
  for (ssize_t off = 0; off < nread;) {
    ssize_t w = write(lp->fd, buf->base + off, (size_t)(nread - off));
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) break;
    off += w;
  }
}

// Every stream the pool still reads, at its end (the trial's leftovers did not let go).
static void end_of_streams(Trial *t) {
  for (int i = 0; i < 2; i++) end_of_log(&t->logs[i]);
  end_of_reports(t);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
  (void)h;
  static char chunk[65536];  // one read at a time on this loop's single thread
  (void)suggested;
  *buf = uv_buf_init(chunk, sizeof chunk);
}

// Append bytes to the partial line, keeping at most max_line of them.
static int buffer_append(Trial *t, const char *s, size_t n) {
  size_t max = t->pool->opt.max_line;
  if (t->len + n > max) n = max - t->len;
  if (t->len + n > t->cap) {
    size_t cap = t->cap ? t->cap : 256;
    while (cap < t->len + n) cap *= 2;
    char *b = realloc(t->buf, cap);
    if (!b) return -1;
    t->buf = b;
    t->cap = cap;
  }
  memcpy(t->buf + t->len, s, n);
  t->len += n;
  return 0;
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf) {
  Trial *t = s->data;
  if (nread < 0) {
    end_of_reports(t);
    return;
  }
  size_t max = t->pool->opt.max_line;
  const char *p = buf->base, *end = buf->base + nread;
  while (p < end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    const char *stop = nl ? nl : end;
    if (!t->discarding) {
      if (t->len + (size_t)(stop - p) > max) {
        // Overlong: report its first max_line bytes once, drop the rest up to the newline.
        buffer_append(t, p, (size_t)(stop - p));
        emit_line(t, t->buf, t->len, 1);
        t->len = 0;
        t->discarding = 1;
      } else {
        buffer_append(t, p, (size_t)(stop - p));
      }
    }
    if (nl) {
      if (!t->discarding) emit_line(t, t->buf, t->len, 0);
      t->len = 0;
      t->discarding = 0;
      p = nl + 1;
    } else {
      p = end;
    }
  }
}

static void signal_group(Trial *t, int sig) {
  if (t->pid > 0) kill(-t->pid, sig);
}

static void on_timer(uv_timer_t *h) {
  Trial *t = h->data;
  switch (t->phase) {
    case TIMER_TIMEOUT:
      t->timed_out = 1;
      signal_group(t, SIGTERM);
      t->phase = TIMER_GRACE;
      uv_timer_start(&t->timer, on_timer, (uint64_t)t->pool->opt.grace_ms, 0);
      break;
    case TIMER_GRACE:
      signal_group(t, SIGKILL);
      t->phase = TIMER_NONE;
      break;
    case TIMER_DRAIN:
      end_of_streams(t);
      break;
    default: break;
  }
}

static void on_trial_exit(Trial *t, int wstatus) {
  t->exited = 1;
  t->exit_status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 0;
  t->term_signal = WIFSIGNALED(wstatus) ? WTERMSIG(wstatus) : 0;
  // Nothing of a trial outlives it: whatever it left in its process group goes too.
  kill(-t->pid, SIGKILL);
  watchdog_remove(&t->pool->wd, t->pid);
  uv_timer_stop(&t->timer);
  if (t->streams > 0) {
    t->phase = TIMER_DRAIN;
    uv_timer_start(&t->timer, on_timer, DRAIN_MS, 0);
  }
  maybe_finish(t);
}

// SIGCHLD: reap the trials that exited. Only our own children are waited for, so a
// child that other code in this process started (os.execute) is left to that code.
static void on_sigchld(uv_signal_t *h, int signum) {
  (void)signum;
  Pool *p = h->data;
  for (Trial *t = p->trials, *next; t; t = next) {
    next = t->next;  // on_trial_exit may unlink t
    if (t->exited) continue;
    int wstatus;
    pid_t r;
    do r = waitpid(t->pid, &wstatus, WNOHANG);
    while (r < 0 && errno == EINTR);
    if (r == t->pid) on_trial_exit(t, wstatus);
  }
}

// environ with env_add's names replaced or added; pointers only, nothing copied.
static char **merged_env(const char *const *add) {
  size_t n = 0, m = 0;
  while (environ[n]) n++;
  while (add && add[m]) m++;
  char **env = malloc(sizeof(char *) * (n + m + 1));
  if (!env) return NULL;
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    const char *eq = strchr(environ[i], '=');
    size_t name = eq ? (size_t)(eq - environ[i]) : strlen(environ[i]);
    int replaced = 0;
    for (size_t j = 0; j < m && !replaced; j++)
      replaced = strncmp(add[j], environ[i], name) == 0 && add[j][name] == '=';
    if (!replaced) env[k++] = environ[i];
  }
  for (size_t j = 0; j < m; j++) env[k++] = (char *)add[j];
  env[k] = NULL;
  return env;
}

// The PATH a child would search: env_add's if it sets one, else ours.
static const char *search_path(const char *const *add) {
  for (size_t j = 0; add && add[j]; j++)
    if (strncmp(add[j], "PATH=", 5) == 0) return add[j] + 5;
  const char *p = getenv("PATH");
  return p ? p : "/usr/local/bin:/usr/bin:/bin";
}

// Look a program up in PATH once per pool instead of letting every child's execvp walk
// PATH again (a trial program is usually the same for the whole study). NULL: let execvp
// search (not found here, or a name with a slash).
static const char *resolve(Pool *p, const char *name, const char *const *env_add) {
  if (strchr(name, '/')) return NULL;
  if (p->prog_name && strcmp(p->prog_name, name) == 0) return p->prog_path;
  const char *path = search_path(env_add);
  char buf[4096];
  for (const char *dir = path; dir && *dir;) {
    const char *colon = strchr(dir, ':');
    size_t n = colon ? (size_t)(colon - dir) : strlen(dir);
    if (n > 0 && n + strlen(name) + 2 < sizeof buf) {
      snprintf(buf, sizeof buf, "%.*s/%s", (int)n, dir, name);
      if (access(buf, X_OK) == 0) {
        char *nm = strdup(name), *pt = strdup(buf);
        if (!nm || !pt) {
          free(nm);
          free(pt);
          return NULL;
        }
        free(p->prog_name);
        free(p->prog_path);
        p->prog_name = nm;
        p->prog_path = pt;
        return pt;
      }
    }
    dir = colon ? colon + 1 : NULL;
  }
  return NULL;
}


// A pipe whose write end the child gets and whose read end a libuv handle owns. The pipes
// are plain pipes rather than libuv's socketpairs, so a trial can also open /dev/fd/3 by
// name (as Lua's io.open does). Returns 0 or -errno; *child_fd gets the write end.
static int make_pipe(uv_loop_t *loop, uv_pipe_t *h, void *data, int *child_fd) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return -errno;
  uv_pipe_init(loop, h, 0);
  h->data = data;
  int status = uv_pipe_open(h, fds[0]);
  if (status != 0) {
    close(fds[0]);
    close(fds[1]);
    return status;
  }
  // Above the descriptors the child gets (0-3), so that its dup2 always copies and so
  // clears close-on-exec.
  int high = fcntl(fds[1], F_DUPFD_CLOEXEC, 10);
  close(fds[1]);
  if (high < 0) return -errno;
  *child_fd = high;
  return 0;
}

// Start the program with posix_spawn, which glibc runs as a vfork-like clone: unlike fork(),
// it copies none of hpolua's page tables, the largest cost of starting a short trial.
// fds: the child's ends of the report, stdout and stderr pipes. Returns 0 or -errno.
static int spawn_process(pid_t *pid, const char *file, const PoolSpawn *spec, char **env,
                         const int fds[3]) {
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t at;
  posix_spawn_file_actions_init(&fa);
  posix_spawnattr_init(&at);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
  posix_spawn_file_actions_adddup2(&fa, fds[2], 2);
  posix_spawn_file_actions_adddup2(&fa, fds[0], 3);
  if (spec->cwd) posix_spawn_file_actions_addchdir_np(&fa, spec->cwd);
  // A session and process group of its own, so the whole tree can be signalled and the
  // terminal's Ctrl-C reaches hpolua only; default signal handling and no blocked signals.
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&at, &none);
  posix_spawnattr_setsigdefault(&at, &all);
  posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK |
                                    POSIX_SPAWN_SETSIGDEF);
  int r = posix_spawn(pid, file, &fa, &at, (char *const *)spec->argv, env);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&at);
  return -r;
}

int pool_spawn(Pool *p, int64_t tag, const PoolSpawn *spec) {
  if (!spec->argv || !spec->argv[0]) return UV_EINVAL;
  int fds[3] = {-1, -1, -1}, status = 0, pipes = 0;
  char **env = NULL;
  Trial *t = calloc(1, sizeof *t);
  if (!t) return UV_ENOMEM;
  t->pool = p;
  t->tag = tag;
  const char *paths[2] = {spec->stdout_path, spec->stderr_path};
  for (int i = 0; i < 2; i++) {
    t->logs[i].trial = t;
    t->logs[i].fd = -1;
    t->logs[i].path = paths[i] ? strdup(paths[i]) : NULL;
  }
  // Handles from here on are freed through their close callbacks (open_handles).
  status = make_pipe(&p->loop, &t->report, t, &fds[0]);
  if (status == 0) pipes++;
  for (int i = 0; i < 2 && status == 0; i++) {
    status = make_pipe(&p->loop, &t->logs[i].pipe, t, &fds[1 + i]);
    if (status == 0) pipes++;
  }
  env = status == 0 ? merged_env(spec->env_add) : NULL;
  if (status == 0 && !env) status = UV_ENOMEM;
  const char *file = status == 0 ? resolve(p, spec->argv[0], spec->env_add) : NULL;
  if (status == 0 && !file) {
    if (strchr(spec->argv[0], '/')) file = spec->argv[0];
    else status = UV_ENOENT;
  }
  if (status == 0) status = spawn_process(&t->pid, file, spec, env, fds);
  free(env);
  for (int i = 0; i < 3; i++)
    if (fds[i] >= 0) close(fds[i]);
  if (status != 0) {
    uv_pipe_t *hs[3] = {&t->report, &t->logs[0].pipe, &t->logs[1].pipe};
    t->open_handles = pipes;
    if (pipes == 0) {
      for (int i = 0; i < 2; i++) free(t->logs[i].path);
      free(t);
      return status;
    }
    for (int i = 0; i < pipes; i++) close_handle((uv_handle_t *)hs[i]);
    return status;
  }
  t->t0 = uv_hrtime();
  t->open_handles = 4;
  t->streams = 3;
  uv_timer_init(&p->loop, &t->timer);
  t->timer.data = t;
  watchdog_add(&p->wd, t->pid);
  uv_read_start((uv_stream_t *)&t->report, on_alloc, on_read);
  for (int i = 0; i < 2; i++) uv_read_start((uv_stream_t *)&t->logs[i].pipe, on_alloc, on_log_read);
  if (spec->timeout_ms > 0) {
    uv_update_time(&p->loop);  // timers count from the loop's cached time: refresh it
    t->phase = TIMER_TIMEOUT;
    uv_timer_start(&t->timer, on_timer, (uint64_t)spec->timeout_ms, 0);
  }
  t->next = p->trials;
  p->trials = t;
  p->running++;
  return 0;
}

static Trial *find(Pool *p, int64_t tag) {
  for (Trial *t = p->trials; t; t = t->next)
    if (t->tag == tag && !t->exited) return t;
  return NULL;
}

int pool_stop(Pool *p, int64_t tag) {
  Trial *t = find(p, tag);
  if (!t) return UV_ESRCH;
  t->stopped = 1;
  if (t->phase == TIMER_GRACE) return 0;  // already stopping
  signal_group(t, SIGTERM);
  t->phase = TIMER_GRACE;
  uv_update_time(&p->loop);
  uv_timer_start(&t->timer, on_timer, (uint64_t)p->opt.grace_ms, 0);
  return 0;
}

int pool_kill(Pool *p, int64_t tag) {
  Trial *t = find(p, tag);
  if (!t) return UV_ESRCH;
  t->stopped = 1;
  signal_group(t, SIGKILL);
  return 0;
}

// ---- the pool ----

int pool_new(Pool **out, const PoolOptions *opt) {
  *out = NULL;
  Pool *p = calloc(1, sizeof *p);
  if (!p) return UV_ENOMEM;
  p->opt = opt ? *opt : pool_defaults();
  if (p->opt.max_line < 2) p->opt.max_line = 2;
  // The watchdog is forked before the loop exists, so it inherits none of its descriptors.
  int status = watchdog_start(&p->wd);
  if (status != 0) {
    free(p);
    return status;
  }
  signal(SIGPIPE, SIG_IGN);  // a closed pipe is an error code, not a death
  status = uv_loop_init(&p->loop);
  if (status != 0) {
    watchdog_stop(&p->wd);
    free(p);
    return status;
  }
  uv_timer_init(&p->loop, &p->wait);
  p->wait.data = p;
  uv_signal_init(&p->loop, &p->chld);
  p->chld.data = p;
  uv_signal_start(&p->chld, on_sigchld, SIGCHLD);
  if (p->opt.signals) {
    const int sigs[2] = {SIGINT, SIGTERM};
    for (int i = 0; i < 2; i++) {
      uv_signal_init(&p->loop, &p->sig[i]);
      p->sig[i].data = p;
      uv_signal_start(&p->sig[i], on_signal, sigs[i]);
    }
    p->nsig = 2;
  }
  *out = p;
  return 0;
}

static void on_wait(uv_timer_t *h) {
  Pool *p = h->data;
  p->waited = 1;
}

static int pop_event(Pool *p, PoolEvent *ev) {
  EvNode *n = p->head;
  if (!n) return 0;
  p->head = n->next;
  if (!p->head) p->tail = NULL;
  *ev = n->ev;
  free(n);
  return 1;
}

int pool_next(Pool *p, int timeout_ms, PoolEvent *ev) {
  memset(ev, 0, sizeof *ev);
  if (pop_event(p, ev)) return 1;
  p->waited = 0;
  if (timeout_ms >= 0) {
    uv_update_time(&p->loop);
    uv_timer_start(&p->wait, on_wait, (uint64_t)timeout_ms, 0);
  }
  while (!p->head && !p->waited) {
    if (uv_run(&p->loop, UV_RUN_ONCE) == 0 && !p->head) break;  // nothing left to wait for
  }
  uv_timer_stop(&p->wait);
  return pop_event(p, ev);
}

void pool_event_clear(PoolEvent *ev) {
  free(ev->line);
  ev->line = NULL;
}

static void on_pool_handle_closed(uv_handle_t *h) { (void)h; }

void pool_close(Pool *p) {
  if (!p) return;
  for (Trial *t = p->trials; t; t = t->next) {
    t->stopped = 1;
    signal_group(t, SIGKILL);
  }
  // Reap them: libuv only waits for processes whose handles are open.
  PoolEvent ev;
  while (p->running > 0) {
    if (pool_next(p, 1000, &ev) == 1) pool_event_clear(&ev);
  }
  while (pop_event(p, &ev)) pool_event_clear(&ev);
  for (int i = 0; i < p->nsig; i++) uv_close((uv_handle_t *)&p->sig[i], on_pool_handle_closed);
  uv_close((uv_handle_t *)&p->wait, on_pool_handle_closed);
  uv_close((uv_handle_t *)&p->chld, on_pool_handle_closed);
  uv_run(&p->loop, UV_RUN_DEFAULT);
  uv_loop_close(&p->loop);
  watchdog_stop(&p->wd);
  free(p->prog_name);
  free(p->prog_path);
  free(p);
}
