// Unit tests of src/event: spawning, reports on fd 3, exit codes, signals, timeouts, kill
// escalation, overlong lines, leftovers in the process group, and a clean close.
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#include "check.h"
#include "event/pool.h"

static char dir[128];

static Pool *make_pool(int grace_ms) {
  PoolOptions o = pool_defaults();
  o.grace_ms = grace_ms;
  o.signals = 0;
  Pool *p;
  if (pool_new(&p, &o) != 0) {
    fprintf(stderr, "pool_new failed\n");
    exit(1);
  }
  return p;
}

static int spawn_sh(Pool *p, int64_t tag, const char *script, int timeout_ms) {
  const char *argv[] = {"sh", "-c", script, NULL};
  char out[256];
  snprintf(out, sizeof out, "%s/out-%lld.log", dir, (long long)tag);
  PoolSpawn s = {.argv = argv, .stdout_path = out, .timeout_ms = timeout_ms, .cwd = dir};
  return pool_spawn(p, tag, &s);
}

// Collect events until the trial's exit; returns the exit event, the report lines in lines.
static PoolEvent wait_exit(Pool *p, int64_t tag, char lines[][64], int *nlines, int *overlong) {
  PoolEvent ev, exit_ev = {0};
  *nlines = 0;
  if (overlong) *overlong = 0;
  for (;;) {
    int r = pool_next(p, 10000, &ev);
    if (r != 1) {
      fprintf(stderr, "no event within 10 s\n");
      exit_ev.exit_status = -999;
      return exit_ev;
    }
    if (ev.type == POOL_EV_REPORT && ev.tag == tag) {
      if (ev.overlong && overlong) (*overlong)++;
      if (*nlines < 8) snprintf(lines[(*nlines)++], 64, "%.63s", ev.line);
    }
    int done = ev.type == POOL_EV_EXIT && ev.tag == tag;
    if (done) exit_ev = ev;
    pool_event_clear(&ev);
    if (done) return exit_ev;
  }
}

static void test_reports_and_exit_code(void) {
  Pool *p = make_pool(1000);
  CHECK_INT(spawn_sh(p, 7, "echo '{\"loss\": 1}' >&3; printf '{\"loss\": 0.5}' >&3; exit 3", 0), 0);
  CHECK_INT(pool_running(p), 1);
  char lines[8][64];
  int n;
  PoolEvent e = wait_exit(p, 7, lines, &n, NULL);
  CHECK_INT(n, 2);
  CHECK(strcmp(lines[0], "{\"loss\": 1}") == 0);
  CHECK(strcmp(lines[1], "{\"loss\": 0.5}") == 0);  // the unterminated last line counts
  CHECK_INT(e.exit_status, 3);
  CHECK_INT(e.term_signal, 0);
  CHECK_INT(e.timed_out, 0);
  CHECK_INT(pool_running(p), 0);
  pool_close(p);
}

static void test_crash_signal(void) {
  Pool *p = make_pool(1000);
  CHECK_INT(spawn_sh(p, 1, "kill -SEGV $$", 0), 0);
  char lines[8][64];
  int n;
  PoolEvent e = wait_exit(p, 1, lines, &n, NULL);
  CHECK_INT(e.term_signal, SIGSEGV);
  pool_close(p);
}

static void test_timeout(void) {
  Pool *p = make_pool(1000);
  CHECK_INT(spawn_sh(p, 2, "exec sleep 30", 200), 0);
  char lines[8][64];
  int n;
  PoolEvent e = wait_exit(p, 2, lines, &n, NULL);
  CHECK_INT(e.timed_out, 1);
  CHECK_INT(e.term_signal, SIGTERM);
  CHECK(e.seconds >= 0.19 && e.seconds < 5);
  pool_close(p);
}

static void test_kill_escalation(void) {
  Pool *p = make_pool(300);
  CHECK_INT(spawn_sh(p, 3, "trap '' TERM; echo '{}' >&3; while :; do :; done", 0), 0);
  PoolEvent ev;
  CHECK_INT(pool_next(p, 5000, &ev), 1);  // wait until the trap is set
  CHECK_INT(ev.type, POOL_EV_REPORT);
  pool_event_clear(&ev);
  CHECK_INT(pool_stop(p, 3), 0);
  char lines[8][64];
  int n;
  PoolEvent e = wait_exit(p, 3, lines, &n, NULL);
  CHECK_INT(e.term_signal, SIGKILL);  // it ignored SIGTERM
  CHECK_INT(e.stopped, 1);
  CHECK(e.seconds >= 0.29);
  CHECK_INT(pool_stop(p, 3), UV_ESRCH);
  pool_close(p);
}

static void test_missing_program(void) {
  Pool *p = make_pool(1000);
  const char *argv[] = {"no-such-program-hpolua", NULL};
  PoolSpawn s = {.argv = argv};
  CHECK_INT(pool_spawn(p, 4, &s), UV_ENOENT);
  CHECK_INT(pool_running(p), 0);
  pool_close(p);
}

static void test_overlong_line(void) {
  PoolOptions o = pool_defaults();
  o.signals = 0;
  o.max_line = 1000;
  Pool *p;
  CHECK_INT(pool_new(&p, &o), 0);
  CHECK_INT(spawn_sh(p, 5, "head -c 3000000 /dev/zero | tr '\\0' a >&3; echo >&3; "
                           "echo '{\"ok\": 1}' >&3", 0), 0);
  char lines[8][64];
  int n, overlong;
  PoolEvent e = wait_exit(p, 5, lines, &n, &overlong);
  CHECK_INT(e.exit_status, 0);
  CHECK_INT(n, 2);
  CHECK_INT(overlong, 1);
  CHECK(strncmp(lines[0], "aaaa", 4) == 0);
  CHECK(strcmp(lines[1], "{\"ok\": 1}") == 0);
  pool_close(p);
}

// Alive and not a zombie (an orphan's zombie may wait for a reaper that never comes here).
static int pid_alive(pid_t pid) {
  char path[64], buf[256];
  snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
  FILE *f = fopen(path, "r");
  if (!f) return 0;
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = '\0';
  const char *close_paren = strrchr(buf, ')');
  return close_paren && close_paren[1] == ' ' && close_paren[2] != 'Z';
}

static void test_leftovers_killed(void) {
  Pool *p = make_pool(1000);
  char script[256];
  snprintf(script, sizeof script, "sleep 30 & echo $! > %s/grandchild; exit 0", dir);
  CHECK_INT(spawn_sh(p, 6, script, 0), 0);
  char lines[8][64];
  int n;
  PoolEvent e = wait_exit(p, 6, lines, &n, NULL);
  CHECK_INT(e.exit_status, 0);
  char path[200];
  snprintf(path, sizeof path, "%s/grandchild", dir);
  FILE *f = fopen(path, "r");
  int pid = 0;
  CHECK(f && fscanf(f, "%d", &pid) == 1);
  if (f) fclose(f);
  usleep(100000);
  CHECK(pid > 0 && !pid_alive(pid));
  pool_close(p);
}

static void test_flood_stdout_to_file(void) {
  Pool *p = make_pool(1000);
  CHECK_INT(spawn_sh(p, 8, "head -c 20000000 /dev/zero; echo '{\"done\": 1}' >&3", 0), 0);
  char lines[8][64];
  int n;
  PoolEvent e = wait_exit(p, 8, lines, &n, NULL);
  CHECK_INT(e.exit_status, 0);
  CHECK_INT(n, 1);
  char path[200];
  snprintf(path, sizeof path, "%s/out-8.log", dir);
  struct stat st;
  CHECK(stat(path, &st) == 0 && st.st_size == 20000000);
  pool_close(p);
}

static void test_parallel_and_close(void) {
  Pool *p = make_pool(1000);
  for (int i = 0; i < 4; i++) CHECK_INT(spawn_sh(p, 100 + i, "exec sleep 30", 0), 0);
  CHECK_INT(pool_running(p), 4);
  pool_close(p);  // kills and reaps all four; valgrind checks nothing leaks
}

static void test_signal_event(void) {
  PoolOptions o = pool_defaults();
  Pool *p;
  CHECK_INT(pool_new(&p, &o), 0);
  raise(SIGTERM);
  PoolEvent ev;
  CHECK_INT(pool_next(p, 2000, &ev), 1);
  CHECK_INT(ev.type, POOL_EV_SIGNAL);
  CHECK_INT(ev.term_signal, SIGTERM);
  CHECK_INT(pool_next(p, 50, &ev), 0);  // timeout, no event
  pool_close(p);
}

static void test_env_and_cwd(void) {
  Pool *p = make_pool(1000);
  const char *argv[] = {"sh", "-c", "echo \"{\\\"t\\\": \\\"$HPO_TRIAL\\\", \\\"d\\\": \\\"$(pwd)\\\"}\" >&3", NULL};
  const char *env[] = {"HPO_TRIAL=42", "PATH=/usr/bin:/bin", NULL};
  PoolSpawn s = {.argv = argv, .env_add = env, .cwd = "/"};
  CHECK_INT(pool_spawn(p, 9, &s), 0);
  char lines[8][64];
  int n;
  wait_exit(p, 9, lines, &n, NULL);
  CHECK_INT(n, 1);
  CHECK(strcmp(lines[0], "{\"t\": \"42\", \"d\": \"/\"}") == 0);
  pool_close(p);
}

int main(void) {
  snprintf(dir, sizeof dir, "/tmp/hpo-test-pool-%d", (int)getpid());
  mkdir(dir, 0755);
  RUN(test_reports_and_exit_code);
  RUN(test_crash_signal);
  RUN(test_timeout);
  RUN(test_kill_escalation);
  RUN(test_missing_program);
  RUN(test_overlong_line);
  RUN(test_leftovers_killed);
  RUN(test_flood_stdout_to_file);
  RUN(test_parallel_and_close);
  RUN(test_signal_event);
  RUN(test_env_and_cwd);
  char cmd[200];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  if (system(cmd) != 0) return 1;
  return check_report();
}
