--- The study loop (DESIGN.md section 2): ask the sampler, run the objective, store every
--- event, tell the sampler, show progress. Storage makes a killed study resumable: finished
--- trials are kept, trials left RUNNING by a dead process are marked FAILED ('interrupted')
--- and queued to run again, and the sampler continues from its saved state.
local core = require('hpo.core')
local util = require('hpo._util')
local progress = require('hpo.progress')

local M = {}

--- Trials a study runs when neither the study nor the command line says.
M.DEFAULT_TRIALS = 100

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
  local stored, err = self.store:add_report(self.id, step, text)
  if not stored then
    error('trial:report: ' .. err, 2)
  end
  self.last_report = metrics
end

local function dirname(path)
  return path:match('^(.*)/[^/]*$') or '.'
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

-- Storage calls return nil, message when the environment fails them.
local function check(ok, err, ...)
  if ok == nil then
    util.fail_runtime(err)
  end
  return ok, err, ...
end

-- Turn what the objective returned into (value, metrics table or nil) or (nil, reason).
local function outcome(study, trial, ret)
  local metric = study.metric
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
  elseif ret == nil and trial.last_report then
    -- Nothing returned: the last report's objective metric is the value (as for commands).
    value = trial.last_report[metric or trial.metric]
    metrics = trial.last_report
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

local function better(study, a, b)
  if study.direction == 'minimize' then
    return a < b
  end
  return a > b
end

--- The best COMPLETE trial of a list of trial records, by the study's direction.
function M.best(study, trials)
  local best
  for _, t in ipairs(trials) do
    if t.state == 'COMPLETE' and t.value and (not best or better(study, t.value, best.value)) then
      best = t
    end
  end
  return best
end

-- Decode a stored trial row into a history record.
local function record(study, row)
  local params = util.json_decode(row.params) or {}
  local checked = study.space:check_params(params)
  return {
    number = row.number,
    state = row.state,
    params = checked or params,
    value = row.value,
    metrics = row.values and util.json_decode(row.values) or nil,
    reason = row.reason,
    started = row.started,
    finished = row.finished,
  }
end

-- Open or create the stored study; refuse one whose definition changed incompatibly.
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
    return row.id, false
  end
  local config = util.json_encode({ metric = study.metric, description = study.description,
    sampler = study.sampler.name })
  local id = check(store:create_study(study.name, study.direction,
    util.json_encode(study.space:describe()), config))
  for _, params in ipairs(study.enqueue) do
    check(store:enqueue(id, util.json_encode(params)))
  end
  return id, true
end

-- Run one trial of a Lua objective in-process. Returns state, value, metrics, reason.
local function run_objective(study, trial)
  local ok, ret = xpcall(study.objective, function(e)
    if core.interrupted() then
      return 'interrupted'
    end
    return debug.traceback(tostring(e), 2)
  end, trial.params, trial)
  if not ok then
    if core.interrupted() then
      return 'INTERRUPTED'
    end
    -- Keep the message and the innermost frames; a full traceback is noise in a summary.
    local msg = tostring(ret):gsub('\n%s*%[C%]: in %?', '')
    return 'FAILED', nil, nil, msg
  end
  local value, metrics, reason = outcome(study, trial, ret)
  if reason then
    return 'FAILED', nil, metrics, reason
  end
  return 'COMPLETE', value, metrics
end

--- Run a study.
---@param study hpo.Study
---@param opts {storage: string, trials: integer, seed: integer, fresh: boolean,
---             quiet: boolean, out: file*, interactive: boolean, trap_interrupt: boolean}
---@return table result {status=, best=, counts=, trials=, storage=, study=}
---   status: 'complete' | 'exhausted' | 'interrupted' | 'failures'
function M.run(study, opts)
  local path = storage_path(study, opts)
  local moved
  if opts.fresh and path ~= ':memory:' and exists(path) then
    moved = move_aside(path)
  end
  local store <close> = check(core.open_store(path))
  local study_id, created = open_study(store, study, path)
  local recovered = check(store:recover(study_id))

  local sampler = study.sampler
  if opts.seed and created then
    sampler.seed = opts.seed
  end
  local state = store:sampler_state(study_id)
  if sampler.setup then
    sampler:setup(study, state or nil)
  end

  -- History, replayed into the sampler so model-based samplers rebuild their model.
  study.history = {}
  for _, row in ipairs(check(store:trials(study_id))) do
    if row.state ~= 'WAITING' and row.state ~= 'RUNNING' then
      local t = record(study, row)
      study.history[#study.history + 1] = t
      if sampler.tell then
        sampler:tell(study, t)
      end
    end
  end

  local budget = opts.trials or study.trials
  if not budget and sampler.size then
    budget = sampler:size()
  end
  budget = budget or M.DEFAULT_TRIALS

  local out = opts.out or io.stdout
  local view = progress.new(study, {
    out = out, quiet = opts.quiet, interactive = opts.interactive, total = budget,
  })
  view:start({ path = path, created = created, moved = moved, recovered = recovered,
    finished = #study.history })

  if opts.trap_interrupt then
    core.trap_interrupt()
  end
  local metric = study.metric or 'value'
  local best = M.best(study, study.history)  -- kept up to date trial by trial
  local status, failures, last_failure = nil, 0, nil
  local current  -- the trial running now, to record it if the loop is interrupted
  local t0 = core.monotonic()

  local function step()
    local id, number, params
    local claimed, n, queued = check(store:claim_trial(study_id, budget))
    if claimed then
      id, number = claimed, n
      local decoded = util.json_decode(queued)
      local err
      params, err = study.space:check_params(decoded)
      if not params then
        check(store:finish_trial(id, 'FAILED', nil, nil, 'enqueued params do not fit: ' .. err))
        return true
      end
    else
      params = sampler:ask(study)
      if params == nil then
        status = 'exhausted'
        return false
      end
      local checked, err = study.space:check_params(params)
      if not checked then
        util.fail(study.where, 'sampler %s returned params that do not fit the space: %s',
          sampler.name or '(custom)', err)
      end
      local text = util.json_encode(checked)
      params = study.space:check_params(util.json_decode(text))
      local sstate = sampler.state and sampler:state() or nil
      id, number = check(store:start_trial(study_id, budget, text, sstate))
      if not id then
        status = 'complete'
        return false
      end
    end
    local trial = setmetatable({ id = id, number = number, params = params, store = store,
      metric = metric, study = study }, Trial)
    current = trial
    local started = core.monotonic()
    local tstate, value, metrics, reason = run_objective(study, trial)
    if tstate == 'INTERRUPTED' then
      return false
    end
    check(store:finish_trial(id, tstate, value, metrics and util.json_encode(metrics) or nil,
      reason))
    current = nil
    local rec = { number = number, state = tstate, params = params, value = value,
      metrics = metrics, reason = reason, duration = core.monotonic() - started }
    study.history[#study.history + 1] = rec
    if sampler.tell then
      sampler:tell(study, rec)
    end
    if tstate == 'COMPLETE' and (not best or better(study, value, best.value)) then
      best = rec
    end
    view:trial(rec, best, core.monotonic() - t0)
    if tstate == 'FAILED' then
      failures, last_failure = failures + 1, reason
      if failures >= study.max_failures then
        status = 'failures'
        return false
      end
    else
      failures = 0
    end
    return true
  end

  while true do
    local ok, more = pcall(step)
    if not ok and not core.interrupted() then
      error(more, 0)
    end
    if core.interrupted() then
      status = 'interrupted'
      if current then
        -- Record the trial and queue its params again, as a resume would.
        check(store:requeue(current.id))
      end
      break
    end
    if not more then
      break
    end
  end
  status = status or 'complete'

  local counts = check(store:counts(study_id))
  local result = {
    status = status,
    study = study.name,
    storage = path,
    best = best,
    counts = counts,
    trials = study.history,
    elapsed = core.monotonic() - t0,
    last_failure = last_failure,
  }
  view:finish(result)
  return result
end

return M
