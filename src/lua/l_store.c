// Bindings of src/store: hpo.Store. Failures of the environment (SQLite errors, a busy or
// broken file) return nil, message; misuse raises.
#include <math.h>
#include <stdlib.h>

#include "../core/status.h"
#include "../store/store.h"
#include "l_util.h"

#define STORE_MT "hpo.Store"

typedef struct {
  Store *s;
} LStore;

static Store *check_store(lua_State *L) {
  LStore *ls = luaL_checkudata(L, 1, STORE_MT);
  if (!ls->s) luaL_error(L, "store is closed");
  return ls->s;
}

static int push_failure(lua_State *L, Store *s) {
  lua_pushnil(L);
  lua_pushstring(L, store_errmsg(s));
  return 2;
}

static void set_str(lua_State *L, const char *key, const char *v) {
  if (!v) return;
  lua_pushstring(L, v);
  lua_setfield(L, -2, key);
}

static void set_num(lua_State *L, const char *key, double v) {
  if (isnan(v)) return;
  lua_pushnumber(L, v);
  lua_setfield(L, -2, key);
}

static void set_int(lua_State *L, const char *key, int64_t v) {
  lua_pushinteger(L, (lua_Integer)v);
  lua_setfield(L, -2, key);
}

/// core.open_store(path, readonly) -> hpo.Store | nil, message
static int l_store_open(lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  int readonly = lua_toboolean(L, 2);
  LStore *ls = lua_newuserdatauv(L, sizeof *ls, 0);
  ls->s = NULL;
  luaL_setmetatable(L, STORE_MT);
  char *err = NULL;
  if (store_open(&ls->s, path, readonly, &err) != HPO_OK) {
    lua_pushnil(L);
    lua_pushstring(L, err ? err : "cannot open store");
    free(err);
    return 2;
  }
  return 1;
}

static int l_store_close(lua_State *L) {
  LStore *ls = luaL_checkudata(L, 1, STORE_MT);
  store_close(ls->s);
  ls->s = NULL;
  return 0;
}

static void push_study(lua_State *L, const StoreStudy *st) {
  lua_createtable(L, 0, 6);
  set_int(L, "id", st->id);
  set_str(L, "name", st->name);
  set_str(L, "direction", st->direction);
  set_str(L, "space", st->space);
  set_str(L, "config", st->config);
  set_num(L, "created", st->created);
}

/// store:find_study(name) -> study table | false (not found) | nil, message
static int l_store_find_study(lua_State *L) {
  Store *s = check_store(L);
  StoreStudy st;
  int status = store_study_find(s, luaL_checkstring(L, 2), &st);
  if (status == HPO_ERANGE) {
    lua_pushboolean(L, 0);
    return 1;
  }
  if (status != HPO_OK) return push_failure(L, s);
  push_study(L, &st);
  store_study_clear(&st);
  return 1;
}

static int study_row(const StoreStudy *st, void *ud) {
  lua_State *L = ud;  // [self, list]
  push_study(L, st);
  lua_rawseti(L, -2, (lua_Integer)luaL_len(L, -2) + 1);
  return 0;
}

/// store:studies() -> {study, ...}
static int l_store_studies(lua_State *L) {
  Store *s = check_store(L);
  lua_newtable(L);
  if (store_study_each(s, study_row, L) != HPO_OK) return push_failure(L, s);
  return 1;
}

/// store:create_study(name, direction, space_json, config_json[, {params_json, ...}])
///   -> id, created: creates the study with those trials queued, or (another process was
///   first) returns the existing study's id and false
static int l_store_create_study(lua_State *L) {
  Store *s = check_store(L);
  int n = lua_istable(L, 6) ? (int)luaL_len(L, 6) : 0;
  const char **queue = lua_newuserdatauv(L, sizeof(char *) * (size_t)(n > 0 ? n : 1), 0);
  for (int i = 0; i < n; i++) {
    if (lua_geti(L, 6, i + 1) != LUA_TSTRING) return luaL_error(L, "queued params must be JSON strings");
    queue[i] = lua_tostring(L, -1);  // kept alive by the table
    lua_pop(L, 1);
  }
  int64_t id;
  int created;
  if (store_study_create(s, luaL_checkstring(L, 2), luaL_checkstring(L, 3), luaL_checkstring(L, 4),
                         luaL_optstring(L, 5, "{}"), queue, n, &id, &created) != HPO_OK)
    return push_failure(L, s);
  lua_pushinteger(L, (lua_Integer)id);
  lua_pushboolean(L, created);
  return 2;
}

/// store:start_trial(study, budget, params_json[, sampler_state]) -> id, number
///   | false (budget used up) | nil, message
static int l_store_start_trial(lua_State *L) {
  Store *s = check_store(L);
  int64_t study = luaL_checkinteger(L, 2), budget = luaL_checkinteger(L, 3);
  const char *params = luaL_checkstring(L, 4);
  size_t len = 0;
  const char *state = luaL_optlstring(L, 5, NULL, &len);
  int64_t id, number;
  int status = store_trial_start(s, study, budget, params, state, len, &id, &number);
  if (status == HPO_ERANGE) {
    lua_pushboolean(L, 0);
    return 1;
  }
  if (status != HPO_OK) return push_failure(L, s);
  lua_pushinteger(L, (lua_Integer)id);
  lua_pushinteger(L, (lua_Integer)number);
  return 2;
}

/// store:claim_trial(study, budget) -> id, number, params_json, retry_of | false (none
///   waits, or the budget is used up) | nil, message
static int l_store_claim_trial(lua_State *L) {
  Store *s = check_store(L);
  int64_t id, number, retry_of;
  char *params;
  int status = store_trial_claim(s, luaL_checkinteger(L, 2), luaL_checkinteger(L, 3), &id, &number,
                                 &params, &retry_of);
  if (status == HPO_ERANGE) {
    lua_pushboolean(L, 0);
    return 1;
  }
  if (status != HPO_OK) return push_failure(L, s);
  lua_pushinteger(L, (lua_Integer)id);
  lua_pushinteger(L, (lua_Integer)number);
  lua_pushstring(L, params);
  free(params);
  if (retry_of >= 0) lua_pushinteger(L, (lua_Integer)retry_of);
  else lua_pushnil(L);
  return 4;
}

/// store:enqueue(study, params_json[, retry_of]) -> number
static int l_store_enqueue(lua_State *L) {
  Store *s = check_store(L);
  int64_t number;
  if (store_trial_enqueue(s, luaL_checkinteger(L, 2), luaL_checkstring(L, 3),
                          luaL_optinteger(L, 4, -1), &number) != HPO_OK)
    return push_failure(L, s);
  lua_pushinteger(L, (lua_Integer)number);
  return 1;
}

/// store:finish_trial(id, {state =, value =, values =, reason =, log_dir =, malformed =})
///   -> true
static int l_store_finish_trial(lua_State *L) {
  Store *s = check_store(L);
  int64_t id = luaL_checkinteger(L, 2);
  luaL_checktype(L, 3, LUA_TTABLE);
  lua_getfield(L, 3, "state");
  int state = store_state_from_name(luaL_optstring(L, -1, ""));
  luaL_argcheck(L, state >= TRIAL_COMPLETE, 3, "state must be COMPLETE, PRUNED or FAILED");
  StoreOutcome o = {
      .state = (TrialState)state,
      .value = l_optfield_num(L, 3, "value", NAN),
      .malformed = l_optfield_int(L, 3, "malformed", 0),
  };
  lua_getfield(L, 3, "values");  // the strings stay on the stack while used
  o.values = lua_tostring(L, -1);
  lua_getfield(L, 3, "reason");
  o.reason = lua_tostring(L, -1);
  lua_getfield(L, 3, "log_dir");
  o.log_dir = lua_tostring(L, -1);
  if (store_trial_finish(s, id, &o) != HPO_OK) return push_failure(L, s);
  lua_pushboolean(L, 1);
  return 1;
}

/// store:budget_used(study) -> trials counting against the budget
static int l_store_budget_used(lua_State *L) {
  Store *s = check_store(L);
  int64_t n;
  if (store_trial_budget_used(s, luaL_checkinteger(L, 2), &n) != HPO_OK) return push_failure(L, s);
  lua_pushinteger(L, (lua_Integer)n);
  return 1;
}

/// store:recover(study) -> number of interrupted trials re-enqueued
static int l_store_recover(lua_State *L) {
  Store *s = check_store(L);
  int64_t n;
  if (store_trial_recover(s, luaL_checkinteger(L, 2), &n) != HPO_OK) return push_failure(L, s);
  lua_pushinteger(L, (lua_Integer)n);
  return 1;
}

/// store:requeue(trial_id) -> true
static int l_store_requeue(lua_State *L) {
  Store *s = check_store(L);
  if (store_trial_requeue(s, luaL_checkinteger(L, 2)) != HPO_OK) return push_failure(L, s);
  lua_pushboolean(L, 1);
  return 1;
}

static int trial_row(const StoreTrial *t, void *ud) {
  lua_State *L = ud;  // [..., list]
  lua_createtable(L, 0, 10);
  set_int(L, "id", t->id);
  set_int(L, "number", t->number);
  set_str(L, "state", store_state_name(t->state));
  set_str(L, "params", t->params);
  set_num(L, "value", t->value);
  set_str(L, "values", t->values);
  set_str(L, "reason", t->reason);
  set_num(L, "started", t->started);
  set_num(L, "finished", t->finished);
  if (t->retry_of >= 0) set_int(L, "retry_of", t->retry_of);
  set_str(L, "log_dir", t->log_dir);
  set_int(L, "malformed", t->malformed);
  lua_rawseti(L, -2, (lua_Integer)luaL_len(L, -2) + 1);
  return 0;
}

/// store:trials(study) -> {trial, ...} by number; params and values are JSON text
static int l_store_trials(lua_State *L) {
  Store *s = check_store(L);
  int64_t study = luaL_checkinteger(L, 2);
  lua_newtable(L);
  if (store_trial_each(s, study, trial_row, L) != HPO_OK) return push_failure(L, s);
  return 1;
}

/// store:counts(study) -> {WAITING=, RUNNING=, COMPLETE=, PRUNED=, FAILED=, interrupted=}
static int l_store_counts(lua_State *L) {
  Store *s = check_store(L);
  int64_t counts[5], interrupted;
  if (store_trial_counts(s, luaL_checkinteger(L, 2), counts, &interrupted) != HPO_OK)
    return push_failure(L, s);
  lua_createtable(L, 0, 6);
  for (int i = 0; i < 5; i++) set_int(L, store_state_name((TrialState)i), counts[i]);
  set_int(L, "interrupted", interrupted);
  return 1;
}

/// store:add_report(trial, step, metrics_json) -> true
static int l_store_add_report(lua_State *L) {
  Store *s = check_store(L);
  if (store_report_add(s, luaL_checkinteger(L, 2), luaL_checkinteger(L, 3),
                       luaL_checkstring(L, 4)) != HPO_OK)
    return push_failure(L, s);
  lua_pushboolean(L, 1);
  return 1;
}

static int report_row(const StoreReport *r, void *ud) {
  lua_State *L = ud;
  lua_createtable(L, 0, 4);
  set_int(L, "trial_id", r->trial_id);
  set_int(L, "step", r->step);
  set_str(L, "metrics", r->metrics);
  set_num(L, "time", r->time);
  lua_rawseti(L, -2, (lua_Integer)luaL_len(L, -2) + 1);
  return 0;
}

/// store:reports(study[, trial]) -> {report, ...}
static int l_store_reports(lua_State *L) {
  Store *s = check_store(L);
  int64_t study = luaL_checkinteger(L, 2), trial = luaL_optinteger(L, 3, 0);
  lua_newtable(L);
  if (store_report_each(s, study, trial, report_row, L) != HPO_OK) return push_failure(L, s);
  return 1;
}

/// store:add_event(trial, kind, data_json) -> true
static int l_store_add_event(lua_State *L) {
  Store *s = check_store(L);
  if (store_event_add(s, luaL_checkinteger(L, 2), luaL_checkstring(L, 3),
                      luaL_checkstring(L, 4)) != HPO_OK)
    return push_failure(L, s);
  lua_pushboolean(L, 1);
  return 1;
}

static int event_row(const StoreEvent *e, void *ud) {
  lua_State *L = ud;
  lua_createtable(L, 0, 4);
  set_int(L, "number", e->number);
  set_str(L, "kind", e->kind);
  set_str(L, "data", e->data);
  set_num(L, "time", e->time);
  lua_rawseti(L, -2, (lua_Integer)luaL_len(L, -2) + 1);
  return 0;
}

/// store:events(study) -> {{number, kind, data, time}, ...}
static int l_store_events(lua_State *L) {
  Store *s = check_store(L);
  lua_newtable(L);
  if (store_event_each(s, luaL_checkinteger(L, 2), event_row, L) != HPO_OK)
    return push_failure(L, s);
  return 1;
}

/// store:sampler_state(study) -> string | false
static int l_store_sampler_state(lua_State *L) {
  Store *s = check_store(L);
  void *data;
  size_t len;
  int status = store_sampler_state_get(s, luaL_checkinteger(L, 2), &data, &len);
  if (status == HPO_ERANGE) {
    lua_pushboolean(L, 0);
    return 1;
  }
  if (status != HPO_OK) return push_failure(L, s);
  lua_pushlstring(L, data, len);
  free(data);
  return 1;
}

/// store:set_sampler_state(study, state) -> true
static int l_store_set_sampler_state(lua_State *L) {
  Store *s = check_store(L);
  size_t len;
  const char *data = luaL_checklstring(L, 3, &len);
  if (store_sampler_state_set(s, luaL_checkinteger(L, 2), data, len) != HPO_OK)
    return push_failure(L, s);
  lua_pushboolean(L, 1);
  return 1;
}

void l_store_register(lua_State *L) {
  static const luaL_Reg methods[] = {
      {"find_study", l_store_find_study},
      {"studies", l_store_studies},
      {"create_study", l_store_create_study},
      {"start_trial", l_store_start_trial},
      {"claim_trial", l_store_claim_trial},
      {"enqueue", l_store_enqueue},
      {"finish_trial", l_store_finish_trial},
      {"recover", l_store_recover},
      {"budget_used", l_store_budget_used},
      {"requeue", l_store_requeue},
      {"trials", l_store_trials},
      {"counts", l_store_counts},
      {"add_report", l_store_add_report},
      {"add_event", l_store_add_event},
      {"events", l_store_events},
      {"reports", l_store_reports},
      {"sampler_state", l_store_sampler_state},
      {"set_sampler_state", l_store_set_sampler_state},
      {"close", l_store_close},
      {"__gc", l_store_close},
      {"__close", l_store_close},
      {NULL, NULL},
  };
  l_newclass(L, STORE_MT, methods);
  lua_pushcfunction(L, l_store_open);
  lua_setfield(L, -2, "open_store");
}
