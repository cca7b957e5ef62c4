// Unit tests of src/store: studies, the trial life cycle, budgets, recovery of trials left
// RUNNING by a dead process, reports and sampler state, on a real file.
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "core/status.h"
#include "store/store.h"

static char path[256];

static Store *open_or_die(void) {
  Store *s;
  char *err;
  if (store_open(&s, path, 0, &err) != HPO_OK) {
    fprintf(stderr, "open: %s\n", err);
    exit(1);
  }
  return s;
}

typedef struct {
  int n;
  int64_t numbers[64];
  TrialState states[64];
  char reasons[64][32];
} Rows;

static int collect(const StoreTrial *t, void *ud) {
  Rows *r = ud;
  r->numbers[r->n] = t->number;
  r->states[r->n] = t->state;
  snprintf(r->reasons[r->n], sizeof r->reasons[0], "%s", t->reason ? t->reason : "");
  r->n++;
  return 0;
}

static int64_t make_study(Store *s) {
  int64_t id;
  int created;
  CHECK_INT(store_study_create(s, "demo", "minimize", "{\"x\":{}}", "{}", NULL, 0, &id, &created),
            HPO_OK);
  CHECK_INT(created, 1);
  return id;
}

static void test_studies(void) {
  Store *s = open_or_die();
  int64_t id = make_study(s);
  StoreStudy st;
  CHECK_INT(store_study_find(s, "demo", &st), HPO_OK);
  CHECK_INT(st.id, id);
  CHECK(strcmp(st.direction, "minimize") == 0);
  CHECK(strcmp(st.space, "{\"x\":{}}") == 0);
  store_study_clear(&st);
  CHECK_INT(store_study_find(s, "nope", &st), HPO_ERANGE);
  // The name exists (another process was first): its id, nothing created, nothing queued.
  int64_t dup;
  int created;
  const char *queue[] = {"{\"x\":1}", "{\"x\":2}"};
  CHECK_INT(store_study_create(s, "demo", "minimize", "{}", "{}", queue, 2, &dup, &created), HPO_OK);
  CHECK_INT(created, 0);
  CHECK_INT(dup, id);
  int64_t tid, number, retry_of;
  char *params;
  CHECK_INT(store_trial_claim(s, id, 100, &tid, &number, &params, &retry_of), HPO_ERANGE);
  // A new study gets its queued trials in the same transaction, in order.
  int64_t id2;
  CHECK_INT(store_study_create(s, "other", "minimize", "{}", "{}", queue, 2, &id2, &created),
            HPO_OK);
  CHECK_INT(created, 1);
  CHECK_INT(store_trial_claim(s, id2, 100, &tid, &number, &params, &retry_of), HPO_OK);
  CHECK_INT(number, 0);
  CHECK(strcmp(params, "{\"x\":1}") == 0);
  free(params);
  store_close(s);
}

static void test_trial_lifecycle(void) {
  Store *s = open_or_die();
  StoreStudy st;
  store_study_find(s, "demo", &st);
  int64_t study = st.id;
  store_study_clear(&st);
  int64_t id, number;
  CHECK_INT(store_trial_start(s, study, 3, "{\"x\":1}", "state-0", 7, &id, &number), HPO_OK);
  CHECK_INT(number, 0);
  CHECK_INT(store_report_add(s, id, 1, "{\"loss\":0.5}"), HPO_OK);
  CHECK_INT(store_trial_finish(s, id, &(StoreOutcome){.state = TRIAL_COMPLETE, .value = 0.25, .values = "{\"loss\":0.25}", .reason = NULL}), HPO_OK);
  // Finishing twice is refused: a trial ends once.
  CHECK_INT(store_trial_finish(s, id, &(StoreOutcome){.state = TRIAL_FAILED, .value = NAN, .values = NULL, .reason = "again"}), HPO_ERANGE);
  CHECK_INT(store_trial_start(s, study, 3, "{\"x\":2}", NULL, 0, &id, &number), HPO_OK);
  CHECK_INT(number, 1);
  CHECK_INT(store_trial_finish(s, id, &(StoreOutcome){.state = TRIAL_FAILED, .value = NAN, .values = NULL, .reason = "boom"}), HPO_OK);
  CHECK_INT(store_trial_start(s, study, 3, "{\"x\":3}", NULL, 0, &id, &number), HPO_OK);
  // The budget of 3 counts the running trial: a fourth cannot start.
  int64_t id4, n4;
  CHECK_INT(store_trial_start(s, study, 3, "{\"x\":4}", NULL, 0, &id4, &n4), HPO_ERANGE);
  CHECK_INT(store_trial_finish(s, id, &(StoreOutcome){.state = TRIAL_PRUNED, .value = 0.9, .values = NULL, .reason = "pruned at step 2"}), HPO_OK);
  void *data;
  size_t len;
  CHECK_INT(store_sampler_state_get(s, study, &data, &len), HPO_OK);
  CHECK_INT(len, 7);
  CHECK(memcmp(data, "state-0", 7) == 0);
  free(data);
  int64_t counts[5], interrupted;
  CHECK_INT(store_trial_counts(s, study, counts, &interrupted), HPO_OK);
  CHECK_INT(counts[TRIAL_COMPLETE], 1);
  CHECK_INT(counts[TRIAL_FAILED], 1);
  CHECK_INT(counts[TRIAL_PRUNED], 1);
  CHECK_INT(interrupted, 0);
  store_close(s);
}

// A child process starts a trial and dies without finishing it, as a killed study does.
static void test_recover_after_kill(void) {
  pid_t pid = fork();
  if (pid == 0) {
    Store *s = open_or_die();
    StoreStudy st;
    store_study_find(s, "demo", &st);
    int64_t id, number;
    store_trial_start(s, st.id, -1, "{\"x\":5}", NULL, 0, &id, &number);
    _exit(0);  // no finish, no close
  }
  int status;
  waitpid(pid, &status, 0);
  Store *s = open_or_die();
  StoreStudy st;
  store_study_find(s, "demo", &st);
  int64_t study = st.id;
  store_study_clear(&st);
  int64_t n;
  CHECK_INT(store_trial_recover(s, study, &n), HPO_OK);
  CHECK_INT(n, 1);
  CHECK_INT(store_trial_recover(s, study, &n), HPO_OK);
  CHECK_INT(n, 0);  // idempotent
  Rows rows = {0};
  CHECK_INT(store_trial_each(s, study, collect, &rows), HPO_OK);
  CHECK_INT(rows.n, 5);
  CHECK_INT(rows.states[3], TRIAL_FAILED);
  CHECK(strcmp(rows.reasons[3], "interrupted") == 0);
  CHECK_INT(rows.states[4], TRIAL_WAITING);
  // The budget ignores the interrupted trial, and claiming runs the queued params.
  int64_t id, number, retry_of;
  char *params;
  CHECK_INT(store_trial_claim(s, study, 4, &id, &number, &params, &retry_of), HPO_OK);
  CHECK_INT(number, 4);
  CHECK(strcmp(params, "{\"x\":5}") == 0);
  free(params);
  CHECK_INT(store_trial_claim(s, study, -1, &id, &number, &params, &retry_of), HPO_ERANGE);
  int64_t counts[5], interrupted;
  store_trial_counts(s, study, counts, &interrupted);
  CHECK_INT(interrupted, 1);
  CHECK_INT(counts[TRIAL_RUNNING], 1);
  // Our own running trial is not "interrupted": this process is alive.
  CHECK_INT(store_trial_recover(s, study, &n), HPO_OK);
  CHECK_INT(n, 0);
  // Interrupting it (Ctrl-C) queues it again and frees its place in the budget: with 3
  // trials counted (complete, failed, pruned) a budget of 4 admits exactly one more.
  CHECK_INT(store_trial_requeue(s, id), HPO_OK);
  CHECK_INT(store_trial_requeue(s, id), HPO_ERANGE);  // no longer running
  store_trial_counts(s, study, counts, &interrupted);
  CHECK_INT(interrupted, 2);
  CHECK_INT(counts[TRIAL_WAITING], 1);
  CHECK_INT(store_trial_claim(s, study, 4, &id, &number, &params, &retry_of), HPO_OK);
  CHECK_INT(number, 5);
  free(params);
  CHECK_INT(store_trial_start(s, study, 4, "{}", NULL, 0, &id, &number), HPO_ERANGE);
  store_close(s);
}

static void test_readonly_and_foreign(void) {
  Store *s;
  char *err;
  CHECK(store_open(&s, "/nonexistent/dir/x.db", 0, &err) != HPO_OK);
  CHECK(err && strstr(err, "/nonexistent/dir/x.db"));
  free(err);
  char foreign[300];
  snprintf(foreign, sizeof foreign, "%s.txt", path);
  FILE *f = fopen(foreign, "w");
  fputs("this is not a database, just text that is long enough to look like a header....", f);
  fclose(f);
  CHECK(store_open(&s, foreign, 0, &err) != HPO_OK);
  CHECK(err != NULL);
  free(err);
  unlink(foreign);
  CHECK_INT(store_open(&s, path, 1, &err), HPO_OK);
  int64_t id;
  int created;
  CHECK(store_study_create(s, "x", "minimize", "{}", "{}", NULL, 0, &id, &created) != HPO_OK);
  CHECK(strlen(store_errmsg(s)) > 0);  // read-only
  store_close(s);
}

int main(void) {
  snprintf(path, sizeof path, "/tmp/hpo-test-store-%d.db", (int)getpid());
  RUN(test_studies);
  RUN(test_trial_lifecycle);
  RUN(test_recover_after_kill);
  RUN(test_readonly_and_foreign);
  char extra[300];
  unlink(path);
  snprintf(extra, sizeof extra, "%s-wal", path);
  unlink(extra);
  snprintf(extra, sizeof extra, "%s-shm", path);
  unlink(extra);
  return check_report();
}
