#include "store.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "../core/status.h"

#define SCHEMA_VERSION 1

// Prepared statements are kept for the life of the store, keyed by the address of their SQL
// text (each call site passes a string literal): parsing is a large share of a small
// statement's cost, and the study loop runs the same dozen statements for every trial.
#define STMT_CACHE 48

struct Store {
  sqlite3 *db;
  int ncached;
  struct {
    const char *sql;
    sqlite3_stmt *st;
  } cache[STMT_CACHE];
  char err[512];
};

static const char *kSchema =
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS studies("
    "  id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, direction TEXT NOT NULL,"
    "  space TEXT NOT NULL, config TEXT NOT NULL, created REAL NOT NULL,"
    "  used INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE IF NOT EXISTS trials("
    "  id INTEGER PRIMARY KEY, study_id INTEGER NOT NULL REFERENCES studies(id),"
    "  number INTEGER NOT NULL, state INTEGER NOT NULL, params TEXT NOT NULL,"
    "  value REAL, metrics TEXT, reason TEXT, started REAL, finished REAL, pid INTEGER,"
    "  retry_of INTEGER, log_dir TEXT, malformed INTEGER NOT NULL DEFAULT 0,"
    "  UNIQUE(study_id, number));"
    "CREATE INDEX IF NOT EXISTS trials_state ON trials(study_id, state, number);"
    "CREATE TABLE IF NOT EXISTS reports("
    "  trial_id INTEGER NOT NULL REFERENCES trials(id), step INTEGER NOT NULL,"
    "  metrics TEXT NOT NULL, time REAL NOT NULL);"
    "CREATE INDEX IF NOT EXISTS reports_trial ON reports(trial_id, step);"
    "CREATE TABLE IF NOT EXISTS sampler_state("
    "  study_id INTEGER PRIMARY KEY REFERENCES studies(id), state BLOB, updated REAL);"
    // Scheduler events (PBT's exploit-and-explore, ...): kind and a JSON object per trial.
    "CREATE TABLE IF NOT EXISTS events("
    "  trial_id INTEGER NOT NULL REFERENCES trials(id), kind TEXT NOT NULL,"
    "  data TEXT NOT NULL, time REAL NOT NULL);"
    "CREATE INDEX IF NOT EXISTS events_trial ON events(trial_id);";

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

// Record SQLite's message for the caller and return a failure status.
static int fail(Store *s, const char *what) {
  snprintf(s->err, sizeof s->err, "%s: %s", what, sqlite3_errmsg(s->db));
  return HPO_EINVAL;
}

const char *store_errmsg(const Store *s) { return s->err; }

static const char *kStateNames[] = {"WAITING", "RUNNING", "COMPLETE", "PRUNED", "FAILED"};

const char *store_state_name(TrialState st) {
  return st >= TRIAL_WAITING && st <= TRIAL_FAILED ? kStateNames[st] : "UNKNOWN";
}

int store_state_from_name(const char *name) {
  for (int i = 0; i <= TRIAL_FAILED; i++)
    if (strcmp(name, kStateNames[i]) == 0) return i;
  return -1;
}

static int exec(Store *s, const char *sql) {
  char *msg = NULL;
  if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
    snprintf(s->err, sizeof s->err, "%s", msg ? msg : sqlite3_errmsg(s->db));
    sqlite3_free(msg);
    return HPO_EINVAL;
  }
  return HPO_OK;
}

static int prepare(Store *s, sqlite3_stmt **st, const char *sql) {
  for (int i = 0; i < s->ncached; i++)
    if (s->cache[i].sql == sql) {
      *st = s->cache[i].st;
      return HPO_OK;
    }
  if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL) != SQLITE_OK)
    return fail(s, "prepare");
  if (s->ncached < STMT_CACHE) {
    s->cache[s->ncached].sql = sql;
    s->cache[s->ncached].st = *st;
    s->ncached++;
  }
  return HPO_OK;
}

// Release a statement from prepare(): reset it for its next use (or finalize it if the cache
// was full).
static void release(Store *s, sqlite3_stmt *st) {
  for (int i = 0; i < s->ncached; i++)
    if (s->cache[i].st == st) {
      sqlite3_reset(st);
      sqlite3_clear_bindings(st);
      return;
    }
  release(s, st);
}

// Run a statement that returns no rows, then finalize it.
static int step_done(Store *s, sqlite3_stmt *st, const char *what) {
  int rc = sqlite3_step(st);
  int status = (rc == SQLITE_DONE || rc == SQLITE_ROW) ? HPO_OK : fail(s, what);
  release(s, st);
  return status;
}

static void bind_text_or_null(sqlite3_stmt *st, int i, const char *text) {
  if (text)
    sqlite3_bind_text(st, i, text, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null(st, i);
}

static void bind_real_or_null(sqlite3_stmt *st, int i, double x) {
  if (isnan(x))
    sqlite3_bind_null(st, i);
  else
    sqlite3_bind_double(st, i, x);
}

static double column_real(sqlite3_stmt *st, int i) {
  return sqlite3_column_type(st, i) == SQLITE_NULL ? (double)NAN : sqlite3_column_double(st, i);
}

static char *dupstr(const unsigned char *text) { return text ? strdup((const char *)text) : NULL; }

// Writers take the lock up front (BEGIN IMMEDIATE) so that two processes sharing a study
// never deadlock upgrading a read lock.
static int begin(Store *s) { return exec(s, "BEGIN IMMEDIATE"); }
static int commit(Store *s) { return exec(s, "COMMIT"); }
static int rollback(Store *s, int status) {
  sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
  return status;
}

int store_open(Store **out, const char *path, int readonly, char **err) {
  *out = NULL;
  *err = NULL;
  Store *s = calloc(1, sizeof *s);
  if (!s) {
    *err = strdup("out of memory");
    return HPO_ENOMEM;
  }
  int flags = readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  if (sqlite3_open_v2(path, &s->db, flags, NULL) != SQLITE_OK) {
    char buf[1024];
    snprintf(buf, sizeof buf, "cannot open %s: %s", path,
             s->db ? sqlite3_errmsg(s->db) : "out of memory");
    *err = strdup(buf);
    store_close(s);
    return HPO_EINVAL;
  }
  sqlite3_busy_timeout(s->db, 30000);
  // WAL with synchronous=NORMAL: a committed transaction survives any crash of the process
  // (the case that matters for a killed study); FULL would also survive power loss.
  const char *setup = readonly ? "PRAGMA foreign_keys=ON;"
                               : "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                                 "PRAGMA foreign_keys=ON;";
  // Switching to WAL takes an exclusive lock without waiting in the busy handler, so two
  // processes opening a new study file at once retry here.
  int status = exec(s, setup);
  for (int i = 0; status != HPO_OK && i < 200 && sqlite3_errcode(s->db) == SQLITE_BUSY; i++) {
    usleep(10000);
    status = exec(s, setup);
  }
  if (status == HPO_OK && !readonly) {
    status = begin(s);
    if (status == HPO_OK) status = exec(s, kSchema);
    if (status == HPO_OK) {
      char sql[128];
      snprintf(sql, sizeof sql,
               "INSERT OR IGNORE INTO meta(key, value) VALUES('schema_version', '%d')",
               SCHEMA_VERSION);
      status = exec(s, sql);
    }
    status = status == HPO_OK ? commit(s) : rollback(s, status);
  }
  if (status == HPO_OK) {
    // A file that is not ours (or a newer schema) is refused rather than written to.
    sqlite3_stmt *st;
    status = prepare(s, &st, "SELECT value FROM meta WHERE key = 'schema_version'");
    if (status == HPO_OK) {
      int rc = sqlite3_step(st);
      if (rc != SQLITE_ROW || sqlite3_column_int(st, 0) != SCHEMA_VERSION) {
        snprintf(s->err, sizeof s->err, "not an hpolua study file (or a newer schema)");
        status = HPO_EINVAL;
      }
      release(s, st);
    }
  }
  if (status != HPO_OK) {
    char buf[1024];
    snprintf(buf, sizeof buf, "cannot open %s: %s", path, s->err);
    *err = strdup(buf);
    store_close(s);
    return status;
  }
  *out = s;
  return HPO_OK;
}

void store_close(Store *s) {
  if (!s) return;
  for (int i = 0; i < s->ncached; i++) sqlite3_finalize(s->cache[i].st);
  sqlite3_close_v2(s->db);
  free(s);
}

void store_study_clear(StoreStudy *st) {
  free(st->name);
  free(st->direction);
  free(st->space);
  free(st->config);
  memset(st, 0, sizeof *st);
}

static void study_from_row(sqlite3_stmt *st, StoreStudy *out) {
  out->id = sqlite3_column_int64(st, 0);
  out->name = dupstr(sqlite3_column_text(st, 1));
  out->direction = dupstr(sqlite3_column_text(st, 2));
  out->space = dupstr(sqlite3_column_text(st, 3));
  out->config = dupstr(sqlite3_column_text(st, 4));
  out->created = sqlite3_column_double(st, 5);
}

#define STUDY_COLUMNS "id, name, direction, space, config, created"

int store_study_find(Store *s, const char *name, StoreStudy *out) {
  memset(out, 0, sizeof *out);
  sqlite3_stmt *st;
  if (prepare(s, &st, "SELECT " STUDY_COLUMNS " FROM studies WHERE name = ?") != HPO_OK)
    return HPO_EINVAL;
  sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
  int rc = sqlite3_step(st);
  int status = HPO_ERANGE;
  if (rc == SQLITE_ROW) {
    study_from_row(st, out);
    status = HPO_OK;
  } else if (rc != SQLITE_DONE) {
    status = fail(s, "find study");
  }
  release(s, st);
  return status;
}

int store_study_each(Store *s, StoreStudyFn fn, void *ud) {
  sqlite3_stmt *st;
  if (prepare(s, &st, "SELECT " STUDY_COLUMNS " FROM studies ORDER BY id") != HPO_OK)
    return HPO_EINVAL;
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    StoreStudy row;
    study_from_row(st, &row);
    int stop = fn(&row, ud);
    store_study_clear(&row);
    if (stop) break;
  }
  int status = (rc == SQLITE_ROW || rc == SQLITE_DONE) ? HPO_OK : fail(s, "list studies");
  release(s, st);
  return status;
}

static int insert_trial(Store *s, int64_t study, TrialState state, const char *params,
                        int64_t retry_of, int64_t *id, int64_t *number);

// One transaction: two processes starting the same new study at once must not both create
// it (the loser used to fail on the unique name), and the queued trials must be there before
// any other process can start a trial of it.
int store_study_create(Store *s, const char *name, const char *direction, const char *space,
                       const char *config, const char *const *enqueue, int nenqueue, int64_t *id,
                       int *created) {
  *created = 0;
  int status = begin(s);
  if (status != HPO_OK) return status;
  sqlite3_stmt *st;
  status = prepare(s, &st,
                   "INSERT INTO studies(name, direction, space, config, created) VALUES(?,?,?,?,?)"
                   " ON CONFLICT(name) DO NOTHING");
  if (status != HPO_OK) return rollback(s, status);
  sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 2, direction, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 3, space, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 4, config ? config : "{}", -1, SQLITE_TRANSIENT);
  sqlite3_bind_double(st, 5, now());
  status = step_done(s, st, "create study");
  if (status == HPO_OK && sqlite3_changes(s->db) == 1) {
    *id = sqlite3_last_insert_rowid(s->db);
    *created = 1;
    for (int i = 0; i < nenqueue && status == HPO_OK; i++) {
      int64_t number;
      status = insert_trial(s, *id, TRIAL_WAITING, enqueue[i], -1, NULL, &number);
    }
  } else if (status == HPO_OK) {  // another process created it first
    StoreStudy row;
    status = store_study_find(s, name, &row);
    *id = row.id;
    store_study_clear(&row);
  }
  return status == HPO_OK ? commit(s) : rollback(s, status);
}

static int set_sampler_state(Store *s, int64_t study, const void *data, size_t len) {
  sqlite3_stmt *st;
  if (prepare(s, &st,
              "INSERT INTO sampler_state(study_id, state, updated) VALUES(?,?,?)"
              " ON CONFLICT(study_id) DO UPDATE SET state = excluded.state,"
              " updated = excluded.updated") != HPO_OK)
    return HPO_EINVAL;
  sqlite3_bind_int64(st, 1, study);
  sqlite3_bind_blob(st, 2, data, (int)len, SQLITE_TRANSIENT);
  sqlite3_bind_double(st, 3, now());
  return step_done(s, st, "save sampler state");
}

// How many trials count against the budget: running and finished ones, except interrupted
// failures (their re-run counts instead); waiting trials count once they start. Kept as a
// counter on the study, updated in the same transaction as the trials, so that checking
// the budget does not scan every trial.
static int count_budget(Store *s, int64_t study, int64_t *n) {
  sqlite3_stmt *st;
  if (prepare(s, &st, "SELECT used FROM studies WHERE id = ?") != HPO_OK) return HPO_EINVAL;
  sqlite3_bind_int64(st, 1, study);
  int rc = sqlite3_step(st);
  *n = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
  release(s, st);
  return rc == SQLITE_ROW ? HPO_OK : fail(s, "count trials");
}

int store_trial_budget_used(Store *s, int64_t study, int64_t *n) {
  return count_budget(s, study, n);
}

static int add_used(Store *s, int64_t study, int delta) {
  sqlite3_stmt *st;
  if (prepare(s, &st, "UPDATE studies SET used = used + ?2 WHERE id = ?1") != HPO_OK)
    return HPO_EINVAL;
  sqlite3_bind_int64(st, 1, study);
  sqlite3_bind_int(st, 2, delta);
  return step_done(s, st, "count trials");
}

static int insert_trial(Store *s, int64_t study, TrialState state, const char *params,
                        int64_t retry_of, int64_t *id, int64_t *number) {
  sqlite3_stmt *st;
  if (prepare(s, &st,
              "INSERT INTO trials(study_id, number, state, params, started, pid, retry_of)"
              " VALUES(?1, coalesce((SELECT number + 1 FROM trials WHERE study_id = ?1"
              " ORDER BY number DESC LIMIT 1), 0), ?2, ?3, ?4, ?5, ?6) RETURNING id, number") !=
      HPO_OK)
    return HPO_EINVAL;
  sqlite3_bind_int64(st, 1, study);
  sqlite3_bind_int(st, 2, state);
  sqlite3_bind_text(st, 3, params, -1, SQLITE_TRANSIENT);
  if (state == TRIAL_RUNNING) {
    sqlite3_bind_double(st, 4, now());
    sqlite3_bind_int64(st, 5, (int64_t)getpid());
  }
  if (retry_of >= 0) sqlite3_bind_int64(st, 6, retry_of);
  int rc = sqlite3_step(st);
  int status = HPO_OK;
  if (rc == SQLITE_ROW) {
    if (id) *id = sqlite3_column_int64(st, 0);
    if (number) *number = sqlite3_column_int64(st, 1);
  } else {
    status = fail(s, "insert trial");
  }
  release(s, st);
  return status;
}

// Fail with HPO_ERANGE when the budget (>= 0) is used up.
static int check_budget(Store *s, int64_t study, int64_t budget) {
  if (budget < 0) return HPO_OK;
  int64_t n;
  int status = count_budget(s, study, &n);
  return status == HPO_OK && n >= budget ? HPO_ERANGE : status;
}

int store_trial_start(Store *s, int64_t study, int64_t budget, const char *params,
                      const void *sampler_state, size_t state_len, int64_t *id, int64_t *number) {
  int status = begin(s);
  if (status != HPO_OK) return status;
  status = check_budget(s, study, budget);
  if (status == HPO_OK) status = insert_trial(s, study, TRIAL_RUNNING, params, -1, id, number);
  if (status == HPO_OK) status = add_used(s, study, 1);
  if (status == HPO_OK && sampler_state)
    status = set_sampler_state(s, study, sampler_state, state_len);
  return status == HPO_OK ? commit(s) : rollback(s, status);
}

int store_trial_enqueue(Store *s, int64_t study, const char *params, int64_t retry_of,
                        int64_t *number) {
  int status = begin(s);
  if (status == HPO_OK)
    status = insert_trial(s, study, TRIAL_WAITING, params, retry_of, NULL, number);
  return status == HPO_OK ? commit(s) : rollback(s, status);
}

int store_trial_claim(Store *s, int64_t study, int64_t budget, int64_t *id, int64_t *number,
                      char **params, int64_t *retry_of) {
  *params = NULL;
  *retry_of = -1;
  // Most calls find nothing waiting: answer those from a read, without the write lock.
  sqlite3_stmt *peek;
  if (prepare(s, &peek, "SELECT 1 FROM trials WHERE study_id = ? AND state = 0 LIMIT 1") != HPO_OK)
    return HPO_EINVAL;
  sqlite3_bind_int64(peek, 1, study);
  int rc0 = sqlite3_step(peek);
  int found = rc0 == SQLITE_ROW ? HPO_OK : rc0 == SQLITE_DONE ? HPO_ERANGE : fail(s, "claim trial");
  release(s, peek);
  if (found != HPO_OK) return found;
  int status = begin(s);
  if (status != HPO_OK) return status;
  status = check_budget(s, study, budget);
  if (status != HPO_OK) return rollback(s, status);
  sqlite3_stmt *st;
  status = prepare(s, &st,
                   "UPDATE trials SET state = 1, started = ?2, pid = ?3 WHERE id ="
                   " (SELECT id FROM trials WHERE study_id = ?1 AND state = 0"
                   " ORDER BY number LIMIT 1) RETURNING id, number, params, retry_of");
  if (status == HPO_OK) {
    sqlite3_bind_int64(st, 1, study);
    sqlite3_bind_double(st, 2, now());
    sqlite3_bind_int64(st, 3, (int64_t)getpid());
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
      *id = sqlite3_column_int64(st, 0);
      *number = sqlite3_column_int64(st, 1);
      *params = dupstr(sqlite3_column_text(st, 2));
      if (sqlite3_column_type(st, 3) != SQLITE_NULL) *retry_of = sqlite3_column_int64(st, 3);
      if (!*params) status = HPO_ENOMEM;
      release(s, st);
      st = NULL;
      if (status == HPO_OK) status = add_used(s, study, 1);
    } else {
      status = rc == SQLITE_DONE ? HPO_ERANGE : fail(s, "claim trial");
    }
    if (st) release(s, st);
  }
  if (status != HPO_OK) {
    free(*params);
    *params = NULL;
    return rollback(s, status);
  }
  status = commit(s);
  if (status != HPO_OK) {
    free(*params);
    *params = NULL;
  }
  return status;
}

int store_trial_finish(Store *s, int64_t trial, const StoreOutcome *o) {
  if (o->state < TRIAL_COMPLETE || o->state > TRIAL_FAILED) return HPO_EINVAL;
  sqlite3_stmt *st;
  if (prepare(s, &st,
              "UPDATE trials SET state = ?2, value = ?3, metrics = ?4, reason = ?5,"
              " finished = ?6, log_dir = coalesce(?7, log_dir), malformed = ?8"
              " WHERE id = ?1 AND state = 1") != HPO_OK)
    return HPO_EINVAL;
  sqlite3_bind_int64(st, 1, trial);
  sqlite3_bind_int(st, 2, o->state);
  bind_real_or_null(st, 3, o->value);
  bind_text_or_null(st, 4, o->values);
  bind_text_or_null(st, 5, o->reason);
  sqlite3_bind_double(st, 6, now());
  bind_text_or_null(st, 7, o->log_dir);
  sqlite3_bind_int64(st, 8, o->malformed);
  int status = step_done(s, st, "finish trial");
  if (status == HPO_OK && sqlite3_changes(s->db) != 1) {
    snprintf(s->err, sizeof s->err, "finish trial: trial %lld is not running", (long long)trial);
    status = HPO_ERANGE;
  }
  return status;
}

static int pid_alive(int64_t pid) {
  if (pid <= 0) return 0;
  if (pid == (int64_t)getpid()) return 1;
  return kill((pid_t)pid, 0) == 0 || errno == EPERM;
}

// Mark a RUNNING trial FAILED ('interrupted') and queue its params to run again; inside a
// transaction. The interrupted trial stops counting against the budget.
static int requeue(Store *s, int64_t study, int64_t id, const char *params) {
  sqlite3_stmt *up;
  int status = prepare(s, &up,
                       "UPDATE trials SET state = 4, reason = 'interrupted', finished = ?2"
                       " WHERE id = ?1");
  if (status != HPO_OK) return status;
  sqlite3_bind_int64(up, 1, id);
  sqlite3_bind_double(up, 2, now());
  status = step_done(s, up, "requeue trial");
  if (status == HPO_OK) status = insert_trial(s, study, TRIAL_WAITING, params, -1, NULL, NULL);
  if (status == HPO_OK) status = add_used(s, study, -1);
  return status;
}

int store_trial_requeue(Store *s, int64_t trial) {
  int status = begin(s);
  if (status != HPO_OK) return status;
  sqlite3_stmt *sel;
  status = prepare(s, &sel, "SELECT study_id, params FROM trials WHERE id = ? AND state = 1");
  if (status != HPO_OK) return rollback(s, status);
  sqlite3_bind_int64(sel, 1, trial);
  int rc = sqlite3_step(sel);
  if (rc == SQLITE_ROW) {
    int64_t study = sqlite3_column_int64(sel, 0);
    char *params = dupstr(sqlite3_column_text(sel, 1));
    release(s, sel);
    status = params ? requeue(s, study, trial, params) : HPO_ENOMEM;
    free(params);
  } else {
    status = rc == SQLITE_DONE ? HPO_ERANGE : fail(s, "requeue trial");
    release(s, sel);
  }
  return status == HPO_OK ? commit(s) : rollback(s, status);
}

int store_trial_recover(Store *s, int64_t study, int64_t *count) {
  *count = 0;
  int status = begin(s);
  if (status != HPO_OK) return status;
  sqlite3_stmt *sel;
  status = prepare(s, &sel, "SELECT id, pid, params FROM trials WHERE study_id = ? AND state = 1");
  if (status != HPO_OK) return rollback(s, status);
  sqlite3_bind_int64(sel, 1, study);
  int rc;
  while (status == HPO_OK && (rc = sqlite3_step(sel)) == SQLITE_ROW) {
    int64_t id = sqlite3_column_int64(sel, 0);
    if (pid_alive(sqlite3_column_int64(sel, 1))) continue;  // another live process runs it
    char *params = dupstr(sqlite3_column_text(sel, 2));
    status = params ? requeue(s, study, id, params) : HPO_ENOMEM;
    free(params);
    if (status == HPO_OK) (*count)++;
  }
  release(s, sel);
  return status == HPO_OK ? commit(s) : rollback(s, status);
}

int store_trial_each(Store *s, int64_t study, StoreTrialFn fn, void *ud) {
  sqlite3_stmt *st;
  if (prepare(s, &st,
              "SELECT id, number, state, params, value, metrics, reason, started, finished, pid,"
              " retry_of, log_dir, malformed FROM trials WHERE study_id = ? ORDER BY number") !=
      HPO_OK)
    return HPO_EINVAL;
  sqlite3_bind_int64(st, 1, study);
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    StoreTrial t = {
        .id = sqlite3_column_int64(st, 0),
        .number = sqlite3_column_int64(st, 1),
        .state = (TrialState)sqlite3_column_int(st, 2),
        .params = (const char *)sqlite3_column_text(st, 3),
        .value = column_real(st, 4),
        .values = (const char *)sqlite3_column_text(st, 5),
        .reason = (const char *)sqlite3_column_text(st, 6),
        .started = column_real(st, 7),
        .finished = column_real(st, 8),
        .pid = sqlite3_column_int64(st, 9),
        .retry_of = sqlite3_column_type(st, 10) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 10),
        .log_dir = (const char *)sqlite3_column_text(st, 11),
        .malformed = sqlite3_column_int64(st, 12),
    };
    if (fn(&t, ud)) break;
  }
  int status = (rc == SQLITE_ROW || rc == SQLITE_DONE) ? HPO_OK : fail(s, "list trials");
  release(s, st);
  return status;
}

int store_trial_counts(Store *s, int64_t study, int64_t counts[5], int64_t *interrupted) {
  for (int i = 0; i < 5; i++) counts[i] = 0;
  *interrupted = 0;
  sqlite3_stmt *st;
  if (prepare(s, &st,
              "SELECT state, reason = 'interrupted', count(*) FROM trials WHERE study_id = ?"
              " GROUP BY 1, 2") != HPO_OK)
    return HPO_EINVAL;
  sqlite3_bind_int64(st, 1, study);
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    int state = sqlite3_column_int(st, 0);
    int64_t n = sqlite3_column_int64(st, 2);
    if (state == TRIAL_FAILED && sqlite3_column_int(st, 1))
      *interrupted += n;
    else if (state >= 0 && state < 5)
      counts[state] += n;
  }
  int status = rc == SQLITE_DONE ? HPO_OK : fail(s, "count trials");
  release(s, st);
  return status;
}

int store_report_add(Store *s, int64_t trial, int64_t step, const char *metrics) {
  sqlite3_stmt *st;
  if (prepare(s, &st, "INSERT INTO reports(trial_id, step, metrics, time) VALUES(?,?,?,?)") !=
      HPO_OK)
    return HPO_EINVAL;
  sqlite3_bind_int64(st, 1, trial);
  sqlite3_bind_int64(st, 2, step);
  sqlite3_bind_text(st, 3, metrics, -1, SQLITE_TRANSIENT);
  sqlite3_bind_double(st, 4, now());
  return step_done(s, st, "add report");
}

int store_report_each(Store *s, int64_t study, int64_t trial, StoreReportFn fn, void *ud) {
  sqlite3_stmt *st;
  const char *sql = trial > 0
                        ? "SELECT trial_id, step, metrics, time FROM reports WHERE trial_id = ?2"
                          " ORDER BY rowid"
                        : "SELECT r.trial_id, r.step, r.metrics, r.time FROM reports r"
                          " JOIN trials t ON t.id = r.trial_id WHERE t.study_id = ?1"
                          " ORDER BY t.number, r.rowid";
  if (prepare(s, &st, sql) != HPO_OK) return HPO_EINVAL;
  if (trial > 0)
    sqlite3_bind_int64(st, 2, trial);
  else
    sqlite3_bind_int64(st, 1, study);
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    StoreReport r = {
        .trial_id = sqlite3_column_int64(st, 0),
        .step = sqlite3_column_int64(st, 1),
        .metrics = (const char *)sqlite3_column_text(st, 2),
        .time = sqlite3_column_double(st, 3),
    };
    if (fn(&r, ud)) break;
  }
  int status = (rc == SQLITE_ROW || rc == SQLITE_DONE) ? HPO_OK : fail(s, "list reports");
  release(s, st);
  return status;
}

int store_event_add(Store *s, int64_t trial, const char *kind, const char *data) {
  sqlite3_stmt *st;
  if (prepare(s, &st, "INSERT INTO events(trial_id, kind, data, time) VALUES(?,?,?,?)") != HPO_OK)
    return HPO_EINVAL;
  sqlite3_bind_int64(st, 1, trial);
  sqlite3_bind_text(st, 2, kind, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 3, data, -1, SQLITE_TRANSIENT);
  sqlite3_bind_double(st, 4, now());
  return step_done(s, st, "add event");
}

int store_event_each(Store *s, int64_t study, StoreEventFn fn, void *ud) {
  sqlite3_stmt *st;
  if (prepare(s, &st,
              "SELECT t.number, e.kind, e.data, e.time FROM events e JOIN trials t"
              " ON t.id = e.trial_id WHERE t.study_id = ? ORDER BY e.rowid") != HPO_OK)
    return HPO_EINVAL;
  sqlite3_bind_int64(st, 1, study);
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    StoreEvent e = {
        .number = sqlite3_column_int64(st, 0),
        .kind = (const char *)sqlite3_column_text(st, 1),
        .data = (const char *)sqlite3_column_text(st, 2),
        .time = sqlite3_column_double(st, 3),
    };
    if (fn(&e, ud)) break;
  }
  int status = (rc == SQLITE_ROW || rc == SQLITE_DONE) ? HPO_OK : fail(s, "list events");
  release(s, st);
  return status;
}

int store_sampler_state_get(Store *s, int64_t study, void **data, size_t *len) {
  *data = NULL;
  *len = 0;
  sqlite3_stmt *st;
  if (prepare(s, &st, "SELECT state FROM sampler_state WHERE study_id = ?") != HPO_OK)
    return HPO_EINVAL;
  sqlite3_bind_int64(st, 1, study);
  int rc = sqlite3_step(st);
  int status = HPO_ERANGE;
  if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
    int n = sqlite3_column_bytes(st, 0);
    *data = malloc(n > 0 ? (size_t)n : 1);
    if (!*data) {
      status = HPO_ENOMEM;
    } else {
      if (n > 0) memcpy(*data, sqlite3_column_blob(st, 0), (size_t)n);
      *len = (size_t)n;
      status = HPO_OK;
    }
  } else if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
    status = fail(s, "load sampler state");
  }
  release(s, st);
  return status;
}

int store_sampler_state_set(Store *s, int64_t study, const void *data, size_t len) {
  return set_sampler_state(s, study, data, len);
}
