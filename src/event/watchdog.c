#define _GNU_SOURCE
#include "watchdog.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

// Messages are fixed-size records: a positive pgid registers, a negative one unregisters.
typedef int32_t Msg;

#define MAX_GROUPS 4096

static void run(int fd) {
  // Only async-signal-safe calls from here on: this is a fork of a threaded process.
  pid_t groups[MAX_GROUPS];
  int n = 0;
  Msg m;
  for (;;) {
    ssize_t r = read(fd, &m, sizeof m);
    if (r == (ssize_t)sizeof m) {
      if (m > 0 && n < MAX_GROUPS) {
        groups[n++] = (pid_t)m;
      } else if (m < 0) {
        for (int i = 0; i < n; i++)
          if (groups[i] == (pid_t)-m) {
            groups[i] = groups[--n];
            break;
          }
      }
    } else if (r < 0 && errno == EINTR) {
      continue;
    } else {
      break;  // EOF: hpolua is gone
    }
  }
  for (int i = 0; i < n; i++) kill(-groups[i], SIGKILL);
  _exit(0);
}

int watchdog_start(Watchdog *w) {
  w->pid = 0;
  w->fd = -1;
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return -errno;
  pid_t pid = fork();
  if (pid < 0) {
    int e = errno;
    close(fds[0]);
    close(fds[1]);
    return -e;
  }
  if (pid == 0) {
    // Its own process group, deaf to the terminal's Ctrl-C, holding no descriptor of the
    // parent's but its pipe (an inherited stdout would keep a reader of hpolua waiting).
    setpgid(0, 0);
    signal(SIGINT, SIG_IGN);
    signal(SIGTERM, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    int devnull = open("/dev/null", O_RDWR);
    if (devnull >= 0) {
      dup2(devnull, 0);
      dup2(devnull, 1);
      dup2(devnull, 2);
    }
    int in = fds[0] == 3 ? 3 : dup2(fds[0], 3);
    close_range(4, ~0U, 0);
    run(in);
  }
  close(fds[0]);
  w->pid = pid;
  w->fd = fds[1];
  return 0;
}

static void send_msg(Watchdog *w, Msg m) {
  if (w->fd < 0) return;
  ssize_t r;
  do r = write(w->fd, &m, sizeof m);
  while (r < 0 && errno == EINTR);
}

void watchdog_add(Watchdog *w, pid_t pgid) { send_msg(w, (Msg)pgid); }
void watchdog_remove(Watchdog *w, pid_t pgid) { send_msg(w, (Msg)-pgid); }

void watchdog_stop(Watchdog *w) {
  if (w->fd >= 0) close(w->fd);
  w->fd = -1;
  if (w->pid > 0) {
    while (waitpid(w->pid, NULL, 0) < 0 && errno == EINTR) {
    }
  }
  w->pid = 0;
}
