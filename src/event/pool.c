#define _GNU_SOURCE
#include "pool.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
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

typedef struct Trial {
  Pool *pool;
  int64_t tag;
  uv_process_t proc;
  uv_pipe_t report;
  uv_timer_t timer;
  TimerPhase phase;
  int open_handles;  // freed when the last of proc, report and timer is closed
  int exited, eof, queued;
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
  PoolOptions opt;
  Trial *trials;  // trials whose exit event is not yet queued
  int running;
  EvNode *head, *tail;
  uv_signal_t sig[2];
  int nsig;
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
  if (!t->exited || !t->eof || t->queued) return;
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
  close_handle((uv_handle_t *)&t->proc);
  close_handle((uv_handle_t *)&t->report);
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
  uv_read_stop((uv_stream_t *)&t->report);
  maybe_finish(t);
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
  if (t->proc.pid > 0) kill(-t->proc.pid, sig);
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
      end_of_reports(t);
      break;
    default: break;
  }
}

static void on_trial_exit(uv_process_t *proc, int64_t status, int term_signal) {
  Trial *t = proc->data;
  t->exited = 1;
  t->exit_status = status;
  t->term_signal = term_signal;
  // Nothing of a trial outlives it: whatever it left in its process group goes too.
  kill(-proc->pid, SIGKILL);
  watchdog_remove(&t->pool->wd, proc->pid);
  uv_timer_stop(&t->timer);
  if (!t->eof) {
    t->phase = TIMER_DRAIN;
    uv_timer_start(&t->timer, on_timer, DRAIN_MS, 0);
  }
  maybe_finish(t);
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

static int open_log(const char *path) {
  if (!path) return open("/dev/null", O_WRONLY | O_CLOEXEC);
  return open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
}

int pool_spawn(Pool *p, int64_t tag, const PoolSpawn *spec) {
  if (!spec->argv || !spec->argv[0]) return UV_EINVAL;
  int out = -1, err = -1, rep[2] = {-1, -1}, status;
  char **env = NULL;
  Trial *t = calloc(1, sizeof *t);
  if (!t) return UV_ENOMEM;
  t->pool = p;
  t->tag = tag;
  out = open_log(spec->stdout_path);
  err = open_log(spec->stderr_path);
  if (out < 0 || err < 0) {
    status = -errno;
    snprintf(p->err, sizeof p->err, "cannot open a trial log: %s", strerror(errno));
    goto error;
  }
  // A plain pipe rather than libuv's socketpair: a trial can then also open /dev/fd/3 by
  // name (Lua's io.open), not only write to the descriptor.
  if (pipe2(rep, O_CLOEXEC) != 0) {
    status = -errno;
    goto error;
  }
  env = merged_env(spec->env_add);
  if (!env) {
    status = UV_ENOMEM;
    goto error;
  }
  uv_pipe_init(&p->loop, &t->report, 0);
  t->report.data = t;
  t->open_handles = 1;
  uv_stdio_container_t stdio[4];
  stdio[0].flags = UV_IGNORE;
  stdio[1].flags = UV_INHERIT_FD;
  stdio[1].data.fd = out;
  stdio[2].flags = UV_INHERIT_FD;
  stdio[2].data.fd = err;
  stdio[3].flags = UV_INHERIT_FD;
  stdio[3].data.fd = rep[1];
  uv_process_options_t o = {
      .exit_cb = on_trial_exit,
      .file = spec->argv[0],
      .args = (char **)spec->argv,
      .env = env,
      .cwd = spec->cwd,
      // A session and process group of its own, so the whole tree can be signalled and the
      // terminal's Ctrl-C reaches hpolua only.
      .flags = UV_PROCESS_DETACHED,
      .stdio_count = 4,
      .stdio = stdio,
  };
  t->t0 = uv_hrtime();
  status = uv_spawn(&p->loop, &t->proc, &o);
  free(env);
  env = NULL;
  close(out);
  close(err);
  close(rep[1]);
  out = err = rep[1] = -1;
  int open_status = uv_pipe_open(&t->report, rep[0]);
  if (open_status == 0) rep[0] = -1;  // the handle owns it now
  if (status == 0 && open_status != 0) {
    kill(-t->proc.pid, SIGKILL);  // cannot read its reports: do not leave it running
    status = open_status;
  }
  if (rep[0] >= 0) close(rep[0]);
  if (status != 0) {
    // libuv reports a failed exec (ENOENT, EACCES) here; the handles still need closing.
    t->open_handles = 2;
    t->proc.data = t;
    close_handle((uv_handle_t *)&t->proc);
    close_handle((uv_handle_t *)&t->report);
    return status;
  }
  t->proc.data = t;
  t->open_handles = 3;
  uv_timer_init(&p->loop, &t->timer);
  t->timer.data = t;
  watchdog_add(&p->wd, t->proc.pid);
  uv_read_start((uv_stream_t *)&t->report, on_alloc, on_read);
  if (spec->timeout_ms > 0) {
    t->phase = TIMER_TIMEOUT;
    uv_timer_start(&t->timer, on_timer, (uint64_t)spec->timeout_ms, 0);
  }
  t->next = p->trials;
  p->trials = t;
  p->running++;
  return 0;

error:
  if (out >= 0) close(out);
  if (err >= 0) close(err);
  if (rep[0] >= 0) close(rep[0]);
  if (rep[1] >= 0) close(rep[1]);
  free(env);
  free(t);
  return status;
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
  if (timeout_ms >= 0) uv_timer_start(&p->wait, on_wait, (uint64_t)timeout_ms, 0);
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
  uv_run(&p->loop, UV_RUN_DEFAULT);
  uv_loop_close(&p->loop);
  watchdog_stop(&p->wd);
  free(p);
}
