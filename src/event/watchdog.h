/// A watchdog process that kills the trials' process groups if hpolua dies without doing so
/// itself (kill -9, a crash). It is forked once and reads group ids from a pipe; when the
/// pipe's write end closes (hpolua's exit, however it happens) it sends SIGKILL to every
/// group still registered, then exits.
#ifndef HPO_EVENT_WATCHDOG_H
#define HPO_EVENT_WATCHDOG_H

#include <sys/types.h>

typedef struct {
  pid_t pid;  ///< the watchdog process, or 0
  int fd;     ///< write end of its pipe, or -1
} Watchdog;

/// Fork the watchdog. Returns 0 or -errno.
int watchdog_start(Watchdog *w);
/// Register or unregister a process group.
void watchdog_add(Watchdog *w, pid_t pgid);
void watchdog_remove(Watchdog *w, pid_t pgid);
/// Close the pipe (the watchdog kills what is still registered) and reap it.
void watchdog_stop(Watchdog *w);

#endif
