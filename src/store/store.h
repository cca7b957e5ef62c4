/// Study storage: one SQLite file (WAL, a transaction per event) behind a narrow interface,
/// so that a study killed at any moment loses no finished trial (DESIGN.md section 6).
/// Functions return HPO_OK (0) or a negative status; store_errmsg() says what went wrong.
#ifndef HPO_STORE_STORE_H
#define HPO_STORE_STORE_H

#include <stddef.h>
#include <stdint.h>

typedef struct Store Store;

typedef enum {
  TRIAL_WAITING = 0,  ///< enqueued, not started (e.g. an interrupted trial to re-run)
  TRIAL_RUNNING = 1,
  TRIAL_COMPLETE = 2,
  TRIAL_PRUNED = 3,
  TRIAL_FAILED = 4,
} TrialState;

typedef struct {
  int64_t id;
  char *name, *direction, *space, *config;  ///< space and config are JSON
  double created;
} StoreStudy;

typedef struct {
  int64_t id, number;
  TrialState state;
  const char *params;        ///< JSON object
  double value;              ///< NaN when there is none
  const char *values;        ///< JSON object of the final metrics, or NULL
  const char *reason;        ///< why it failed or was pruned, or NULL
  double started, finished;  ///< Unix seconds; NaN when not yet
  int64_t pid;         ///< process that runs or ran it
  int64_t retry_of;    ///< number of the failed trial this one retries, or -1
  const char *log_dir; ///< directory of its logs, or NULL
  int64_t malformed;   ///< report lines that could not be read
} StoreTrial;

/// How a trial ended, for store_trial_finish.
typedef struct {
  TrialState state;     ///< COMPLETE, PRUNED or FAILED
  double value;         ///< NaN when there is none
  const char *values;   ///< JSON object of the final metrics, or NULL
  const char *reason;   ///< why it failed or was pruned, or NULL
  const char *log_dir;  ///< the trial's directory of logs, or NULL
  int64_t malformed;    ///< report lines that could not be read
} StoreOutcome;

typedef struct {
  int64_t trial_id, step;
  const char *metrics;  ///< JSON object
  double time;
} StoreReport;

/// Called once per row; the strings live until the callback returns. Non-zero stops the walk.
typedef int (*StoreTrialFn)(const StoreTrial *t, void *ud);
typedef int (*StoreReportFn)(const StoreReport *r, void *ud);
typedef int (*StoreStudyFn)(const StoreStudy *s, void *ud);

/// Open (creating if needed, unless readonly) a store at path; ":memory:" is a private
/// in-memory store. On failure *out is NULL and *err (static or malloc'd: free with free()) says
/// why.
int store_open(Store **out, const char *path, int readonly, char **err);
void store_close(Store *s);
const char *store_errmsg(const Store *s);
const char *store_state_name(TrialState st);
/// -1 for an unknown name.
int store_state_from_name(const char *name);

/// Find a study by name: HPO_OK and *out filled (free with store_study_clear), or HPO_ERANGE.
int store_study_find(Store *s, const char *name, StoreStudy *out);
/// Create a study with nenqueue queued trials (params JSON), in one transaction. When a study
/// of that name exists already (another process just created it), *id is its id and
/// *created 0; nothing is changed.
int store_study_create(Store *s, const char *name, const char *direction, const char *space,
                       const char *config, const char *const *enqueue, int nenqueue, int64_t *id,
                       int *created);
int store_study_each(Store *s, StoreStudyFn fn, void *ud);
void store_study_clear(StoreStudy *st);

/// Start a new trial with the given params, unless `budget` (>= 0) trials already count
/// (running and finished ones, except interrupted ones): then HPO_ERANGE.
/// The sampler state (may be NULL) is saved in the same transaction.
int store_trial_start(Store *s, int64_t study, int64_t budget, const char *params,
                      const void *sampler_state, size_t state_len, int64_t *id, int64_t *number);
/// How many trials count against the budget now (running and finished, not interrupted).
int store_trial_budget_used(Store *s, int64_t study, int64_t *n);
/// Claim the oldest WAITING trial (it becomes RUNNING) within the budget, as for
/// store_trial_start: HPO_OK with its id, number and a malloc'd copy of its params, or
/// HPO_ERANGE when none waits or the budget is used up.
int store_trial_claim(Store *s, int64_t study, int64_t budget, int64_t *id, int64_t *number,
                      char **params, int64_t *retry_of);
/// Enqueue params to run before the sampler's next proposals (a WAITING trial).
/// retry_of: the number of the failed trial it retries, or -1.
int store_trial_enqueue(Store *s, int64_t study, const char *params, int64_t retry_of,
                        int64_t *number);
/// Finish a RUNNING trial; HPO_ERANGE if it is not running.
int store_trial_finish(Store *s, int64_t trial, const StoreOutcome *o);
/// Mark RUNNING trials of processes that no longer exist as FAILED ('interrupted') and
/// enqueue their params again. *count gets how many.
int store_trial_recover(Store *s, int64_t study, int64_t *count);
/// Mark one RUNNING trial FAILED ('interrupted') and enqueue its params again, as recover
/// does for a dead process (used when a study is interrupted by a signal).
int store_trial_requeue(Store *s, int64_t trial);
int store_trial_each(Store *s, int64_t study, StoreTrialFn fn, void *ud);
/// Number of trials of a study per state (counts[TRIAL_WAITING..TRIAL_FAILED]); interrupted
/// failures are counted separately in *interrupted (and not in counts[TRIAL_FAILED]).
int store_trial_counts(Store *s, int64_t study, int64_t counts[5], int64_t *interrupted);

int store_report_add(Store *s, int64_t trial, int64_t step, const char *metrics);
/// Reports of one trial (trial > 0) or of every trial of a study (trial == 0), by trial then step.
int store_report_each(Store *s, int64_t study, int64_t trial, StoreReportFn fn, void *ud);

/// A scheduler event of a trial (PBT's exploit, ...): a kind and a JSON object.
typedef struct {
  int64_t number;  ///< the trial's number
  const char *kind;
  const char *data;
  double time;
} StoreEvent;
typedef int (*StoreEventFn)(const StoreEvent *e, void *ud);
int store_event_add(Store *s, int64_t trial, const char *kind, const char *data);
/// Events of a study's trials in the order they were added.
int store_event_each(Store *s, int64_t study, StoreEventFn fn, void *ud);

int store_sampler_state_get(Store *s, int64_t study, void **data, size_t *len);
int store_sampler_state_set(Store *s, int64_t study, const void *data, size_t len);

#endif
