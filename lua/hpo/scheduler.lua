--- Schedulers: early stopping from intermediate reports (DESIGN.md section 4, REFERENCE.md
--- section 6). A scheduler is any table with
---   scheduler:on_report(trial, report) -> 'continue' | 'stop'
---   scheduler:on_complete(trial)          (optional)
--- where trial = { number, params, curve } (curve: the trial's reports as {step, value} in
--- order, the objective's metric only) and report = { step, value, metrics }. It sees the
--- finished trials' curves in self.study.history[i].curve (set by setup(study)).
--- A 'stop' prunes the trial: a command gets SIGTERM (then SIGKILL after `grace`), a Lua
--- objective sees trial:should_prune() turn true. Built-ins use the same protocol.
local util = require('hpo._util')

local M = {}

--- Instructions a scheduler call may run before it is judged stuck.
M.MAX_INSTRUCTIONS = 10000000

--- Call scheduler[method](scheduler, ...) with a budget of instructions. Errors (its own, or
--- running too long) become a runtime failure naming the scheduler and where it failed.
function M.call(scheduler, method, ...)
  local fn = scheduler[method]
  if not fn then
    return nil
  end
  local name = scheduler.name or '(custom)'
  local hook = function()
    error(('scheduler %s: %s ran more than %d instructions'):format(name, method,
      M.MAX_INSTRUCTIONS), 2)
  end
  debug.sethook(hook, '', M.MAX_INSTRUCTIONS)
  local ok, res, extra = pcall(fn, scheduler, ...)
  debug.sethook()
  if not ok then
    util.fail_runtime(('scheduler %s failed in %s: %s'):format(name, method, tostring(res)))
  end
  if method == 'on_report' and res ~= 'continue' and res ~= 'stop' and res ~= 'pause'
    and res ~= nil then
    util.fail_runtime(("scheduler %s: on_report must return 'continue', 'stop' or 'pause', got %s")
      :format(name, util.show(res)))
  end
  return res, extra
end

-- Order records { number, value } best first (value is signed: lower is better), ties by
-- trial number.
local function by_value(a, b)
  if a.value ~= b.value then
    return a.value < b.value
  end
  return a.number < b.number
end

local function check_opts(kind, opts, allowed)
  return util.check_options(util.where(), kind, opts, allowed)
end

-- min, max and eta of ASHA and Hyperband, checked.
local function rungs_opts(kind, opts)
  opts = check_opts(kind, opts, { min = 'number', max = 'number', eta = 'number',
    mode = 'string' })
  local min, max, eta = opts.min or 1, opts.max or 81, opts.eta or 3
  if min <= 0 or max < min or eta < 2 then
    util.fail(util.where(), 'hpo.%s: needs 0 < min <= max and eta >= 2', kind)
  end
  return min, max, eta
end

-- ---- fifo ----

--- No early stopping: every trial runs to its end (the default).
function M.fifo()
  return { name = 'fifo', on_report = function()
    return 'continue'
  end }
end

-- ---- median / percentile stopping ----

local Percentile = {}
Percentile.__index = Percentile

--- Stop a trial at step s when its best value so far is worse than the p-th percentile
--- (50: the median) of the completed trials' running averages at step s (Golovin et al.,
--- Vizier 2017), once `startup` trials have completed and from step `warmup` on, checked
--- every `interval` steps.
function M.percentile(opts)
  opts = check_opts('percentile', opts, { percentile = 'number', startup = 'number',
    warmup = 'number', interval = 'number' })
  local p = opts.percentile or 50
  if p <= 0 or p >= 100 then
    util.fail(util.where(), 'hpo.percentile: percentile must be in (0, 100), got %s', p)
  end
  return setmetatable({ name = 'percentile', p = p, startup = opts.startup or 5,
    warmup = opts.warmup or 0, interval = opts.interval or 1 }, Percentile)
end

--- The median stopping rule: hpo.percentile with percentile = 50.
function M.median(opts)
  opts = check_opts('median', opts, { startup = 'number', warmup = 'number',
    interval = 'number' })
  local s = M.percentile({ percentile = 50, startup = opts.startup, warmup = opts.warmup,
    interval = opts.interval })
  s.name = 'median'
  return s
end

function Percentile:setup(study)
  self.study = study
  self.sign = study.direction == 'maximize' and -1 or 1
end

function Percentile:on_report(trial, report)
  local s = report.step
  if s < self.warmup or (s - self.warmup) % self.interval ~= 0 then
    return 'continue'
  end
  local averages = {}
  for _, t in ipairs(self.study.history) do
    if t.state == 'COMPLETE' and t.curve and #t.curve > 0 then
      local sum, count = 0, 0
      for _, r in ipairs(t.curve) do
        if r[1] > s then
          break
        end
        sum, count = sum + self.sign * r[2], count + 1
      end
      if count > 0 then
        averages[#averages + 1] = sum / count
      end
    end
  end
  if #averages < self.startup then
    return 'continue'
  end
  table.sort(averages)
  local pos = 1 + (#averages - 1) * self.p / 100
  local lo = math.floor(pos)
  local cut = averages[lo] + (pos - lo) * ((averages[lo + 1] or averages[lo]) - averages[lo])
  local best = math.huge
  for _, r in ipairs(trial.curve) do
    best = math.min(best, self.sign * r[2])
  end
  return best > cut and 'stop' or 'continue'
end

-- ---- ASHA ----

local Asha = {}
Asha.__index = Asha

--- Asynchronous successive halving (Li et al., MLSys 2020), stopping form: rungs at
--- min * eta^k steps up to max; a trial reaching a rung continues only if its value there is
--- among the best floor(n / eta) of the n trials recorded at that rung (the best one while
--- fewer than eta have reached it); otherwise it is stopped.
function M.asha(opts)
  local min, max, eta = rungs_opts('asha', opts)
  local mode = opts and opts.mode or 'stop'
  if mode ~= 'stop' and mode ~= 'promote' then
    util.fail(util.where(), "hpo.asha: mode must be 'stop' or 'promote', got %s", util.show(mode))
  end
  local rungs, r = {}, min
  while r < max do
    rungs[#rungs + 1] = r
    r = r * eta
  end
  if mode == 'promote' then
    return M.asha_promote(min, max, eta, rungs)
  end
  return setmetatable({ name = 'asha', min = min, max = max, eta = eta, rungs = rungs }, Asha)
end

function Asha:setup(study)
  self.study = study
  self.sign = study.direction == 'maximize' and -1 or 1
end

-- Values recorded at rung resource r: every other trial's value at its first report at or
-- past r (finished trials and running ones alike).
function Asha:recorded(r, except)
  local values = {}
  local member = self.member
  local function add(curve, number)
    if member and not member(number) then
      return
    end
    for _, rep in ipairs(curve or {}) do
      if rep[1] >= r then
        values[#values + 1] = self.sign * rep[2]
        return
      end
    end
  end
  for _, t in ipairs(self.study.history) do
    add(t.curve, t.number)
  end
  for number, curve in pairs(self.study.curves or {}) do
    if number ~= except then
      add(curve, number)
    end
  end
  return values
end

function Asha:on_report(trial, report)
  -- The rung this report reaches for the first time, if any.
  local prev = trial.curve[#trial.curve - 1]
  local rung
  for _, r in ipairs(self.rungs) do
    if report.step >= r and (not prev or prev[1] < r) then
      rung = r
    end
  end
  if not rung then
    return 'continue'
  end
  local values = self:recorded(rung, trial.number)
  local mine = self.sign * report.value
  values[#values + 1] = mine
  table.sort(values)
  local k = math.max(1, #values // self.eta)
  return mine <= values[k] and 'continue' or 'stop'
end

-- ---- Hyperband ----

local Hyperband = {}
Hyperband.__index = Hyperband
local HyperbandPromote = {}  -- the promotion form (below)

--- Hyperband (Li et al., JMLR 2018), stopping form: brackets s = s_max .. 0 with
--- s_max = floor(log_eta(max / min)); bracket s starts n_s = ceil((s_max + 1) eta^s / (s + 1))
--- configurations at resource r_s = max eta^-s, and runs ASHA from r_s up. Trials are dealt
--- to brackets in proportion to n_s, by their number (so a resumed study deals them alike).
function M.hyperband(opts)
  local min, max, eta = rungs_opts('hyperband', opts)
  local mode = opts and opts.mode or 'stop'
  if mode ~= 'stop' and mode ~= 'promote' then
    util.fail(util.where(), "hpo.hyperband: mode must be 'stop' or 'promote', got %s",
      util.show(mode))
  end
  local s_max = 0
  while max / eta ^ (s_max + 1) >= min * (1 - 1e-9) do
    s_max = s_max + 1
  end
  local hb = setmetatable({ name = 'hyperband', brackets = {}, deal = {} }, Hyperband)
  for s = s_max, 0, -1 do
    local b = { s = s, n = math.ceil((s_max + 1) * eta ^ s / (s + 1)), r = max / eta ^ s }
    b.asha = M.asha({ min = b.r, max = max, eta = eta, mode = mode })
    b.asha.name = 'hyperband'
    local index = #hb.brackets + 1
    b.asha.member = function(number)
      return hb:bracket_of(number) == index
    end
    hb.brackets[index] = b
    for _ = 1, b.n do
      hb.deal[#hb.deal + 1] = index
    end
  end
  if mode == 'promote' then
    setmetatable(hb, HyperbandPromote)
    hb.mode, hb.requires_run = 'promote', true
    hb.bracket_of = Hyperband.bracket_of
    hb.initial_resource = function(self, number)  -- a new trial starts at its bracket's r
      return self.brackets[self:bracket_of(number)].r
    end
  end
  return hb
end

--- The bracket (index into self.brackets) of trial number.
function Hyperband:bracket_of(number)
  return self.deal[number % #self.deal + 1]
end

function Hyperband:setup(study)
  for _, b in ipairs(self.brackets) do
    b.asha:setup(study)
  end
end

function Hyperband:on_report(trial, report)
  return self.brackets[self:bracket_of(trial.number)].asha:on_report(trial, report)
end

-- Hyperband's promotion form: each bracket is an ASHA in promotion form starting at its own
-- resource; new trials are dealt to brackets by number as in the stopping form, and a
-- continuation belongs to the bracket of the trial it continues.
HyperbandPromote.__index = HyperbandPromote

function HyperbandPromote:setup(study)
  self.owner = {}  -- continuation trial number -> bracket index
  for _, e in ipairs(study.events or {}) do
    if e.kind == 'promote' and e.data.from then
      self.owner[e.number] = self:bracket(e.data.from)
    end
  end
  for i, b in ipairs(self.brackets) do
    b.asha:setup(study)
    -- Each bracket keeps only its own trials' pauses and promotions.
    local mine = function(n)
      return self:bracket(n) == i
    end
    for r, list in pairs(b.asha.at) do
      local kept = {}
      for _, c in ipairs(list) do
        if mine(c.number) then
          kept[#kept + 1] = c
        end
      end
      b.asha.at[r] = kept
    end
  end
end

function HyperbandPromote:bracket(number)
  return self.owner[number] or self:bracket_of(number)
end

function HyperbandPromote:on_report(trial, report)
  return self.brackets[self:bracket(trial.number)].asha:on_report(trial, report)
end

--- Promotions from any bracket (the one with the highest resource first).
function HyperbandPromote:choose_next()
  local order = {}
  for i = 1, #self.brackets do
    order[i] = i
  end
  table.sort(order, function(a, b)
    return self.brackets[a].r > self.brackets[b].r
  end)
  for _, i in ipairs(order) do
    local c = self.brackets[i].asha:choose_next()
    if c then
      c.bracket = i
      return c
    end
  end
  return nil
end

--- A continuation started as trial `number`: it belongs to its bracket.
function HyperbandPromote:on_start(number, chosen)
  self.owner[number] = chosen.bracket
end

-- ---- PBT ----

local Pbt = {}
Pbt.__index = Pbt

--- Population-based training (Jaderberg et al. 2017), asynchronous as in Ray Tune: every
--- `interval` steps a trial compares its latest value with the other running trials'; in the
--- bottom `quantile` it is stopped and replaced by a new trial that starts from the
--- checkpoint of a trial in the top `quantile` (exploit) with that trial's parameters
--- perturbed (explore): each one resampled from the space with probability `resample`,
--- else a number multiplied by one of `perturb` (rounded and clamped to its range), a
--- discrete value moved to a neighbour, a choice kept. Needs trials that are commands
--- (`run`) and checkpoint to HPO_CHECKPOINT_DIR: the replacement finds the donor's
--- checkpoint copied there and HPO_RESUME_FROM / HPO_RESUME_STEP set.
function M.pbt(opts)
  opts = check_opts('pbt', opts, { interval = 'number', quantile = 'number',
    resample = 'number', perturb = 'table', seed = 'integer' })
  local q, r, pf = opts.quantile or 0.25, opts.resample or 0.25, opts.perturb or { 0.8, 1.2 }
  if (opts.interval or 5) < 1 or q <= 0 or q > 0.5 or r < 0 or r > 1 or #pf ~= 2
    or type(pf[1]) ~= 'number' or type(pf[2]) ~= 'number' or pf[1] <= 0 or pf[2] <= 0 then
    util.fail(util.where(), 'hpo.pbt: needs interval >= 1, 0 < quantile <= 0.5, 0 <= resample '
      .. '<= 1 and perturb = { two positive factors }')
  end
  return setmetatable({ name = 'pbt', requires_run = true, interval = opts.interval or 5,
    quantile = q, resample = r, perturb = pf, seed = opts.seed or 0, queue = {}, params = {} },
    Pbt)
end

function Pbt:setup(study)
  self.study = study
  self.sign = study.direction == 'maximize' and -1 or 1
  self.rng = require('hpo.core').rng(self.seed)
  -- Replacements decided but not started when the study stopped: planned (an event on the
  -- stopped trial) without an exploit event that carried them out.
  local planned, done = {}, {}
  for _, e in ipairs(study.events or {}) do
    if e.kind == 'exploit-planned' and e.data.params then
      planned[#planned + 1] = { plan = e.number, data = e.data }
    elseif e.kind == 'exploit' and e.data.plan then
      done[e.data.plan] = true
    end
  end
  for _, p in ipairs(planned) do
    if not done[p.plan] then
      self.queue[#self.queue + 1] = { params = p.data.params,
        resume = { from = p.data.from, step = p.data.step, plan = p.plan } }
    end
  end
  -- After a resume the random stream starts anew past the decisions already taken (a
  -- resumed study does not replay them; its later choices are not those of an unbroken run).
  if #planned > 0 then
    self.rng = require('hpo.core').rng(self.seed + #planned)
  end
end

-- A parameter's value moved by one perturbation.
local function perturb_value(p, v, factor, up)
  if p.kind == 'choice' then
    return v
  elseif p.kind == 'discrete' then
    for i, x in ipairs(p.values) do
      if x == v then
        return p.values[math.max(1, math.min(#p.values, i + (up and 1 or -1)))]
      end
    end
    return v
  end
  local x = math.max(p.lo, math.min(p.hi, v * factor))
  local step = p.step or (p.kind == 'int' and 1 or nil)
  if step then
    x = math.max(p.lo, math.min(p.hi, p.lo + math.floor((x - p.lo) / step + 0.5) * step))
  end
  if p.kind == 'int' then
    x = math.tointeger(x) or math.floor(x)
  end
  return x
end

--- Explore: the donor's parameters, perturbed.
function Pbt:explore(params)
  local space = self.study.space
  local out, fresh = {}, space:from_unit(self.rng:uniform(space:dim()))
  for name, v in pairs(params) do
    out[name] = v
  end
  for _, name in ipairs(space.names) do
    if out[name] ~= nil then
      if self.rng:uniform() < self.resample and fresh[name] ~= nil then
        out[name] = fresh[name]
      else
        local up = self.rng:uniform() < 0.5
        out[name] = perturb_value(space.params[name], out[name],
          up and math.max(self.perturb[1], self.perturb[2])
          or math.min(self.perturb[1], self.perturb[2]), up)
      end
    end
  end
  return space:check_params(out) or params
end

function Pbt:on_report(trial, report)
  self.params[trial.number] = trial.params
  if report.step < self.interval or report.step % self.interval ~= 0 then
    return 'continue'
  end
  local pop = {}
  for number, curve in pairs(self.study.curves or {}) do
    local last = curve[#curve]
    if last and self.params[number] then
      pop[#pop + 1] = { number = number, value = self.sign * last[2], step = last[1] }
    end
  end
  if #pop < 2 then
    return 'continue'
  end
  table.sort(pop, by_value)
  local k = math.max(1, math.floor(#pop * self.quantile))
  local rank
  for i, p in ipairs(pop) do
    if p.number == trial.number then
      rank = i
    end
  end
  if not rank or rank <= #pop - k then
    return 'continue'
  end
  local donor = pop[1 + math.floor(self.rng:uniform() * k)]
  local plan = { params = self:explore(self.params[donor.number]),
    resume = { from = donor.number, step = donor.step, plan = trial.number } }
  self.queue[#self.queue + 1] = plan
  -- Stored with the stopped trial, so a study killed before the replacement starts still
  -- starts it on resume.
  return 'stop', { kind = 'exploit-planned', data = { from = donor.number, step = donor.step,
    params = plan.params } }
end

function Pbt:on_complete(trial)
  self.params[trial.number] = nil
end

--- The next trial: a replacement waiting in the queue (exploit and explore), else nil (the
--- sampler proposes).
function Pbt:choose_next()
  return table.remove(self.queue, 1)
end

-- ---- ASHA with promotions ----

local Promote = {}
Promote.__index = Promote

--- ASHA in its promotion form (Li et al., MLSys 2020, Algorithm 2): new configurations run
--- with HPO_RESOURCE = min and pause when they reach it; whenever a trial can start, the
--- highest rung with a paused trial in its top 1/eta (of the trials recorded there) that
--- has not been promoted yet promotes it: a new trial continues from its checkpoint with
--- HPO_RESOURCE = eta times more (stored as a 'promote' event); otherwise the sampler
--- proposes a new configuration. Trials at max run to their end. Needs command trials that
--- checkpoint and read HPO_RESOURCE. Pauses and promotions are stored, so a resumed study
--- keeps its rungs.
function M.asha_promote(min, max, eta, rungs)
  local all = {}
  for i, r in ipairs(rungs) do
    all[i] = r
  end
  all[#all + 1] = max
  return setmetatable({ name = 'asha', mode = 'promote', requires_run = true, min = min,
    max = max, eta = eta, rungs = all, initial_resource = min }, Promote)
end

function Promote:setup(study)
  self.study = study
  self.sign = study.direction == 'maximize' and -1 or 1
  self.at = {}        -- rung resource -> { {number, value, params}, ... } paused there
  self.promoted = {}  -- trial number -> true once continued
  self.params = {}
  for _, t in ipairs(study.history or {}) do
    self.params[t.number] = t.params
  end
  for _, e in ipairs(study.events or {}) do
    if e.kind == 'pause' and e.data.resource then
      self:record(e.number, e.data.resource, e.data.value)
    elseif e.kind == 'promote' and e.data.from then
      self.promoted[e.data.from] = true
    end
  end
end

function Promote:record(number, resource, value)
  self.at[resource] = self.at[resource] or {}
  table.insert(self.at[resource], { number = number, value = self.sign * value })
end

function Promote:on_report(trial, report)
  self.params[trial.number] = trial.params
  local r = trial.resource or self.min
  if r < self.max and report.step >= r then
    self:record(trial.number, r, report.value)
    return 'pause'
  end
  return 'continue'
end

--- The next trial: the best unpromoted paused trial of the highest rung where one is in
--- the top 1/eta, continued with eta times the resource; else nil (a new configuration).
function Promote:choose_next()
  for k = #self.rungs - 1, 1, -1 do
    local list = self.at[self.rungs[k]] or {}
    local sorted = table.move(list, 1, #list, 1, {})
    table.sort(sorted, by_value)
    for i = 1, #sorted // self.eta do
      local c = sorted[i]
      if not self.promoted[c.number] and self.params[c.number] then
        self.promoted[c.number] = true
        return { params = self.params[c.number], event = 'promote',
          resume = { from = c.number, step = self.rungs[k] }, resource = self.rungs[k + 1] }
      end
    end
  end
  return nil
end

return M
