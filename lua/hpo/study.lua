--- hpo.study(): a validated study definition, and Study:optimize() to run it.
local space_mod = require('hpo.space')
local util = require('hpo._util')

local M = {}

---@class hpo.Study
---@field name string
---@field direction 'minimize'|'maximize'
---@field metric string|nil
---@field space hpo.Space
---@field objective function
---@field trials integer|nil
---@field sampler table
---@field where string|nil
---@field source string|nil  path of the study file, when loaded from one
local Study = {}
Study.__index = Study
M.Study = Study

-- Every field a study table may have, with a check of its value. An unknown field is an
-- error (a typo like `trails = 10` must not pass silently).
local FIELDS = {
  name = 'string',
  description = 'string',
  direction = 'string',
  directions = 'table',
  metric = 'string',
  metrics = 'table',
  constraints = 'any',
  space = 'table',
  objective = 'function',
  trials = 'integer',
  sampler = 'table',
  storage = 'string',
  enqueue = 'table',
  max_failures = 'integer',
  run = 'table',
  parallel = 'integer',
  timeout = 'number',
  retries = 'integer',
  grace = 'number',
  scheduler = 'table',
  warm_start = 'table',
  seed_trials = 'integer',
  model_trials = 'integer',
}

local function default_name(where)
  local file = where and where:match('^(.-):%d+$')
  local base = file and file:match('([^/]+)%.lua$')
  return base or 'study'
end

local function positive(def, field, default, where)
  local v = def[field]
  if v ~= nil and v < 1 then
    util.fail(util.where_field(field, where), "hpo.study: field '%s' must be >= 1, got %d",
      field, v)
  end
  return v or default
end

-- A command: a non-empty list of strings whose {name} placeholders name parameters.
local function check_run(run, space, where)
  if #run == 0 then
    util.fail(where, "hpo.study: field 'run' must be a non-empty list of strings (the program "
      .. 'and its arguments)')
  end
  local argv = {}
  for i, a in ipairs(run) do
    if type(a) ~= 'string' and type(a) ~= 'number' then
      util.fail(where, "hpo.study: run[%d] must be a string, got %s", i, type(a))
    end
    a = tostring(a)
    for name in a:gmatch('{([%a_][%w_%.%-]*)}') do
      if not space.params[name] then
        util.fail(where, "hpo.study: run[%d] uses {%s}, which is not a parameter%s", i, name,
          util.suggest(name, space.names))
      end
    end
    argv[i] = a
  end
  return argv
end

-- direction/metric, or directions/metrics for several objectives, and constraints. A study
-- with several objectives keeps direction as the directions joined by commas (what storage
-- compares on resume) and metric as the first objective's name (the stored value column).
function M.objectives(s, def, where)
  local function check_dir(d, label, field)
    if d ~= 'minimize' and d ~= 'maximize' then
      util.fail(util.where_field(field, where), "hpo.study: %s must be 'minimize' or "
        .. "'maximize', got %s", label, util.show(d))
    end
  end
  if def.directions == nil then
    if def.metrics ~= nil then
      util.fail(util.where_field('metrics', where), "hpo.study: field 'metrics' goes with "
        .. "'directions' (one direction per objective)")
    end
    s.direction = def.direction or 'minimize'
    check_dir(s.direction, 'direction', 'direction')
    s.metric = def.metric
  else
    if def.direction ~= nil or def.metric ~= nil then
      util.fail(util.where_field('directions', where), "hpo.study: give 'direction'/'metric' "
        .. "or 'directions'/'metrics', not both")
    end
    local n = #def.directions
    if n == 0 then
      util.fail(util.where_field('directions', where), "hpo.study: field 'directions' must list "
        .. 'one direction per objective')
    end
    local names = def.metrics or {}
    if def.metrics and #names ~= n then
      util.fail(util.where_field('metrics', where), 'hpo.study: %d metrics for %d directions',
        #names, n)
    end
    s.objectives = {}
    local seen = {}
    for i = 1, n do
      check_dir(def.directions[i], ('directions[%d]'):format(i), 'directions')
      local name = names[i] or ('value' .. i)
      if type(name) ~= 'string' or seen[name] then
        util.fail(util.where_field('metrics', where), 'hpo.study: metrics[%d] must be a new '
          .. 'name, got %s', i, util.show(name))
      end
      seen[name] = true
      s.objectives[i] = { name = name, direction = def.directions[i] }
    end
    s.multi = n > 1
    s.direction = table.concat(def.directions, ',')
    s.metric = s.objectives[1].name
    if n == 1 then  -- one objective written as a list: the usual single-objective study
      s.direction, s.objectives = def.directions[1], nil
    end
  end
  local c = def.constraints
  if c ~= nil then
    if type(c) ~= 'function' and type(c) ~= 'table' then
      util.fail(util.where_field('constraints', where), "hpo.study: field 'constraints' must be "
        .. 'a function(params, values) returning a list of numbers (feasible when all <= 0) '
        .. 'or a list of metric names, got %s', util.show(c))
    end
    if type(c) == 'table' then
      for i, name in ipairs(c) do
        if type(name) ~= 'string' then
          util.fail(util.where_field('constraints', where), 'hpo.study: constraints[%d] must be '
            .. 'a metric name, got %s', i, util.show(name))
        end
      end
    end
    s.constraints = c
  end
end

--- Validate a study definition; errors name the field and the file:line of the call.
---@param def table
---@return hpo.Study
function M.new(def)
  local where = util.where()
  if type(def) ~= 'table' then
    util.fail(where, 'hpo.study: expected a table, got %s', type(def))
  end
  local known = util.sorted_keys(FIELDS)
  for k, v in pairs(def) do
    local want = FIELDS[k]
    if not want then
      util.fail(util.where_field(k, where), "hpo.study: unknown field '%s'%s", tostring(k),
        util.suggest(tostring(k), known))
    end
    local ok = want == 'any' or want == 'integer' and math.type(v) == 'integer' or type(v) == want
    if not ok then
      util.fail(util.where_field(k, where), "hpo.study: field '%s' must be %s %s, got %s", k,
        want == 'integer' and 'an' or 'a', want, util.show(v))
    end
  end
  local s = setmetatable({ where = where }, Study)
  s.name = def.name or default_name(where)
  if not s.name:match('^[%w_%.%-]+$') then
    util.fail(where, "hpo.study: name %s may only use letters, digits, '_', '.' and '-'",
      util.show(s.name))
  end
  s.description = def.description
  M.objectives(s, def, where)
  if def.space == nil then
    util.fail(where, 'hpo.study: missing field \'space\'')
  end
  s.space = space_mod.new(def.space, where)
  if def.objective == nil and def.run == nil then
    util.fail(where, "hpo.study: missing field 'objective' (a function(params, trial)) or "
      .. "'run' (a command)")
  end
  if def.objective ~= nil and def.run ~= nil then
    util.fail(where, "hpo.study: give either 'objective' or 'run', not both")
  end
  s.objective = def.objective
  if def.run ~= nil then
    s.run = check_run(def.run, s.space, util.where_field('run', where))
  end
  s.parallel = positive(def, 'parallel', 1, where)
  s.retries = def.retries or 0
  if s.retries < 0 then
    util.fail(util.where_field('retries', where), "hpo.study: field 'retries' must be >= 0")
  end
  s.timeout = def.timeout
  if s.timeout ~= nil and s.timeout <= 0 then
    util.fail(util.where_field('timeout', where), "hpo.study: field 'timeout' must be > 0 "
      .. '(seconds)')
  end
  s.grace = def.grace or 10
  if s.grace < 0 then
    util.fail(util.where_field('grace', where), "hpo.study: field 'grace' must be >= 0")
  end
  if def.trials ~= nil and def.trials < 1 then
    util.fail(where, "hpo.study: field 'trials' must be >= 1, got %d", def.trials)
  end
  s.trials = def.trials
  s.max_failures = positive(def, 'max_failures', 20, where)
  -- A scheduler may bring its own sampler (hpo.bohb: TPE on its budgets).
  s.sampler = def.sampler or (def.scheduler and def.scheduler.sampler)
    or (s.multi and require('hpo.nsga2').nsga2() or require('hpo.tpe').tpe())
  if type(s.sampler.ask) ~= 'function' then
    util.fail(where, 'hpo.study: sampler must have an ask(self, study) method')
  end
  if s.multi and s.sampler.single_objective then
    util.fail(util.where_field('sampler', where), 'hpo.study: sampler %s optimises one objective; '
      .. 'this study has %d (use hpo.nsga2() or hpo.random())', s.sampler.name, #s.objectives)
  end
  if s.multi and def.scheduler ~= nil then
    util.fail(util.where_field('scheduler', where), 'hpo.study: schedulers stop trials by one '
      .. 'metric; a study with several objectives cannot have one')
  end
  if def.scheduler ~= nil and def.scheduler.requires_run and def.run == nil then
    util.fail(util.where_field('scheduler', where), 'hpo.study: scheduler %s restarts trials '
      .. "from checkpoints, so trials must be commands ('run') that checkpoint to "
      .. 'HPO_CHECKPOINT_DIR', def.scheduler.name)
  end
  if def.scheduler ~= nil and type(def.scheduler.on_report) ~= 'function' then
    util.fail(util.where_field('scheduler', where),
      'hpo.study: scheduler must have an on_report(self, trial, report) method')
  end
  s.scheduler = def.scheduler
  if def.warm_start then  -- an empty list is no warm start (a list built from no studies)
    s.warm_start = require('hpo.warm').sources(def.warm_start, util.where_field('warm_start',
      where))
    s.warm_start = #s.warm_start > 0 and s.warm_start or nil
  end
  s.seed_trials = def.seed_trials or (def.warm_start and 5 or 0)
  s.model_trials = def.model_trials or (def.warm_start and 5 or 0)
  for _, field in ipairs({ 'seed_trials', 'model_trials' }) do
    if s[field] < 0 then
      util.fail(util.where_field(field, where), "hpo.study: field '%s' must be >= 0", field)
    end
  end
  s.storage = def.storage
  s.enqueue = {}
  for i, params in ipairs(def.enqueue or {}) do
    local checked, err = s.space:check_params(params)
    if not checked then
      util.fail(where, 'hpo.study: enqueue[%d]: %s', i, err)
    end
    s.enqueue[i] = checked
  end
  return s
end

--- Run the study: see hpo.runner.run for the options.
---@param opts table|nil
function Study:optimize(opts)
  return require('hpo.runner').run(self, opts or {})
end

return M
