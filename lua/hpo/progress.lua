--- What a running study prints: one line per finished trial (or one updating line on a
--- terminal), then a summary with the best trial and the counts by state.
local util = require('hpo._util')

local M = {}

local View = {}
View.__index = View

---@param study hpo.Study
---@param opts {out: file*, quiet: boolean, interactive: boolean, total: integer}
function M.new(study, opts)
  return setmetatable({ study = study, out = opts.out, quiet = opts.quiet,
    interactive = opts.interactive, total = opts.total, ran = 0 }, View)
end

local function fmt_value(v)
  if v == nil then
    return '-'
  end
  if type(v) == 'table' then  -- several objectives
    local parts = {}
    for i, x in ipairs(v) do
      parts[i] = ('%.6g'):format(x)
    end
    return table.concat(parts, ',')
  end
  return ('%.6g'):format(v)
end

local function fmt_time(s)
  if s < 60 then
    return ('%.1fs'):format(s)
  elseif s < 3600 then
    return ('%dm%02ds'):format(s // 60, math.floor(s % 60))
  end
  return ('%dh%02dm'):format(s // 3600, math.floor(s % 3600) // 60)
end

function View:print(fmt, ...)
  if not self.quiet then
    self.out:write(fmt:format(...), '\n')
  end
end

function View:start(info)
  local s = self.study
  for _, note in ipairs(s.warm_notes or {}) do
    self:print('warm start: %s', note)
  end
  if s.warm_points and info.created then
    local from, n = {}, 0  -- the sources that gave trials (one listed twice counts once)
    for _, p in ipairs(s.warm_points) do
      n, from[p.source] = n + (from[p.source] and 0 or 1), true
    end
    local model, k = s.warm_model_seed and 1 or 0, s.warm_model_trials or 0
    self:print("warm start: %d trials from %d of %d sources; the best %d%s run first%s",
      #s.warm_points, n, #s.warm_start, #(s.warm_seeds or {}) - model,
      model == 1 and " and the sources' predicted optimum" or '',
      k > 0 and (", then %d trial%s of their model"):format(k, k == 1 and '' or 's') or '')
  end
  if info.moved then
    self:print('moved the old study file aside to %s', info.moved)
  end
  if info.sampler_changed then
    self:print('sampler changed from %s to %s: %s starts afresh from the stored trials',
      info.sampler_changed.from, info.sampler_changed.to, info.sampler_changed.to)
  end
  if info.created then
    local dim = s.space:dim()
    self:print("study '%s': %s over %d parameter%s, %d trials, stored in %s", s.name,
      s.direction, dim, dim == 1 and '' or 's', self.total, info.path)
  else
    local extra = info.recovered > 0
        and (', %d interrupted trial%s queued again'):format(info.recovered,
          info.recovered == 1 and '' or 's')
      or ''
    self:print("study '%s': resuming with %d finished trials%s, stored in %s", s.name,
      info.finished, extra, info.path)
  end
  self.already = info.finished
end

--- A print for the objective's own output on a terminal (same stream as the status line):
--- it clears the status line, prints, and draws the status again below, so a chatty
--- objective never scrolls it away.
function View:print_above()
  return function(...)
    local parts = {}
    for i = 1, select('#', ...) do
      parts[i] = tostring((select(i, ...)))
    end
    self.out:write(self.status and '\r\27[K' or '', table.concat(parts, '\t'), '\n',
      self.status or '')
    self.out:flush()
  end
end

--- A line about the study (not a trial), kept apart from an updating progress line.
function View:note(msg)
  if self.quiet then
    return
  end
  if self.interactive then
    self.out:write('\n')
  end
  self:print('%s', msg)
end

function View:trial(rec, best, elapsed)
  self.ran = self.ran + 1
  if self.quiet then
    return
  end
  local bestv = best and ('%s (#%d)'):format(fmt_value(best.value), best.number) or '-'
  if self.interactive then
    -- One status line: done/total, best, the last trial, running trials, rate and ETA.
    local done = self.already + self.ran
    local running = 0
    for _ in pairs(self.study.running or {}) do
      running = running + 1
    end
    local rate = elapsed > 0 and self.ran / elapsed * 60 or 0
    local eta = rate > 0 and done < self.total and ('  eta %s'):format(
      fmt_time((self.total - done) / rate * 60)) or ''
    self.status = ('[%d/%d] best %s  last #%d %s %s  running %d  %.1f/min%s  %s')
      :format(done, self.total, bestv, rec.number, rec.state,
      fmt_value(rec.values or rec.value), running, rate, eta, fmt_time(elapsed))
    self.out:write('\r\27[K', self.status)
    self.out:flush()
    return
  end
  local tail = rec.state == 'FAILED' and ('  (%s)'):format((rec.reason or ''):match('[^\n]*'))
    or ''
  if (rec.malformed or 0) > 0 then
    tail = tail .. ('  [%d malformed report line%s]'):format(rec.malformed,
      rec.malformed == 1 and '' or 's')
  end
  self:print('trial %-4d %-8s value %-12s best %-20s %s%s', rec.number, rec.state,
    fmt_value(rec.values or rec.value), bestv, fmt_time(elapsed), tail)
end

function View:finish(r)
  if self.quiet then
    return
  end
  if self.interactive and self.ran > 0 then
    self.out:write('\n')
  end
  local c = r.counts
  local done = c.COMPLETE + c.PRUNED + c.FAILED
  if r.status == 'complete' and self.ran == 0 then
    self:print("study '%s' is complete: %d of %d trials have run", r.study, done, self.total)
  elseif r.status == 'exhausted' then
    self:print("study '%s': the sampler has no more configurations (%d trials)", r.study, done)
  elseif r.status == 'interrupted' then
    self:print("study '%s': interrupted; run it again to resume", r.study)
  elseif r.status == 'failures' then
    self:print("study '%s': stopped after %d consecutive failed trials; the last failed "
      .. 'with:\n  %s', r.study, self.study.max_failures, (r.last_failure or ''):gsub('\n', '\n  '))
  end
  local parts = {}
  for _, st in ipairs({ 'COMPLETE', 'PRUNED', 'FAILED', 'RUNNING', 'WAITING' }) do
    if c[st] > 0 then
      parts[#parts + 1] = ('%d %s'):format(c[st], st:lower())
    end
  end
  if c.interrupted > 0 then
    parts[#parts + 1] = ('%d interrupted'):format(c.interrupted)
  end
  self:print('trials: %s', #parts > 0 and table.concat(parts, ', ') or 'none')
  local weights = {}
  for _, src in ipairs(self.study.warm_start or {}) do
    local w = (self.study.warm_weights or {})[src.path]
    weights[src.path] = w and w * src.weight
  end
  for _, src in ipairs(require('hpo.warm').ranked(weights)) do
    self:print('warm start: source %s weighs %.2f (%s)', src.path, src.weight,
      self.study.sampler.weights_mean or "how well it ranks this study's trials")
  end
  if r.pareto then
    local nums = {}
    for i, t in ipairs(r.pareto) do
      if i > 12 then
        nums[#nums + 1] = '...'
        break
      end
      nums[i] = '#' .. t.number
    end
    self:print('pareto front: %d trial%s %s (hpolua best DB lists them)', #r.pareto,
      #r.pareto == 1 and '' or 's', table.concat(nums, ' '))
  elseif r.best then
    self:print('best: trial %d, value %s', r.best.number, util.show(r.best.value))
    self:print('  %s', self.study.space:format_params(r.best.params))
  else
    self:print('best: no complete trial yet')
  end
end

return M
