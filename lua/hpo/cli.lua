--- The hpolua command line: run a study file, or inspect a stored study.
local core = require('hpo.core')
local util = require('hpo._util')

local M = {}

local USAGE = [[
usage: hpolua STUDY.lua [--trials N] [--seed S] [--storage PATH|:memory:] [--fresh] [--quiet]
       hpolua show DB [--study NAME] [--ref R1,R2,...]
       hpolua best DB [--study NAME]
       hpolua importance DB [--study NAME] [--objective K] [--seed S]
       hpolua report DB [--study NAME] [-o FILE]
       hpolua export DB [--format csv|json] [--study NAME] [--output FILE]
       hpolua -e CODE
       hpolua --help | --version

Runs the study that STUDY.lua returns (hpo.study({...})) and stores every trial in
<name>.db next to it; running it again resumes. show, best, importance, report and export
read a stored study: DB is its storage file, or its study file (STUDY.lua).
Exit status: 0 done, 1 runtime failure, 2 usage or study error, 130 interrupted.]]

-- A usage error: printed with the usage hint, exit status 2.
local function usage_error(fmt, ...)
  util.fail(nil, fmt .. "\n(run 'hpolua --help' for usage)", ...)
end

-- Parse `--flag value` options against a spec {flag = 'string'|'integer'|'boolean'}.
local function parse(args, first, spec)
  local opts, positional = {}, {}
  local i = first
  while i <= #args do
    local a = args[i]
    local flag, inline = a:match('^%-%-([%w%-]+)=(.*)$')
    flag = flag or a:match('^%-%-([%w%-]+)$')
    if flag then
      local kind = spec[flag]
      if not kind then
        usage_error("unknown option '--%s'%s", flag, util.suggest(flag, util.sorted_keys(spec)))
      end
      if kind == 'boolean' then
        opts[flag] = true
      else
        local v = inline
        if not v then
          i = i + 1
          v = args[i]
        end
        if v == nil then
          usage_error("option '--%s' needs a value", flag)
        end
        if kind == 'integer' then
          local n = math.tointeger(tonumber(v))
          if not n then
            usage_error("option '--%s' needs an integer, got '%s'", flag, v)
          end
          v = n
        end
        opts[flag] = v
      end
    else
      positional[#positional + 1] = a
    end
    i = i + 1
  end
  return opts, positional
end

local function run_study(args)
  local opts, pos = parse(args, 1, { trials = 'integer', seed = 'integer', storage = 'string',
    fresh = 'boolean', quiet = 'boolean' })
  if #pos ~= 1 then
    usage_error('expected one study file, got %d arguments', #pos)
  end
  if opts.trials and opts.trials < 1 then
    usage_error('--trials must be >= 1, got %d', opts.trials)
  end
  local study = require('hpo._loader').load(pos[1])
  local result = study:optimize({
    storage = opts.storage, trials = opts.trials, seed = opts.seed, fresh = opts.fresh,
    quiet = opts.quiet, interactive = core.isatty(1), trap_interrupt = true,
  })
  if result.status == 'interrupted' then
    return 130
  elseif result.status == 'failures' then
    return 1
  end
  return 0
end

-- A storage read that failed: a runtime error naming the file (exit 1), not a traceback.
local function readable(path, v, err)
  if v == nil or v == false then
    util.fail_runtime(('cannot read %s: %s'):format(path, tostring(err)))
  end
  return v
end

-- Open a stored study read-only and pick the study in it. Given a study file (.lua), the
-- storage and study it runs with, as `hpolua x.lua` would store them.
local function open_stored(args, spec)
  spec.study = 'string'
  local opts, pos = parse(args, 2, spec)
  if #pos ~= 1 then
    usage_error('%s: expected one storage file (DB) or study file, got %d arguments', args[1],
      #pos)
  end
  local path, file = pos[1], nil
  if path:match('%.lua$') then
    local name
    file = path
    path, name = require('hpo.runner').file_storage(file)
    opts.study = opts.study or name
    if path == ':memory:' then
      util.fail(nil, "%s keeps its trials in memory (storage = ':memory:'): none are stored",
        file)
    end
  end
  local f = io.open(path, 'rb')
  if not f and file then
    util.fail(nil, "%s stores its trials in %s, which does not exist yet: run the study first",
      file, path)
  elseif not f then
    util.fail(nil, 'no such study file: %s', path)
  end
  f:close()
  local store, err = core.open_store(path, true)
  if not store then
    util.fail_runtime(err)
  end
  local studies = readable(path, store:studies())
  local chosen
  if opts.study then
    for _, s in ipairs(studies) do
      if s.name == opts.study then
        chosen = s
      end
    end
    if not chosen then
      util.fail(nil, "%s has no study named '%s'", path, opts.study)
    end
  elseif #studies == 1 then
    chosen = studies[1]
  else
    local names = {}
    for i, s in ipairs(studies) do
      names[i] = s.name
    end
    util.fail(nil, '%s holds %d studies (%s); pick one with --study NAME', path, #studies,
      table.concat(names, ', '))
  end
  chosen.space = util.json_decode(chosen.space) or {}
  chosen.config = util.json_decode(chosen.config) or {}
  -- What the runner needs to rank trials: objectives and constraints from the stored config
  -- (a constraints function's values were stored with each trial).
  local c = chosen.config.constraints
  chosen.objectives = chosen.config.objectives
  chosen.constraints = c == 'function' and function()
    error('the constraint values of this trial were not stored')
  end or c
  local runner = require('hpo.runner')
  local trials = readable(path, store:trials(chosen.id))
  for _, t in ipairs(trials) do
    t.params = util.json_decode(t.params) or {}
    t.metrics = t.values and util.json_decode(t.values) or nil
    t.values = nil
    if t.state == 'COMPLETE' and (chosen.objectives or chosen.constraints) then
      t.values = chosen.objectives and runner.values_of(chosen, t.metrics) or nil
      t.violation = runner.violation(chosen, t.params, t.values or { t.value }, t.metrics)
    end
  end
  chosen.path = path
  return store, chosen, trials, opts
end

local function best_of(study, trials)
  return require('hpo.runner').best(study, trials)
end

local function trial_json(t)
  return {
    number = t.number,
    state = t.state,
    value = t.value,
    values = t.values,
    violation = t.violation,
    metrics = t.metrics,
    params = next(t.params) and t.params or util.json_decode('{}'),
    started = util.iso_time(t.started),
    finished = util.iso_time(t.finished),
    duration = t.started and t.finished and t.finished - t.started or nil,
    reason = t.reason,
  }
end

local function cmd_best(args)
  local store <close>, study, trials = open_stored(args, {}) -- luacheck: no unused
  if study.objectives then  -- several objectives: the Pareto front
    local front = require('hpo.runner').pareto(study, trials)
    if #front == 0 then
      io.stderr:write(("hpolua: study '%s' has no complete trial\n"):format(study.name))
      return 1
    end
    local j = { study = study.name, directions = {}, metrics = {}, pareto = {} }
    for i, obj in ipairs(study.objectives) do
      j.directions[i], j.metrics[i] = obj.direction, obj.name
    end
    for i, t in ipairs(front) do
      j.pareto[i] = trial_json(t)
    end
    io.stdout:write(util.json_encode(j), '\n')
    return 0
  end
  local best = best_of(study, trials)
  if not best then
    io.stderr:write(("hpolua: study '%s' has no complete trial\n"):format(study.name))
    return 1
  end
  local j = trial_json(best)
  j.study = study.name
  j.direction = study.direction
  io.stdout:write(util.json_encode(j), '\n')
  return 0
end

local function fmt(v)
  if v == nil then
    return '-'
  end
  return util.show(v)
end

-- The hypervolume of a front (minimised orientation) against ref: given as 'r1,r2,...' in
-- the objectives' own units, else the front's nadir plus 10% of its range.
local function front_hypervolume(study, front, ref_text)
  local m, pts, ref = #study.objectives, {}, {}
  local sign = {}
  for i, obj in ipairs(study.objectives) do
    sign[i] = obj.direction == 'maximize' and -1 or 1
  end
  for k, t in ipairs(front) do
    pts[k] = {}
    for i = 1, m do
      pts[k][i] = sign[i] * t.values[i]
    end
  end
  if ref_text then
    for v in ref_text:gmatch('[^,]+') do
      local x = tonumber(v)
      if not x then
        usage_error("--ref needs numbers separated by commas, got '%s'", ref_text)
      end
      ref[#ref + 1] = sign[#ref + 1] and sign[#ref + 1] * x
    end
    if #ref ~= m then
      usage_error('--ref needs %d values (one per objective), got %d', m, #ref)
    end
  else
    for i = 1, m do
      local lo, hi = math.huge, -math.huge
      for _, p in ipairs(pts) do
        lo, hi = math.min(lo, p[i]), math.max(hi, p[i])
      end
      local span = hi > lo and hi - lo or math.max(math.abs(hi), 1)
      ref[i] = hi + 0.1 * span
    end
  end
  local shown = {}
  for i = 1, m do
    shown[i] = ('%.6g'):format(sign[i] * ref[i])
  end
  return core.hypervolume(pts, ref), table.concat(shown, ',')
end

local function cmd_show(args)
  local store <close>, study, trials, opts = open_stored(args, { ref = 'string' })
  local names = util.sorted_keys(study.space)
  local counts = readable(study.path, store:counts(study.id))
  local out = io.stdout
  out:write(("study '%s' (%s%s)\n"):format(study.name, study.objectives
    and (#study.objectives .. ' objectives') or study.direction,
    study.config.metric and not study.objectives and (' ' .. study.config.metric) or ''))
  local parts = {}
  for _, st in ipairs({ 'COMPLETE', 'PRUNED', 'FAILED', 'RUNNING', 'WAITING' }) do
    if counts[st] > 0 then
      parts[#parts + 1] = ('%d %s'):format(counts[st], st:lower())
    end
  end
  if counts.interrupted > 0 then
    parts[#parts + 1] = ('%d interrupted'):format(counts.interrupted)
  end
  out:write(('trials: %s\n'):format(#parts > 0 and table.concat(parts, ', ') or 'none'))
  local on_front = {}
  if study.objectives then
    local objs = {}
    for i, obj in ipairs(study.objectives) do
      objs[i] = obj.name .. ' (' .. obj.direction .. ')'
    end
    out:write(('objectives: %s\n'):format(table.concat(objs, ', ')))
    local front = require('hpo.runner').pareto(study, trials)
    for _, t in ipairs(front) do
      on_front[t.number] = true
    end
    if #front > 0 then
      local hv, ref = front_hypervolume(study, front, opts.ref)
      out:write(('pareto front: %d trials (marked *), hypervolume %.6g against (%s)\n'):format(
        #front, hv, ref))
    end
  elseif opts.ref then
    usage_error('--ref is for studies with several objectives')
  else
    local best = best_of(study, trials)
    if best then
      out:write(('best: trial %d, value %s\n'):format(best.number, util.show(best.value)))
    end
  end
  -- A learned policy (hpo.reinforce) is shown: each parameter's most probable value.
  local _, state = require('hpo.runner').unpack_state(store:sampler_state(study.id))
  if state and state:find('^RF1|') then
    local space = require('hpo.space').from_description(study.space)
    local summary = require('hpo.reinforce').from_state(space, study.direction, state)
      :summary(space)
    local policy = {}
    for _, name in ipairs(space.names) do
      local e = summary[name]
      policy[#policy + 1] = e.sd and ('%s ~ N(%.3g, %.3g) in [0, 1]'):format(name, e.mean, e.sd)
        or ('%s = %s (p %.2f)'):format(name, util.show(e.value), e.p)
    end
    out:write('policy: ', table.concat(policy, ', '), '\n')
  end
  -- Warm-start sources (hpo.tpe) and the weights they have earned.
  local warm = state and state:match('|W|(.*)$')
  warm = warm and util.json_decode(warm)
  if type(warm) == 'table' then
    for _, src in ipairs(require('hpo.warm').ranked(warm)) do
      out:write(('warm start: source %s weighs %.2f\n'):format(src.path, src.weight))
    end
  end
  out:write(('\n%6s  %-8s  %-14s  %8s  %s\n'):format('trial', 'state', 'value', 'seconds',
    table.concat(names, '  ')))
  for _, t in ipairs(trials) do
    local cells = {}
    for i, n in ipairs(names) do
      cells[i] = fmt(t.params[n])
    end
    local secs = t.started and t.finished and ('%.2f'):format(t.finished - t.started) or '-'
    local value = fmt(t.value)
    if t.values then
      local vs = {}
      for i, v in ipairs(t.values) do
        vs[i] = ('%.6g'):format(v)
      end
      value = table.concat(vs, ',')
    end
    if t.violation and t.violation > 0 then
      value = value .. ' (infeasible)'
    end
    local line = ('%5d%s  %-8s  %-14s  %8s  %s'):format(t.number, on_front[t.number] and '*' or ' ',
      t.state, value, secs, table.concat(cells, '  '))
    if t.reason then
      line = line .. '  # ' .. t.reason:match('[^\n]*')
    end
    out:write(line, '\n')
  end
  return 0
end

local function csv_cell(v)
  if v == nil then
    return ''
  end
  local s = type(v) == 'number' and (math.type(v) == 'integer' and tostring(v)
    or ('%.17g'):format(v)) or tostring(v)
  if s:find('[,"\r\n]') then
    s = '"' .. s:gsub('"', '""') .. '"'
  end
  return s
end

local function cmd_export(args)
  local store <close>, study, trials, opts = open_stored(args, -- luacheck: no unused
    { format = 'string', output = 'string' })
  local format = opts.format or 'json'
  if format ~= 'json' and format ~= 'csv' then
    usage_error("export: --format must be 'csv' or 'json', got '%s'", format)
  end
  local out = io.stdout
  if opts.output then
    local err
    out, err = io.open(opts.output, 'w')
    if not out then
      util.fail(nil, 'cannot write %s', err)
    end
  end
  if format == 'json' then
    local list = {}
    for i, t in ipairs(trials) do
      list[i] = trial_json(t)
    end
    out:write(#list > 0 and util.json_encode(list) or '[]', '\n')
  else
    local names = util.sorted_keys(study.space)
    local mset = {}
    for _, t in ipairs(trials) do
      for k in pairs(t.metrics or {}) do
        mset[k] = true
      end
    end
    local metrics = util.sorted_keys(mset)
    local header = { 'number', 'state', 'value', 'duration', 'started', 'finished' }
    for _, n in ipairs(names) do
      header[#header + 1] = 'params_' .. n
    end
    for _, m in ipairs(metrics) do
      header[#header + 1] = 'metrics_' .. m
    end
    header[#header + 1] = 'reason'
    out:write(table.concat(header, ','), '\n')
    for _, t in ipairs(trials) do
      local j = trial_json(t)
      local row = { j.number, j.state, j.value, j.duration, j.started, j.finished }
      for _, n in ipairs(names) do
        row[#row + 1] = t.params[n] == nil and '' or t.params[n]
      end
      for _, m in ipairs(metrics) do
        row[#row + 1] = t.metrics and t.metrics[m] or ''
      end
      row[#row + 1] = j.reason
      local cells = {}
      for i = 1, #header do
        cells[i] = csv_cell(row[i])
      end
      out:write(table.concat(cells, ','), '\n')
    end
  end
  if out ~= io.stdout then
    out:close()
  end
  return 0
end

local function cmd_eval(args)
  if not args[2] then
    usage_error("-e needs a chunk of Lua code")
  end
  _G.hpo = require('hpo')
  local chunk, err = load(args[2], '=(command line)', 't')
  if not chunk then
    util.fail(nil, '%s', err)
  end
  chunk(table.unpack(args, 3))
  return 0
end

-- hpolua --worker STUDY.lua: run the study's Lua objective once, for a trial that the pool
-- started (parallel > 1). Params come from HPO_PARAMS; reports and the final value go to the
-- report pipe; a failure is a message on stderr and exit status 1.
local function cmd_worker(args)
  local study = require('hpo._loader').load(assert(args[2], '--worker needs a study file'))
  local runner = require('hpo.runner')
  local report = require('hpo.trial')
  local params, err = study.space:check_params(report.params)
  if not params then
    io.stderr:write('hpolua worker: ', err, '\n')
    return 1
  end
  local metric = study.metric or 'value'
  local trial = runner.new_trial({ number = report.number, params = params, metric = metric,
    study = study, emit = function(_, step, metrics)
      local line = { step = step }
      for k, v in pairs(metrics) do
        line[k] = v
      end
      report.report(line)
    end })
  local state, value, metrics, reason = runner.call_objective(study, trial)
  if state ~= 'COMPLETE' then
    -- The last line is what the study's summary shows: make it the message.
    io.stderr:write(reason, '\n', reason:match('[^\n]*'), '\n')
    return 1
  end
  local final = {}
  for k, v in pairs(metrics or {}) do
    final[k] = v
  end
  final[metric] = value
  report.final(final)
  return 0
end

-- An HTML report of a stored study (lua/hpo/report.lua).
local function cmd_report(args)
  for i = 2, #args do  -- -o FILE, as the usual short form of --output
    if args[i] == '-o' then
      args[i] = '--output'
    end
  end
  local store <close>, study, trials, opts = open_stored(args, { output = 'string' })
  local report = require('hpo.report')
  local libs, why = report.libraries(core.exepath())
  if not libs then
    util.fail_runtime(why)
  end
  local space = require('hpo.space').from_description(study.space)
  local metric = study.objectives and study.objectives[1].name or study.config.metric or 'value'
  local by_id, curves = {}, {}
  for _, t in ipairs(trials) do
    by_id[t.id] = t.number
    t.params = space:check_params(t.params) or t.params
  end
  for _, r in ipairs(readable(study.path, store:reports(study.id))) do
    local m = util.json_decode(r.metrics)
    local v = type(m) == 'table' and m[metric]
    local number = by_id[r.trial_id]
    if number and type(v) == 'number' then
      curves[number] = curves[number] or {}
      table.insert(curves[number], { r.step, v })
    end
  end
  local d = report.data(study, space, trials, curves)
  local path = opts.output or (args[2]:gsub('%.db$', ''):gsub('%.lua$', '') .. '.html')
  local f, err = io.open(path, 'wb')
  if not f then
    util.fail_runtime(('cannot write the report: %s'):format(err))
  end
  f:write(report.html(d, libs))
  f:close()
  io.stdout:write(('report of study \'%s\' (%d trials) written to %s\n'):format(study.name,
    #trials, path))
  return 0
end

-- Parameter importance (fANOVA) of a stored study, as a table.
local function cmd_importance(args)
  local store <close>, study, trials, opts = open_stored(args, -- luacheck: no unused
    { objective = 'integer', seed = 'integer' })
  local space = require('hpo.space').from_description(study.space)
  local k = opts.objective or 1
  local nobj = study.objectives and #study.objectives or 1
  if k < 1 or k > nobj then
    usage_error('--objective must be between 1 and %d', nobj)
  end
  local imp, notes, n = require('hpo.importance').compute(space, trials,
    { objective = k, seed = opts.seed })
  local out = io.stdout
  local what = study.objectives and study.objectives[k].name or study.config.metric or 'value'
  if #imp == 0 then
    io.stderr:write(("hpolua: study '%s': too few complete trials (%d) to assess importance\n")
      :format(study.name, n))
    return 1
  end
  out:write(("study '%s': importance of each parameter for %s (fANOVA, %d complete trials)\n\n")
    :format(study.name, what, n))
  local width = 9
  for _, e in ipairs(imp) do
    width = math.max(width, #e.name)
  end
  out:write(('%-' .. width .. 's  %10s\n'):format('parameter', 'importance'))
  for _, e in ipairs(imp) do
    out:write(('%-' .. width .. 's  %10.4f  %s\n'):format(e.name, e.importance,
      string.rep('#', math.floor(e.importance * 40 + 0.5))))
  end
  for _, note in ipairs(notes) do
    out:write('note: ', note, '\n')
  end
  return 0
end

local COMMANDS = { show = cmd_show, best = cmd_best, export = cmd_export,
  importance = cmd_importance, report = cmd_report, ['--worker'] = cmd_worker }

local function dispatch(args)
  local first = args[1]
  if first == nil or first == '--help' or first == '-h' then
    io.stdout:write(USAGE, '\n')
    return first == nil and 2 or 0
  elseif first == '--version' then
    io.stdout:write('hpolua ', core.version, ' (', _VERSION, ')\n')
    return 0
  elseif first == '-e' then
    return cmd_eval(args)
  elseif COMMANDS[first] then
    return COMMANDS[first](args)
  end
  return run_study(args)
end

--- Entry point of the hpolua program: returns the exit status. Study and usage errors are
--- printed without a traceback (status 2); anything else propagates to the host, which
--- prints it with a traceback (status 1).
---@param args string[]
---@return integer
function M.main(args)
  local ok, res = xpcall(dispatch, function(e)
    if util.is_study_error(e) or util.is_runtime_error(e) then
      return e
    end
    return debug.traceback(tostring(e), 2)
  end, args)
  io.stdout:flush()
  if ok then
    return res
  end
  io.stderr:write('hpolua: ', tostring(res), '\n')
  return util.is_study_error(res) and 2 or 1
end

return M
