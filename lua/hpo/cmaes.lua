--- hpo.cmaes(): CMA-ES over the numeric parameters (src/core/cmaes.c), with IPOP/BIPOP
--- restarts, sep-CMA and warm starting from earlier studies. Categorical parameters are
--- drawn at random (the fallback users know from Optuna's CmaEsSampler).
---
--- Generations: each ask hands out the next point of the current generation; the
--- generation is told to the engine once all its points have finished. A worker that asks
--- while the rest of the generation still runs gets an extra point drawn from the current
--- distribution; it is evaluated and stored like any trial but not used in the update.
--- A failed or pruned member counts as the worst value of its generation.
local core = require('hpo.core')
local util = require('hpo._util')

local M = {}

-- weights_mean: what its sources' weights in the summary say.
local Cma = { name = 'cmaes', single_objective = true,
  weights_mean = 'whether CMA-ES started from it' }
Cma.__index = Cma

local OPTIONS = { seed = 'integer', sigma0 = 'number', popsize = 'integer', restart = 'string',
  separable = 'boolean', warm_start = 'table', x0 = 'table', bounds = 'string' }

--- Options: seed, sigma0 (in the unit cube; default 1/6), popsize (default 4 + 3 ln n),
--- restart ('ipop' by default, 'bipop' or 'none'), separable (false), warm_start (a list of
--- earlier study files whose best 10% of trials on the same parameters start the search),
--- x0 (a table of starting values for numeric parameters; default the centre), bounds
--- ('resample': redraw up to 100 times, then clip, the default; 'reflect': a boundary
--- transform that mirrors points into the range).
function M.cmaes(opts)
  local where = util.where()
  opts = util.check_options(where, 'cmaes', opts, OPTIONS)
  local restart = opts.restart or 'ipop'
  if restart ~= 'none' and restart ~= 'ipop' and restart ~= 'bipop' then
    util.fail(where, "hpo.cmaes: restart must be 'none', 'ipop' or 'bipop', got %s",
      util.show(restart))
  end
  if opts.sigma0 and (opts.sigma0 ~= opts.sigma0 or opts.sigma0 <= 0) then
    util.fail(where, 'hpo.cmaes: sigma0 must be > 0')
  end
  if opts.popsize and opts.popsize < 2 then
    util.fail(where, 'hpo.cmaes: popsize must be >= 2')
  end
  if opts.bounds and opts.bounds ~= 'resample' and opts.bounds ~= 'reflect' then
    util.fail(where, "hpo.cmaes: bounds must be 'resample' or 'reflect', got %s",
      util.show(opts.bounds))
  end
  return setmetatable({ seed = opts.seed, sigma0 = opts.sigma0, popsize = opts.popsize,
    restart = restart, separable = opts.separable or false, warm_start = opts.warm_start,
    x0 = opts.x0, bounds = opts.bounds or 'resample', where = where }, Cma)
end

local function unpack_list(text)
  local list = {}
  for v in text:gmatch('[^,]+') do
    list[#list + 1] = v == 'nan' and false or tonumber(v)
  end
  return list
end

-- A key for a trial's params: the numeric values to 9 digits (params pass through JSON;
-- an integer is its value, whatever point in its bin CMA drew).
function Cma:key(space, params)
  local parts = {}
  for i, j in ipairs(self.numeric) do
    local v = params[space.names[j]]
    parts[i] = v == nil and '-' or ('%.9g'):format(v)
  end
  return table.concat(parts, ' ')
end

-- Encoded numeric coordinates of params, in the order of self.numeric.
function Cma:coords(space, params)
  local x = space:encode(params)
  local out = {}
  for i, j in ipairs(self.numeric) do
    out[i] = x[j]
  end
  return out
end

-- WS-CMA-ES from warm points (sorted best first): of the best 10% (at least 2), the 4
-- nearest the best give the shape, alpha the room left for this study's optimum to lie
-- elsewhere. The paper (REFERENCE.md section 3) takes all of the best 10% and alpha 0.1, but
-- one Gaussian describes one basin, and a source's best 10% can span several (Branin's
-- three optima): its mean fell between them and its spread covered them. With `center`
-- (the best seed trial: a source's configuration, measured on this task) the Gaussian is
-- moved there and alpha is 0.02: the seeds are this study's evidence of where the basin is,
-- the sources' points only of its shape, and starting there the first generations refine
-- instead of re-finding it. bench/warm, 20 seeds, against the points' mean with alpha 0.03:
-- at 20 trials Branin 0.068 -> 0.024, Rosenbrock-4 3.4 -> 2.8, Hartmann6 0.16 -> 0.14; at
-- 100 Branin 2.2e-4 -> 4.1e-5, Rosenbrock-4 2.0 -> 1.7 (1.8 -> 1.3 from CMA-ES-made
-- sources), Hartmann6-near 0.151 -> 0.156 (p = 0.04; seeds 21-40 level). alpha 0.01 was
-- faster still at 20 (Branin 0.0084) but too narrow to leave a local basin: from CMA-ES-made
-- sources Hartmann6-near at 100 went 0.059 -> 0.119. Without a centre (the sampler's own
-- warm_start option, which pools its files as the paper does) the mean is the points' and
-- alpha 0.03: at 0.1 the first generations spread over the basin instead of searching it.
function Cma:warm_from(study, points, center)
  local top = {}
  for i = 1, math.max(2, math.ceil(0.1 * #points)) do
    top[i] = self:coords(study.space, points[i].params)
  end
  local best = top[1]
  local function dist2(x)
    local s = 0
    for i = 1, #x do
      local d = x[i] - best[i]
      s = s + (d == d and d * d or 0)  -- an inactive conditional coordinate (NaN) is left out
    end
    return s
  end
  table.sort(top, function(a, b)
    return dist2(a) < dist2(b)
  end)
  local X = table.move(top, 1, math.min(4, #top), 1, {})
  -- Per coordinate: a point where it was inactive (NaN) takes the active points' mean (the
  -- range's middle if none had it), adding no spread; then all move to the centre.
  local c = center and self:coords(study.space, center)
  for j = 1, #X[1] do
    local sum, n = 0, 0
    for i = 1, #X do
      if X[i][j] == X[i][j] then
        sum, n = sum + X[i][j], n + 1
      end
    end
    local mean = n > 0 and sum / n or 0.5
    local shift = c and c[j] == c[j] and c[j] - mean or 0
    for i = 1, #X do
      X[i][j] = (X[i][j] == X[i][j] and X[i][j] or mean) + shift
    end
  end
  self.engine:warm_start(X, center and 0.02 or 0.03)
end

-- The sampler's own warm_start option: the study-level loader (hpo.warm) for this sampler
-- alone. Here too few usable trials is an error, as the user named these files for it.
function Cma:warm(study)
  local warm = require('hpo.warm')
  local points, notes = warm.load(study.space, warm.sources(self.warm_start, self.where))
  if #points < 2 then
    util.fail(self.where, 'hpo.cmaes: warm_start found %d usable trials; it needs at least 2%s',
      #points, notes[1] and (' (' .. notes[1] .. ')') or '')
  end
  self:warm_from(study, points)
end

function Cma:setup(study, state)
  local space = study.space
  self.numeric, self.categorical = {}, {}
  for j, name in ipairs(space.names) do
    local kind = space.params[name].kind
    local list = kind == 'choice' and self.categorical or self.numeric
    list[#list + 1] = j
  end
  if #self.numeric == 0 then
    util.fail(self.where, 'hpo.cmaes: the space has no numeric parameter (use hpo.tpe)')
  end
  self.sign = study.direction == 'maximize' and -1 or 1
  local seed = self.seed or util.fresh_seed()
  self.seed = seed
  local x0
  if self.x0 then
    -- Starting values: the given ones, the centre of the range for the others.
    local checked = {}
    for k, v in pairs(self.x0) do
      if not space.params[k] then
        util.fail(self.where, "hpo.cmaes: x0 names unknown parameter '%s'%s", tostring(k),
          util.suggest(tostring(k), space.names))
      end
      checked[k] = v
    end
    local enc = space:encode(checked)
    x0 = {}
    for i, j in ipairs(self.numeric) do
      x0[i] = enc[j] == enc[j] and enc[j] or 0.5
    end
  end
  self.engine = core.cmaes(#self.numeric, { seed = seed, sigma0 = self.sigma0,
    popsize = self.popsize, restart = self.restart, separable = self.separable, x0 = x0,
    bounded = self.bounds == 'reflect' and 'reflect' or true })
  -- Integer, stepped and discrete parameters keep moving (a margin on their spread).
  local widths, sizes = {}, space.core:grid_sizes(1)
  for i, j in ipairs(self.numeric) do
    local p = space.params[space.names[j]]
    local discrete = p.kind == 'int' or p.kind == 'discrete' or p.step
    widths[i] = discrete and 1 / sizes[j] or 0
  end
  self.engine:set_margin(widths)
  self.rng = core.rng(seed + 1)
  self.points, self.results, self.index, self.handed = nil, {}, {}, 0
  self.seen = {}  -- params key -> value of finished trials (tell)
  -- The sources it started from (once decided), for the summary and hpolua show.
  local weights = type(state) == 'string' and state:match('|W|(.*)$')
  self.warm_weights = weights and util.json_decode(weights) or nil
  if weights then
    state = state:gsub('|W|.*$', '')
    study.warm_weights = self.warm_weights
  end
  local probing = type(state) == 'string' and state:match('|W(%d+)$')
  if probing then  -- still probing before it decides on the warm start (below)
    state = state:gsub('|W%d+$', '')
    self.pending_warm, self.probed = study.warm_points, math.tointeger(probing)
    local from = state:match('|M(%d+)$')  -- in its model trials (warm_probe)
    state = state:gsub('|M%d+$', '')
    self.model_from = math.tointeger(from)
  end
  if type(state) == 'string' and state:find('^CMA1|') then
    local eng, rng, handed, pts, res, idx =
      state:match('^CMA1|([^|]*)|(%x+)|(%d+)|([^|]*)|([^|]*)|(.*)$')
    self.engine:restore(eng)
    self.rng:restore(rng)
    if pts ~= '' then
      local flat, n = unpack_list(pts), #self.numeric
      self.points = {}
      for i = 1, #flat // n do
        self.points[i] = table.move(flat, (i - 1) * n + 1, i * n, 1, {})
      end
      for m, k in idx:gmatch('(%d+)=([^;]+)') do
        self.index[k] = self.index[k] or {}
        table.insert(self.index[k], math.tointeger(m))
      end
      self.handed = math.tointeger(handed)
      for i, v in ipairs(unpack_list(res)) do
        self.results[i] = v or nil
      end
    end
  elseif self.warm_start then
    self:warm(study)
  elseif study.warm_points and #study.warm_points >= 2 then
    if #(study.warm_seeds or {}) > 0 then
      self.pending_warm, self.probed = study.warm_points, 0  -- decided after probes (below)
    else
      self:warm_from(study, study.warm_points)  -- the study's own warm_start sources
    end
  end
end

local function median(t)
  table.sort(t)
  return #t > 0 and t[(#t + 1) // 2] or nil
end

--- The probe test of warm_probe: do seeds of median ms beat the median of n probes, their
--- k-th smallest (k = (n + 1) // 2)? true or false as soon as the probes done (values pv)
--- decide it, i.e. the ones to come cannot change it: k at or below ms, or n - k + 1 above
--- (3 of 5 alike: two trials more for CMA-ES, the same decision); else nil.
function M.probe_test(ms, pv, n)
  local k, above, below = (n + 1) // 2, 0, 0
  if not ms or #pv > n then
    return nil
  end
  for _, v in ipairs(pv) do
    above, below = above + (v > ms and 1 or 0), below + (v <= ms and 1 or 0)
  end
  if above >= n - k + 1 then
    return true
  elseif below >= k then
    return false
  end
  return nil
end

-- The study's warm-start sources are trusted only if their best configurations (the seed
-- trials) beat uniform probes of this study: up to as many probes as seeds are asked first
-- (fewer when probe_test decides early), then WS-CMA-ES starts from the source whose seed
-- did best if that source's seeds have a better median than the probes, else CMA-ES starts
-- cold. A misleading source (a negated objective, another task) then costs the probes, not
-- the search: WS-CMA-ES commits to its prior before any trial, and ranking a handful of
-- seed trials against each other (as TPE's weights do) is too noisy to judge. One source,
-- not all: WS-CMA-ES fits one Gaussian to its prior's points, and pooled over sources whose
-- optima differ its mean falls between them (bench/warm, 100 trials: Branin 0.0070 pooled,
-- 0.0024 from the best seed's source; Hartmann6 0.177 and 0.153). The seeds come from the
-- sources in turn, so each source's best has been tried here. Trusted, the sources' model
-- then proposes the study's model_trials trials (warm.model_phase; returned as params) and
-- WS-CMA-ES starts at the best trial so far: the model, fitted to the seeds and probes,
-- finds this study's optimum where a sibling's best trial is only near it (README).
function Cma:warm_probe(study)
  -- The sources' predicted optimum (a seed of none of them) is no evidence for one source
  -- and no probe; if it did best, the search starts there.
  local model = study.warm_model_seed and self:key(study.space, study.warm_model_seed)
  local n = #study.warm_seeds - (model and 1 or 0)
  local seeds, source, model_value, model_at = {}, {}, nil, nil
  for _, p in ipairs(study.warm_seeds) do
    local k = self:key(study.space, p)
    seeds[k] = k ~= model or nil
  end
  for _, p in ipairs(self.pending_warm) do
    local k = self:key(study.space, p.params)
    source[k] = source[k] or (seeds[k] and p.source)
  end
  local sv, pv = {}, {}  -- the seeds' values by source, the probes'
  local best, src, center, seeds_done = math.huge, nil, nil, 0
  for _, t in ipairs(study.history or {}) do
    local k = self:key(study.space, t.params)
    local done = t.state ~= 'RUNNING' and t.state ~= 'WAITING'
    seeds_done = seeds_done + (seeds[k] and done and 1 or 0)
    if t.state == 'COMPLETE' and t.value then
      local v = self.sign * t.value
      if k == model or (self.model_from and t.number >= self.model_from) then
        if not model_value or v < model_value then  -- the best the sources' model proposed
          model_value, model_at = v, t.params
        end
      elseif seeds[k] then
        local from = source[k] or ''
        sv[from] = sv[from] or {}
        table.insert(sv[from], v)
        if v < best then
          best, src, center = v, from, t.params
        end
      else
        pv[#pv + 1] = v
      end
    end
  end
  local ms = median(sv[src] or {})
  if model_value and model_value < best then
    center = model_at
  end
  local decided  -- nil until every seed trial has finished
  if seeds_done >= n then
    decided = M.probe_test(ms, pv, n)
  end
  if decided == nil and (self.probed < n or (#pv < n and self.probed < 2 * n)) then
    self.probed = self.probed + 1  -- another probe (while earlier ones are still running)
    local x = self.rng:uniform(#self.numeric)
    return x
  end
  local mp = median(pv)
  local trusted = not ms or not mp or decided == true or (decided == nil and ms < mp)
  local function used(path)  -- no seed trial done: every source
    return trusted and (not src or path == src)
  end
  self.warm_weights = {}
  for _, s in ipairs(study.warm_start or {}) do
    self.warm_weights[s.path] = used(s.path) and 1 or 0
  end
  study.warm_weights = self.warm_weights
  if trusted and (study.model_trials or 0) > 0 then
    -- Trusted, the sources' model proposes the next model_trials trials (warm.model_phase),
    -- then the search starts at the best trial so far.
    local running = util.running_points(study)
    self.model_from = self.model_from or #study.history + #running
    self.phase = self.phase or require('hpo.warm').model_phase(study, study.model_trials,
      self.sign, self.seed, self.model_from, true)
    local params = self.phase and self.phase:ask(study)
    if params then
      return nil, params
    end
  end
  if trusted then
    local points = {}
    for _, p in ipairs(self.pending_warm) do
      if used(p.source) then
        points[#points + 1] = p
      end
    end
    self:warm_from(study, #points >= 2 and points or self.pending_warm, center)
  end
  self.pending_warm = nil
  return nil
end

-- Params from numeric coordinates x (categorical ones drawn at random).
function Cma:params_of(space, x)
  local full = {}
  for i, j in ipairs(self.numeric) do
    full[j] = x[i]
  end
  for _, j in ipairs(self.categorical) do
    full[j] = self.rng:uniform()
  end
  return (space:from_unit(full))
end

-- On a space of numbers only, a member whose params a finished trial already had takes
-- that trial's value instead of running again, and one whose params another member of the
-- generation is running waits for that trial's value: on an integer grid CMA-ES draws the
-- same points again and again (bench/warm, svm-wine: by trial 22 a warm run had (6, 8)
-- three times, (9, 6) and (6, 7) twice each), and TPE and GP-BO do not re-run a finished
-- configuration either. On a 6 x 6 grid (spec) 20 trials went from 9-14 configurations to
-- 19-20. With a choice parameter (drawn at random) the numbers are not the
-- whole configuration, so every member runs. At most 20 generations' worth of members are
-- settled so within one ask: on a tiny, exhausted space the study re-runs points rather
-- than spin.
function Cma:ask(study)
  local space = study.space
  local x
  local proposed
  if self.pending_warm and not self.points then
    x, proposed = self:warm_probe(study)
  end
  if proposed then
    return proposed  -- a model trial
  elseif x then
    return self:params_of(space, x)  -- a probe
  end
  local settled = 0
  while true do
    if not self.points then
      self.points, self.results, self.index, self.handed = self.engine:ask(), {}, {}, 0
    end
    local member
    if self.handed < #self.points then
      self.handed = self.handed + 1
      member = self.handed
      x = self.points[member]
    else
      x = self.engine:sample()  -- an extra point while the generation finishes
    end
    local params = self:params_of(space, x)
    if not member then
      return params
    end
    -- Generation members by their params' key (two may share params on a discrete space).
    local k = self:key(space, params)
    local waiting = false  -- another member with these params is running
    for _, m in ipairs(self.index[k] or {}) do
      waiting = waiting or self.results[m] == nil
    end
    self.index[k] = self.index[k] or {}
    table.insert(self.index[k], member)
    local reuse = #self.categorical == 0 and settled < 20 * #self.points
    if reuse and self.seen[k] ~= nil then
      settled = settled + 1
      self.results[member] = self.seen[k]
      self:finish_generation()
    elseif reuse and waiting then
      settled = settled + 1
    else
      return params
    end
  end
end

-- Tell the engine the current generation once every member has a result.
function Cma:finish_generation()
  for k = 1, #self.points do
    if self.results[k] == nil then
      return
    end
  end
  local worst = -math.huge
  for k = 1, #self.points do
    if self.results[k] then
      worst = math.max(worst, self.results[k])
    end
  end
  if worst == -math.huge then
    worst = 0  -- a generation of failures: nothing to rank
  end
  local f = {}
  for k = 1, #self.points do
    f[k] = self.results[k] or worst
  end
  self.engine:tell(f)
  self.points = nil
end

function Cma:tell(study, trial)
  local key = self:key(study.space, trial.params)
  if trial.state == 'COMPLETE' and trial.value then
    self.seen[key] = self.sign * trial.value
  end
  if not self.points then
    return
  end
  -- The first waiting member with these params, or (numbers only) every one: a member that
  -- waits for another's trial takes its value too.
  local found = false
  for _, m in ipairs(self.index[key] or {}) do
    if self.results[m] == nil and (not found or #self.categorical == 0) then
      found = true
      if trial.state == 'COMPLETE' and trial.value then
        self.results[m] = self.sign * trial.value
      else
        self.results[m] = false  -- failed or pruned: the generation's worst, below
      end
    end
  end
  if found then  -- else an extra point, or a trial from before this generation
    self:finish_generation()
  end
end

function Cma:state()
  local pts, res = '', ''
  if self.points then
    local flat = {}
    for _, p in ipairs(self.points) do
      table.move(p, 1, #p, #flat + 1, flat)
    end
    pts = util.pack_numbers(flat, #flat)
    local r = {}
    for k = 1, #self.points do
      r[k] = self.results[k] or nil
    end
    res = util.pack_numbers(r, #self.points)
  end
  local idx = {}
  for k, members in pairs(self.index) do
    for _, m in ipairs(members) do
      idx[#idx + 1] = m .. '=' .. k
    end
  end
  table.sort(idx)
  return ('CMA1|%s|%s|%d|%s|%s|%s%s%s%s'):format(self.engine:state(), self.rng:state(),
    self.handed, pts, res, table.concat(idx, ';'),
    self.pending_warm and self.model_from and ('|M' .. self.model_from) or '',
    self.pending_warm and ('|W' .. self.probed) or '',
    self.warm_weights and ('|W|' .. util.json_encode(self.warm_weights)) or '')
end

return M
