--- The study loop (DESIGN.md section 2): ask the sampler, run the trial, store every event,
--- tell the sampler, show progress. Trials run in-process (a Lua objective, parallel = 1) or
--- as subprocesses on the libuv pool (a `run` command, or a Lua objective with parallel > 1,
--- which runs in hpolua worker processes). Storage makes a killed study resumable: finished
--- trials are kept, trials left RUNNING by a dead process are marked FAILED ('interrupted')
--- and queued to run again, and the sampler continues from its saved state.
local core = require('hpo.core')
local util = require('hpo._util')
local progress = require('hpo.progress')
local schedulers = require('hpo.scheduler')

local M = {}

--- Trials a study runs when neither the study nor the command line says.
M.DEFAULT_TRIALS = 100

-- Storage calls return nil, message when the environment fails them.
local function check(ok, err, ...)
  if ok == nil then
    util.fail_runtime(err)
  end
  return ok, err, ...
end

---@class hpo.Trial
---@field number integer
---@field params table
local Trial = {}
Trial.__index = Trial

--- Record an intermediate result: trial:report(step, value) or trial:report(step, {metrics}).
---@param step integer
---@param metrics number|table
function Trial:report(step, metrics)
  if math.type(step) ~= 'integer' or step < 0 then
    error(('trial:report: step must be an integer >= 0, got %s'):format(util.show(step)), 2)
  end
  if type(metrics) == 'number' then
    metrics = { [self.metric] = metrics }
  elseif type(metrics) ~= 'table' then
    error(('trial:report: metrics must be a number or a table, got %s'):format(type(metrics)),
      2)
  end
  local ok, text = pcall(util.json_encode, metrics)
  if not ok then
    error('trial:report: metrics cannot be stored as JSON: ' .. tostring(text), 2)
  end
  self:emit(step, metrics, text)
  self.last_report = metrics
  if self.session then
    self.session:intermediate(self, step, metrics)
  end
end

--- Whether the scheduler has stopped this trial: the objective should return then (the
--- trial is PRUNED with its last intermediate value).
function Trial:should_prune()
  return self.pruned_at ~= nil
end

-- In-process trials store their reports directly.
function Trial:emit(step, _, text)
  local stored, err = self.store:add_report(self.id, step, text)
  if not stored then
    error('trial:report: ' .. err, 3)
  end
end

--- A trial object for an objective; `emit(self, step, metrics, text)` records a report.
function M.new_trial(fields)
  return setmetatable(fields, Trial)
end

local function dirname(path)
  return path:match('^(.*)/[^/]*$') or '.'
end

-- A path spelled one way for comparison: './a/../b.db' and 'b.db' give the same key.
local function same_file_key(path)
  local parts = {}
  for part in path:gmatch('[^/]+') do
    if part == '..' and #parts > 0 and parts[#parts] ~= '..' then
      parts[#parts] = nil
    elseif part ~= '.' then
      parts[#parts + 1] = part
    end
  end
  return (path:sub(1, 1) == '/' and '/' or '') .. table.concat(parts, '/')
end

local function exists(path)
  local f = io.open(path, 'rb')
  if f then
    f:close()
    return true
  end
  return false
end

--- Where the study is stored: the command line's --storage, else the study's `storage`
--- (relative to the study file), else <name>.db next to the study file; a study built
--- from plain Lua without a file stays in memory unless told otherwise.
local function storage_path(study, opts)
  if opts.storage then
    return opts.storage
  end
  local dir = study.source and dirname(study.source)
  if study.storage then
    if study.storage == ':memory:' or study.storage:sub(1, 1) == '/' or not dir then
      return study.storage
    end
    return dir .. '/' .. study.storage
  end
  if dir then
    return dir .. '/' .. study.name .. '.db'
  end
  return ':memory:'
end
M.storage_path = storage_path

--- The storage and study name of a study file (for `hpolua show x.lua` and warm_start
--- sources): the file is loaded as hpolua loads it, since its name and `storage` decide where
--- its trials are. Errors in the running study's own file still point into that file.
---@param path string
---@return string storage, string name
function M.file_storage(path)
  local source, text = util.study_source, util.study_text
  local ok, study = pcall(require('hpo._loader').load, path)
  util.study_source, util.study_text = source, text
  if not ok then
    error(study, 0)
  end
  return storage_path(study, {}), study.name
end

-- Move a study file (and its WAL files) aside for --fresh; returns the new name.
local function move_aside(path)
  local stamp = os.date('%Y%m%d-%H%M%S')
  local dest = ('%s.%s.bak'):format(path, stamp)
  local n = 1
  while exists(dest) do
    n = n + 1
    dest = ('%s.%s-%d.bak'):format(path, stamp, n)
  end
  local ok, err = os.rename(path, dest)
  if not ok then
    util.fail_runtime('cannot move ' .. path .. ' aside: ' .. tostring(err))
  end
  for _, suffix in ipairs({ '-wal', '-shm' }) do
    if exists(path .. suffix) then
      os.rename(path .. suffix, dest .. suffix)
    end
  end
  return dest
end

--- Turn what an objective returned (and its last report) into value, metrics, or a reason
--- it has none. Shared by in-process trials and worker processes.
---@return number|nil value, table|nil metrics, string|nil reason
function M.outcome(metric, ret, last_report)
  local value, metrics = ret, nil
  if type(ret) == 'table' then
    metrics = ret
    if not metric then
      local keys = util.sorted_keys(ret)
      if #keys ~= 1 then
        return nil, nil, ("objective returned a table with keys {%s}; set the study's "
          .. 'metric to the one to optimise'):format(table.concat(keys, ', '))
      end
      metric = keys[1]
    end
    value = ret[metric]
    if value == nil then
      return nil, metrics, ("objective result has no metric '%s'"):format(metric)
    end
  elseif ret == nil and last_report then
    -- Nothing returned: the last report's objective metric is the value (as for commands).
    value = last_report[metric or 'value']
    metrics = last_report
    if value == nil then
      return nil, metrics, 'objective returned nothing'
    end
  elseif ret == nil then
    return nil, nil, 'objective returned nothing'
  end
  if type(value) ~= 'number' then
    return nil, metrics, ('objective value must be a number, got %s'):format(util.show(value))
  end
  if value ~= value then
    return nil, metrics, 'objective returned NaN'
  end
  return value, metrics
end

--- Run an objective in this process. Returns state ('COMPLETE', 'FAILED' or 'INTERRUPTED'),
--- value, metrics, reason.
function M.call_objective(study, trial)
  local ok, ret = xpcall(study.objective, function(e)
    if core.interrupted() then
      return 'interrupted'
    end
    if util.is_runtime_error(e) then
      return e  -- a failure of hpolua's side (storage, the scheduler), not of the trial
    end
    return debug.traceback(tostring(e), 2)
  end, trial.params, trial)
  if not ok and util.is_runtime_error(ret) then
    error(ret, 0)
  end
  if not ok then
    if core.interrupted() then
      return 'INTERRUPTED'
    end
    -- Keep the message and the innermost frames; a full traceback is noise in a summary.
    local msg = tostring(ret):gsub('\n%s*%[C%]: in %?', '')
    return 'FAILED', nil, nil, msg
  end
  if study.objectives and type(ret) == 'table' and ret[1] ~= nil then
    -- A list of values, one per objective: named by the study's metrics.
    local named = {}
    for i, obj in ipairs(study.objectives) do
      named[obj.name] = ret[i]
    end
    ret = named
  end
  local value, metrics, reason = M.outcome(study.metric, ret, trial.last_report)
  if reason then
    return 'FAILED', nil, metrics, reason
  end
  return 'COMPLETE', value, metrics
end

-- Whether trial record a beats b: a feasible one beats an infeasible one, the smaller
-- violation of two infeasible ones wins (Deb's rule), then the study's direction.
local function better(study, a, b)
  local va, vb = a.violation or 0, b.violation or 0
  if va ~= vb then
    return va < vb
  end
  if study.direction == 'minimize' then
    return a.value < b.value
  end
  return a.value > b.value
end

--- The best COMPLETE trial of a list of trial records, by the study's direction (none for
--- a study with several objectives: see M.pareto).
function M.best(study, trials)
  if study.objectives then
    return nil
  end
  local best
  for _, t in ipairs(trials) do
    if t.state == 'COMPLETE' and t.value and (not best or better(study, t, best)) then
      best = t
    end
  end
  return best
end

--- The objective values of a trial from its metrics, in the study's order, or nil and why.
function M.values_of(study, metrics)
  local values = {}
  for i, obj in ipairs(study.objectives) do
    local v = metrics and metrics[obj.name]
    if type(v) ~= 'number' or v ~= v then
      return nil, v == nil and ("no value for objective '%s'"):format(obj.name)
        or ("objective '%s' must be a number, got %s"):format(obj.name, util.show(v))
    end
    values[i] = v
  end
  return values
end

--- Total constraint violation (sum of the positive parts) of a trial and the constraint
--- values, from the study's constraints function or constraint metrics; nil and why when
--- they cannot be evaluated. Values of a function are kept in metrics._constraints.
function M.violation(study, params, values, metrics)
  local c = study.constraints
  if not c then
    return 0
  end
  local list
  if type(c) == 'function' then
    list = metrics and metrics._constraints
    if list == nil then
      local ok, ret = pcall(c, params, values, metrics)
      if not ok then
        return nil, 'constraints function failed: ' .. tostring(ret)
      end
      list = ret
    end
    if type(list) == 'number' then
      list = { list }
    end
    if type(list) ~= 'table' then
      return nil, ('constraints function must return a list of numbers, got %s'):format(
        util.show(list))
    end
  else
    list = {}
    for i, name in ipairs(c) do
      list[i] = metrics and metrics[name]
      if list[i] == nil then
        return nil, ("no value for constraint metric '%s'"):format(name)
      end
    end
  end
  local total = 0
  for i, v in ipairs(list) do
    if type(v) ~= 'number' or v ~= v then
      return nil, ('constraint %d must be a number, got %s'):format(i, util.show(v))
    end
    total = total + math.max(v, 0)
  end
  return total, list
end

--- The Pareto-optimal COMPLETE trials of a study with several objectives (feasible first, by
--- Deb's rule), in trial order.
function M.pareto(study, trials)
  local done, f, v = {}, {}, {}
  for _, t in ipairs(trials) do
    if t.state == 'COMPLETE' and t.values then
      local row = {}
      for i, obj in ipairs(study.objectives) do
        row[i] = obj.direction == 'maximize' and -t.values[i] or t.values[i]
      end
      done[#done + 1], f[#f + 1], v[#v + 1] = t, row, t.violation or 0
    end
  end
  local on = core.pareto(f, v)
  local front = {}
  for i, t in ipairs(done) do
    if on[i] then
      front[#front + 1] = t
    end
  end
  return front
end

-- A COMPLETE outcome checked against the objectives and constraints: values and violation
-- added, or the outcome turned FAILED with the reason.
local function with_objectives(study, params, o)
  if o.state ~= 'COMPLETE' or not (study.objectives or study.constraints) then
    return o
  end
  local values, why
  if study.objectives then
    values, why = M.values_of(study, o.metrics)
  else
    values = { o.value }
  end
  local violation, list
  if values then
    violation, list = M.violation(study, params, values, o.metrics)
    why = not violation and list or nil
  end
  if why then
    return { state = 'FAILED', metrics = o.metrics, reason = why, malformed = o.malformed }
  end
  if type(study.constraints) == 'function' then
    o.metrics = o.metrics or { [study.metric or 'value'] = o.value }
    o.metrics._constraints = list
  end
  o.values = study.objectives and values or nil
  o.violation = violation
  return o
end

-- A stored sampler state names the sampler that wrote it ('@tpe@...'), so a study resumed
-- with another sampler starts that one afresh instead of feeding it a foreign state.
function M.pack_state(name, state)
  return ('@%s@%s'):format(name or 'custom', state)
end

--- The sampler's name and its state; states stored before the name was kept give nil.
function M.unpack_state(stored)
  if type(stored) ~= 'string' then
    return nil, nil
  end
  local name, state = stored:match('^@([^@]*)@(.*)$')
  if name then
    return name, state
  end
  return nil, stored
end

-- Open or create the stored study; refuse one whose definition changed incompatibly.
-- Returns its id, whether it was created, and the sampler named in its stored config.
local function open_study(store, study, path)
  local row = check(store:find_study(study.name))
  if row then
    local stored = util.json_decode(row.space)
    local why
    if stored then
      why = study.space:incompatibility(stored)
    else
      why = 'its stored space is unreadable'
    end
    if not why and row.direction ~= study.direction then
      why = ("direction changed from '%s' to '%s'"):format(row.direction, study.direction)
    end
    if why then
      util.fail(study.where, "study '%s' in %s does not match this file: %s (run with --fresh "
        .. 'to start over; the old file is kept)', study.name, path, why)
    end
    local config = util.json_decode(row.config)
    return row.id, false, type(config) == 'table' and config.sampler or nil
  end
  local config = util.json_encode({ metric = study.metric, description = study.description,
    sampler = study.sampler.name, objectives = study.objectives,
    constraints = type(study.constraints) == 'function' and 'function' or study.constraints })
  -- Enqueued params, then the warm start's best configurations of earlier studies, run
  -- first; queued in the transaction that creates the study.
  local queue = {}
  for _, params in ipairs(study.enqueue) do
    queue[#queue + 1] = util.json_encode(params)
  end
  for _, params in ipairs(study.warm_seeds or {}) do
    queue[#queue + 1] = util.json_encode(params)
  end
  local id, created = check(store:create_study(study.name, study.direction,
    util.json_encode(study.space:describe()), config, queue))
  if not created then  -- another process created it a moment ago: check it as stored
    return open_study(store, study, path)
  end
  return id, true
end

-- ---- a session: one run of a study against its storage ----

local Session = {}
Session.__index = Session

-- Decode a stored trial row into a history record.
function Session:record(row)
  local params = util.json_decode(row.params) or {}
  local rec = {
    number = row.number,
    state = row.state,
    params = self.study.space:check_params(params) or params,
    value = row.value,
    metrics = row.values and util.json_decode(row.values) or nil,
    reason = row.reason,
    retry_of = row.retry_of,
    started = row.started,
    finished = row.finished,
  }
  if rec.state == 'COMPLETE' and (self.study.objectives or self.study.constraints) then
    rec.values = self.study.objectives and M.values_of(self.study, rec.metrics) or nil
    rec.violation = M.violation(self.study, rec.params, rec.values or { rec.value }, rec.metrics)
  end
  return rec
end

-- Count a trial's attempts: 1, or one more than the trial it retries.
function Session:note_attempt(number, retry_of)
  self.attempts[number] = 1 + (retry_of and self.attempts[retry_of] or 0)
end

--- The next trial to run: a waiting one (interrupted, retried or enqueued), else the
--- sampler's proposal. Returns the trial, or nil and why the study is done.
function Session:next_trial()
  local study, store = self.study, self.store
  while true do
    local id, number, queued, retry_of = check(store:claim_trial(self.study_id, self.budget))
    if not id then
      break
    end
    local params, err = study.space:check_params(util.json_decode(queued))
    if params then
      self:note_attempt(number, retry_of)
      return { id = id, number = number, params = params }
    end
    check(store:finish_trial(id, { state = 'FAILED',
      reason = 'enqueued params do not fit the space: ' .. err }))
  end
  -- Ask only when a trial can start: a sampler's proposal is not to be thrown away.
  if check(store:budget_used(self.study_id)) >= self.budget then
    return nil, 'complete'
  end
  -- A scheduler may choose the next trial itself (PBT: a donor's checkpoint, perturbed).
  local chosen = study.scheduler and schedulers.call(study.scheduler, 'choose_next', study)
  local params
  if chosen ~= nil then
    if type(chosen) ~= 'table' or type(chosen.params) ~= 'table' then
      util.fail_runtime(('scheduler %s: choose_next must return nil or { params = {...}, '
        .. 'resume = { from = trial number, step = n } }, got %s'):format(
        study.scheduler.name or '(custom)', util.show(chosen)))
    end
    params = chosen.params
  else
    params = self.phase and self.phase:ask(study) or self.sampler:ask(study)
    if params == nil then
      return nil, 'exhausted'
    end
  end
  local checked, err = study.space:check_params(params)
  if not checked then
    util.fail(study.where, '%s returned params that do not fit the space: %s', chosen
      and ('scheduler ' .. (study.scheduler.name or '(custom)')) or ('sampler '
      .. (self.sampler.name or '(custom)')), err)
  end
  -- lua-cjson keeps 14 significant digits: run exactly what is stored.
  local text = util.json_encode(checked)
  params = study.space:check_params(util.json_decode(text))
  local state = self.sampler.state and self.sampler:state() or nil
  state = state and M.pack_state(self.sampler.name, state)
  local id, number = check(store:start_trial(self.study_id, self.budget, text, state))
  if not id then
    return nil, 'complete'
  end
  self:note_attempt(number, nil)
  if chosen ~= nil and study.scheduler.on_start then
    schedulers.call(study.scheduler, 'on_start', number, chosen)
  end
  -- The trial's resource: what choose_next said, else the scheduler's for a new trial
  -- (initial_resource, a number or a function of the trial's number).
  local sched, resource = study.scheduler, chosen and chosen.resource
  if not resource and sched then
    resource = sched.initial_resource
    if type(resource) == 'function' then
      resource = resource(sched, number)
    end
  end
  return { id = id, number = number, params = params, resume = chosen and chosen.resume,
    event = chosen and chosen.event, resource = resource }
end

--- An intermediate report of a running trial: its curve grows, and the scheduler decides
--- whether it goes on. Returns true when the trial is to stop.
function Session:intermediate(trial, step, report)
  local v = report[self.metric]
  if type(v) ~= 'number' or v ~= v or trial.pruned_at then
    return false
  end
  trial.curve = trial.curve or {}
  trial.curve[#trial.curve + 1] = { step, v }
  self.study.curves[trial.number] = trial.curve
  local scheduler = self.study.scheduler
  if not scheduler then
    return false
  end
  local view = { number = trial.number, params = trial.params, curve = trial.curve,
    resource = trial.resource }
  local verdict, event = schedulers.call(scheduler, 'on_report', view, { step = step,
    value = v, metrics = report })
  if type(event) == 'table' and type(event.kind) == 'string' and trial.id then
    -- An event the scheduler wants kept with this trial (PBT's planned replacement).
    check(self.store:add_event(trial.id, event.kind, util.json_encode(event.data or {})))
  end
  if verdict == 'stop' or verdict == 'pause' then
    trial.pruned_at, trial.paused = step, verdict == 'pause'
    if trial.paused and trial.id then
      -- A pause is stored, so a resumed study knows the trial may be promoted from here.
      check(self.store:add_event(trial.id, 'pause', util.json_encode({ step = step,
        value = v, resource = trial.resource })))
    end
    return true
  end
  return false
end

-- The outcome of a trial the scheduler stopped: PRUNED at its last intermediate value.
function Session:pruned(trial)
  local last = trial.curve[#trial.curve]
  return { state = 'PRUNED', value = last[2], step = last[1], intermediate = last[2],
    reason = ('%s at step %d by %s'):format(trial.paused and 'paused' or 'stopped',
      trial.pruned_at, self.study.scheduler.name or 'the scheduler') }
end

--- Record how a trial ended: storage, history, sampler, progress, retries. Returns false
--- when the study must stop (max_failures consecutive failures).
function Session:finish(trial, o)
  local study = self.study
  o = with_objectives(study, trial.params, o)
  check(self.store:finish_trial(trial.id, {
    state = o.state, value = o.value, values = o.metrics and util.json_encode(o.metrics) or nil,
    reason = o.reason, log_dir = trial.dir, malformed = o.malformed,
  }))
  local rec = { number = trial.number, state = o.state, params = trial.params, value = o.value,
    metrics = o.metrics, reason = o.reason, malformed = o.malformed, curve = trial.curve,
    step = o.step, intermediate = o.intermediate, values = o.values, violation = o.violation }
  study.history[#study.history + 1] = rec
  study.curves[trial.number] = nil
  if study.scheduler then
    schedulers.call(study.scheduler, 'on_complete', rec)
  end
  if self.sampler.tell then
    self.sampler:tell(study, rec)
  end
  if o.state == 'COMPLETE' and not study.objectives
    and (not self.best or better(study, rec, self.best)) then
    self.best = rec
  end
  self.view:trial(rec, self.best, core.monotonic() - self.t0)
  if o.state ~= 'FAILED' then
    self.failures = 0
    return true
  end
  self.failures, self.last_failure = self.failures + 1, o.reason
  if (self.attempts[trial.number] or 1) <= study.retries then
    check(self.store:enqueue(self.study_id, util.json_encode(trial.params), trial.number))
  end
  if self.failures >= study.max_failures then
    self.status = 'failures'
    return false
  end
  return true
end

-- ---- in-process trials ----

local function run_inprocess(sess, opts)
  local study, store = sess.study, sess.store
  if opts.trap_interrupt then
    core.trap_interrupt()
  end
  -- On a terminal the objective's print() goes above the status line, not through it.
  local print0 = print
  if sess.view.interactive and not sess.view.quiet then
    print = sess.view:print_above() -- luacheck: ignore 121
  end
  local restore <close> = setmetatable({}, { __close = function() -- luacheck: ignore 211
    print = print0 -- luacheck: ignore 121
  end })
  local metric = study.metric or 'value'
  local current  -- the trial running now, to record it if the loop is interrupted
  local function step()
    local t, why = sess:next_trial()
    if not t then
      sess.status = why
      return false
    end
    current = M.new_trial({ id = t.id, number = t.number, params = t.params, store = store,
      metric = metric, study = study, session = sess, resource = t.resource })
    local state, value, metrics, reason = M.call_objective(study, current)
    if state == 'INTERRUPTED' then
      return false
    end
    local o = { state = state, value = value, metrics = metrics, reason = reason }
    if current.pruned_at and state ~= 'FAILED' then
      o = sess:pruned(current)
    end
    local keep_going = sess:finish(current, o)
    current = nil
    return keep_going
  end
  while true do
    local ok, more = pcall(step)
    if not ok and not core.interrupted() then
      error(more, 0)
    end
    if core.interrupted() then
      sess.status = 'interrupted'
      if current then
        check(store:requeue(current.id))  -- runs again on resume
      end
      return
    end
    if not more then
      return
    end
  end
end

-- ---- subprocess trials ----

-- '{name}' in an argv element becomes the value of parameter name ('' when inactive).
local function substitute(arg, params)
  return (arg:gsub('{([%a_][%w_%.%-]*)}', function(name)
    local v = params[name]
    if v == nil then
      return ''
    elseif math.type(v) == 'float' then
      return ('%.14g'):format(v)
    end
    return tostring(v)
  end))
end

local function read_tail(path)
  local f = io.open(path, 'rb')
  if not f then
    return nil
  end
  local size = f:seek('end')
  f:seek('set', math.max(0, size - 4096))
  local text = f:read('a')
  f:close()
  local last
  for line in text:gmatch('[^\n]+') do
    if line:find('%S') then
      last = line
    end
  end
  return last
end

local function append(path, text)
  local f = io.open(path, 'ab')
  if f then
    f:write(text)
    f:close()
  end
end

-- Where each trial's logs and checkpoints go: <storage without .db>.trials/<number>.
local function trials_root(path)
  if path == ':memory:' then
    local tmp = os.tmpname()
    os.remove(tmp)
    return tmp .. '.trials'
  end
  if path:sub(1, 1) ~= '/' then
    path = core.cwd() .. '/' .. path  -- stored with each trial: absolute
  end
  return (path:gsub('%.db$', '')) .. '.trials'
end

-- The command and environment of one trial.
local function command(sess, t)
  local study = sess.study
  local argv = {}
  if study.run then
    for i, a in ipairs(study.run) do
      argv[i] = substitute(a, t.params)
    end
  else
    argv = { sess.exe, '--worker', study.source }
  end
  local env = {
    'HPO_TRIAL=' .. t.number,
    'HPO_STUDY=' .. study.name,
    'HPO_PARAMS=' .. util.json_encode(t.params),
    'HPO_REPORT_FD=3',
    'HPO_TRIAL_DIR=' .. t.dir,
    'HPO_CHECKPOINT_DIR=' .. t.dir .. '/checkpoint',
    'HPO_METRIC=' .. (study.metric or 'value'),
  }
  if t.resource then  -- the trial's budget (epochs, ...), from the scheduler: 3, not 3.0
    env[#env + 1] = 'HPO_RESOURCE=' .. (math.tointeger(t.resource) or t.resource)
  end
  if t.resume then  -- PBT, promotions: the donor's checkpoint is already in HPO_CHECKPOINT_DIR
    env[#env + 1] = 'HPO_RESUME_FROM=' .. t.resume.from
    env[#env + 1] = 'HPO_RESUME_STEP=' .. (t.resume.step or 0)
  end
  if study.objectives then
    local names = {}
    for i, obj in ipairs(study.objectives) do
      names[i] = obj.name
    end
    env[#env + 1] = 'HPO_METRICS=' .. table.concat(names, ',')
  end
  return { argv = argv, env = env, cwd = sess.cwd, stdout = t.dir .. '/stdout.log',
    stderr = t.dir .. '/stderr.log', timeout = study.timeout }
end

-- Why a subprocess trial failed, or nil when it gave a value.
local function exit_reason(sess, t, ev, value)
  local function with_tail(s)
    local tail = read_tail(t.dir .. '/stderr.log')
    return tail and (s .. ': ' .. tail) or s
  end
  if ev.timed_out then
    return ('timeout after %g s'):format(sess.study.timeout)
  elseif ev.signal then
    return with_tail('killed by ' .. ev.signal)
  elseif ev.code ~= 0 then
    return with_tail(('exit code %d'):format(ev.code))
  elseif value == nil then
    return with_tail(("no value: no report had the metric '%s'"):format(t.metric))
  elseif value ~= value then
    return 'the reported value is NaN'
  end
  return nil
end

-- A report line from a trial: store it, keep the last value of the metric.
local function on_report(sess, pool, t, ev)
  local report = not ev.overlong and util.json_decode(ev.line)
  if type(report) ~= 'table' or report[1] ~= nil then  -- a report is a JSON object
    t.malformed = t.malformed + 1
    append(t.dir .. '/hpolua.log', ('malformed report line %d%s: %s\n'):format(
      t.lines + 1, ev.overlong and ' (too long, cut)' or '', ev.line:sub(1, 200)))
    t.lines = t.lines + 1
    return
  end
  t.lines = t.lines + 1
  local step = math.tointeger(report.step) or math.tointeger(report.epoch) or t.lines - 1
  check(sess.store:add_report(t.id, step, ev.line))
  local v = report[t.metric]
  if type(v) == 'number' and not t.final then
    t.value = v
    t.metrics = report
  end
  if report.final == true then
    t.final = true
  end
  if report.final ~= true and sess:intermediate(t, step, report) then
    pool:stop(t.id)  -- SIGTERM now, SIGKILL after the grace period
  end
end

local function on_exit(sess, t, ev)
  if t.interrupted then
    check(sess.store:requeue(t.id))  -- stopped by Ctrl-C: runs again on resume
    return true
  end
  if t.pruned_at then
    local o = sess:pruned(t)
    o.metrics, o.malformed = t.metrics, t.malformed
    return sess:finish(t, o)
  end
  local reason = exit_reason(sess, t, ev, t.value)
  local state = reason and 'FAILED' or 'COMPLETE'
  return sess:finish(t, { state = state, value = not reason and t.value or nil,
    metrics = t.metrics, reason = reason, malformed = t.malformed })
end

local function run_pool(sess, opts)
  local study = sess.study
  local pool <close> = check(core.pool({ grace = study.grace, signals = opts.trap_interrupt }))
  local running, nrunning = {}, 0
  study.running = {}
  local root = trials_root(sess.path)
  local stopping, stop_at, stopped_all = false, nil, false

  local function refill()
    while not stopping and nrunning < study.parallel do
      local t, why = sess:next_trial()
      if not t then
        sess.status = why
        return false
      end
      t.dir = ('%s/%d'):format(root, t.number)
      check(core.mkdir_p(t.dir))
      if t.resume then
        -- Exploit: start from the donor's checkpoint; stored as an event (the lineage).
        local from = ('%s/%d/checkpoint'):format(root, t.resume.from)
        local copied, cause = core.copy_tree(from, t.dir .. '/checkpoint')
        check(sess.store:add_event(t.id, t.event or 'exploit', util.json_encode({
          from = t.resume.from, step = t.resume.step, resource = t.resource,
          plan = t.resume.plan,
          copied = copied and true or false, why = cause })))
      end
      t.metric, t.malformed, t.lines = study.metric or 'value', 0, 0
      local spec = command(sess, t)
      local ok, err, code = pool:spawn(t.id, spec)
      if not ok then
        -- A command that cannot start will not start next time either: say so once.
        local reason = ("cannot run '%s': %s (%s)"):format(spec.argv[1], err, code)
        sess:finish(t, { state = 'FAILED', reason = reason })
        sess.status, sess.last_failure = 'failures', reason
        return false
      end
      running[t.id], nrunning = t, nrunning + 1
      study.running[t.id] = { number = t.number, params = t.params }
    end
    return true
  end

  local function interrupt_all(kill)
    for tag, t in pairs(running) do
      t.interrupted = true
      if kill then
        pool:kill(tag)
      else
        pool:stop(tag)
      end
    end
  end

  local more = refill()
  while nrunning > 0 do
    local ev = pool:next(0.25)
    if ev and ev.type == 'signal' then
      if not stopping then
        stopping, stop_at = true, core.monotonic() + study.grace
        sess.status = 'interrupted'
        sess.view:note(('%s: no new trials; waiting up to %g s for %d running (again to stop '
          .. 'them now)'):format(ev.signal, study.grace, nrunning))
      else
        interrupt_all(true)
      end
    elseif ev and ev.type == 'report' and running[ev.tag] then
      on_report(sess, pool, running[ev.tag], ev)
    elseif ev and ev.type == 'exit' and running[ev.tag] then
      local t = running[ev.tag]
      running[ev.tag], nrunning = nil, nrunning - 1
      -- Start the next trial before recording this one: its slot is not left idle while
      -- storage and the sampler catch up (the sampler sees it as running, as with any
      -- parallel trial, so it is not proposed again).
      if more and study.parallel > 1 then
        more = refill()
      end
      study.running[ev.tag] = nil
      if not on_exit(sess, t, ev) then
        stopping = true
        interrupt_all(true)  -- max_failures: the study stops now
      elseif more then
        more = refill()
      end
    end
    if stopping and stop_at and not stopped_all and core.monotonic() >= stop_at then
      stopped_all = true
      interrupt_all(false)
    end
  end
end

--- Run a study.
---@param study hpo.Study
---@param opts {storage: string, trials: integer, seed: integer, fresh: boolean,
---             quiet: boolean, out: file*, interactive: boolean, trap_interrupt: boolean}
---@return table result {status=, best=, counts=, trials=, storage=, study=}
---   status: 'complete' | 'exhausted' | 'interrupted' | 'failures'
function M.run(study, opts)
  local in_process = study.run == nil and study.parallel == 1
  local exe
  if not in_process and not study.run then
    exe = core.exepath()
    if not study.source or not (exe or ''):find('hpolua[^/]*$') then
      util.fail(study.where, 'parallel > 1 with a Lua objective runs the objective in hpolua '
        .. 'worker processes: run the study file with the hpolua program')
    end
  end
  if study.warm_start then
    local warm = require('hpo.warm')
    -- Source paths are relative to the study file, as `storage` is. The study's own storage
    -- may hold other studies to learn from, but not this one: its trials are its data already.
    -- A study listed twice (as 'a.lua' and 'a.db', say) counts once.
    local dir = study.source and dirname(study.source)
    local own, seen = same_file_key(storage_path(study, opts)), {}
    for _, src in ipairs(study.warm_start) do
      src.file = (dir and src.path:sub(1, 1) ~= '/') and dir .. '/' .. src.path or src.path
      local key = same_file_key((warm.storage_of(src)))
      src.own = key == own and study.name or nil
      local id = key .. '\0' .. (src.study or '')
      src.dup, seen[id] = seen[id], seen[id] or src.path
    end
    study.warm_points, study.warm_notes = warm.load(study.space, study.warm_start)
    if study.objectives then  -- no sampler of several objectives takes a prior
      table.insert(study.warm_notes, ('this study has %d objectives: the sources give the '
        .. 'seed trials only (their best by their own value)'):format(#study.objectives))
    end
    study.warm_seeds = warm.best_distinct(study.warm_points, study.seed_trials, study.space)
    -- Then the sources' predicted optimum, for a sampler of one objective without a
    -- transfer model of its own (on bench/warm's Hartmann6-near, TPE at 20 trials 0.193 ->
    -- 0.123; for GP an extra seed cost Rosenbrock-4 1.8 -> 2.6).
    if #study.warm_seeds > 0 and not study.objectives and not study.sampler.own_transfer then
      local ok, x = pcall(warm.model_seed, study.space, study.warm_points, study.warm_seeds)
      if not ok then  -- an extra trial: its failure is a note, not the study's
        table.insert(study.warm_notes, ("the sources' predicted optimum could not be worked "
          .. 'out (%s); only their best configurations run first'):format(x))
        x = nil
      end
      study.warm_model_seed = x
      study.warm_seeds[#study.warm_seeds + 1] = x
      -- Then model trials (warm.model_phase), for a sampler that takes them.
      study.warm_model_trials = study.sampler.takes_model_trials and study.model_trials or 0
    end
  end
  local path = storage_path(study, opts)
  local moved
  if opts.fresh and path ~= ':memory:' and exists(path) then
    moved = move_aside(path)
  end
  local store <close> = check(core.open_store(path))
  local study_id, created, first_sampler = open_study(store, study, path)
  local recovered = check(store:recover(study_id))

  local sampler = study.sampler
  if opts.seed and created then
    sampler.seed = opts.seed
  end
  local wrote, state = M.unpack_state(store:sampler_state(study_id))
  wrote = wrote or first_sampler
  local name, changed = sampler.name or 'custom', nil
  if state and wrote and wrote ~= name then
    changed, state = { from = wrote, to = name }, nil
  end
  if sampler.setup then
    sampler:setup(study, state)
  end

  local budget = opts.trials or study.trials
  if not budget and sampler.size then
    budget = sampler:size()
  end
  local sess = setmetatable({
    study = study, store = store, study_id = study_id, sampler = sampler,
    budget = budget or M.DEFAULT_TRIALS, path = path, exe = exe,
    cwd = study.source and dirname(study.source) or nil,
    attempts = {}, failures = 0, t0 = core.monotonic(),
  }, Session)

  if (study.warm_model_trials or 0) > 0 then
    sess.phase = require('hpo.warm').model_phase(study, study.warm_model_trials,
      study.direction == 'maximize' and -1 or 1, math.tointeger(sampler.seed) or 1)
  end
  -- History, replayed into the sampler so model-based samplers rebuild their model.
  study.history = {}
  for _, row in ipairs(check(store:trials(study_id))) do
    sess:note_attempt(row.number, row.retry_of)
    if row.state ~= 'WAITING' and row.state ~= 'RUNNING' then
      local t = sess:record(row)
      study.history[#study.history + 1] = t
      if sampler.tell then
        sampler:tell(study, t)
      end
    end
  end
  sess.best = M.best(study, study.history)
  -- Curves of finished trials, from their stored reports, for the scheduler.
  sess.metric = study.metric or 'value'
  study.curves = {}
  if study.scheduler then
    -- Stored scheduler events (pauses, promotions, exploits) for its setup.
    study.events = {}
    for _, e in ipairs(check(store:events(study_id))) do
      study.events[#study.events + 1] = { number = e.number, kind = e.kind,
        data = util.json_decode(e.data) or {} }
    end
    local by_id, curves = {}, {}
    for _, row in ipairs(check(store:trials(study_id))) do
      by_id[row.id] = row.number
    end
    for _, r in ipairs(check(store:reports(study_id))) do
      local m = util.json_decode(r.metrics)
      local v = type(m) == 'table' and m[sess.metric]
      local number = by_id[r.trial_id]
      if type(v) == 'number' and number then
        curves[number] = curves[number] or {}
        table.insert(curves[number], { r.step, v })
      end
    end
    for _, t in ipairs(study.history) do
      t.curve = curves[t.number]
      if t.state == 'PRUNED' and t.curve then
        t.step, t.intermediate = t.curve[#t.curve][1], t.curve[#t.curve][2]
      end
    end
    if study.scheduler.setup then
      schedulers.call(study.scheduler, 'setup', study)
    end
  end

  sess.view = progress.new(study, {
    out = opts.out or io.stdout, quiet = opts.quiet, interactive = opts.interactive,
    total = sess.budget,
  })
  sess.view:start({ path = path, created = created, moved = moved, recovered = recovered,
    finished = #study.history, sampler_changed = changed })

  if in_process then
    run_inprocess(sess, opts)
  else
    run_pool(sess, opts)
  end

  local result = {
    status = sess.status or 'complete',
    study = study.name,
    storage = path,
    best = sess.best,
    pareto = study.objectives and M.pareto(study, study.history) or nil,
    counts = check(store:counts(study_id)),
    trials = study.history,
    elapsed = core.monotonic() - sess.t0,
    last_failure = sess.last_failure,
  }
  sess.view:finish(result)
  return result
end

return M
