--- Warm starting from earlier studies (REFERENCE.md section 8): read their complete trials,
--- map them into this study's space by parameter name and kind, and standardise each
--- source's values, so that samplers and the study can start from what they found.
---
--- Mapping rules: a parameter is taken from a source trial when the source has a parameter
--- of that name and kind; a numeric value outside the new range is clipped into it, a
--- categorical or discrete value the new parameter does not have drops the trial. An active
--- parameter the trial lacks (absent from the source, of another kind there, or inactive
--- there) is drawn uniformly at random, as a startup trial's would be: a study that adds a
--- parameter still learns from the ones it shares, and the draws carry no information of
--- their own into the priors (a model sees no trend along that parameter). A trial with no
--- parameter in common is dropped. Values are standardised per source study ((v - mean) /
--- sd, sign-flipped for a maximised source) so lower is better across sources.
local core = require('hpo.core')
local util = require('hpo._util')

local M = {}

-- Normalise the warm_start list: strings or { path, study = name, weight = w }.
function M.sources(list, where)
  local out = {}
  for k in pairs(list) do  -- e.g. seed_trials put inside the list: it would go unread
    if math.type(k) ~= 'integer' or k < 1 or k > #list then
      util.fail(where, 'hpo.study: warm_start is a list of sources; it has a field %s%s',
        util.show(k), k == 'seed_trials' and ' (a field of the study)' or '')
    end
  end
  for i, s in ipairs(list) do
    if type(s) == 'string' then
      out[i] = { path = s, weight = 1 }
    elseif type(s) == 'table' and type(s[1] or s.path) == 'string' then
      for k in pairs(s) do
        if k ~= 1 and k ~= 'path' and k ~= 'study' and k ~= 'weight' then
          util.fail(where, 'hpo.study: warm_start[%d] has an unknown field %s (known: path, '
            .. 'study, weight)', i, util.show(k))
        end
      end
      local w = s.weight or 1
      if math.type(w) == nil or w < 0 or w ~= w or w == math.huge then
        util.fail(where, 'hpo.study: warm_start[%d].weight must be a finite number >= 0, got %s',
          i, util.show(s.weight))
      end
      if s.study ~= nil and type(s.study) ~= 'string' then
        util.fail(where, 'hpo.study: warm_start[%d].study must be a study name, got %s', i,
          util.show(s.study))
      end
      out[i] = { path = s[1] or s.path, study = s.study, weight = w }
    else
      util.fail(where, 'hpo.study: warm_start[%d] must be a path or { path, study =, weight = }',
        i)
    end
  end
  return out
end

-- Map one source trial's params into the space: nil, why when it cannot be; else the params
-- and, by name, why a parameter was drawn at random instead (rng: uniform draws).
local function map(space, stored_space, params, rng)
  local out, shared = {}, 0
  for _, name in ipairs(space.names) do
    local p, v, d = space.params[name], params[name], stored_space[name]
    if v ~= nil and d and d.kind == p.kind then
      if p.values then
        local found
        for _, w in ipairs(p.values) do
          if w == v then
            found = w
          end
        end
        if found == nil then
          return nil, ("parameter '%s' has no value %s here"):format(name, util.show(v))
        end
        v = found
      else
        v = math.min(math.max(v, p.lo), p.hi)  -- clipped into the new range
        if p.kind == 'int' then
          local step = p.step or 1
          v = math.tointeger(p.lo + math.floor((v - p.lo) / step + 0.5) * step)
        elseif p.step then
          v = p.lo + math.floor((v - p.lo) / p.step + 0.5) * p.step
        end
      end
      out[name], shared = v, shared + 1
    end
  end
  if shared == 0 then
    return nil, 'no parameter in common with this space'
  end
  local full = space:complete(out, rng:uniform(space:dim()))
  local drawn = {}
  for name in pairs(full) do
    if out[name] == nil then
      local d = stored_space[name]
      drawn[name] = not d and 'not there' or d.kind ~= space.params[name].kind
        and ('%s %s there'):format(d.kind:match('^[aeio]') and 'an' or 'a', d.kind)
        or 'inactive there'
    end
  end
  local checked, err = space:check_params(full)
  if not checked then
    return nil, err
  end
  return checked, drawn
end

-- z-scores of a source's values (sign -1: maximised; lower is better), from its finite
-- values; an infinite one takes the finite extreme on its side (a diverged run ranks with
-- the worst instead of making every z NaN), one sd beyond it when the finite ones are all
-- equal. nil and why when they rank nothing: no finite value, or every value the same (a
-- metric that never moved, or a single trial: its "best" would be an arbitrary seed trial).
local function standardise(rows, sign)
  local finite, n, mean, var, vlo, vhi = {}, 0, 0, 0, math.huge, -math.huge
  for i, r in ipairs(rows) do
    finite[i] = math.abs(r.value) < math.huge
    if finite[i] then
      n, mean = n + 1, mean + r.value
      vlo, vhi = math.min(vlo, r.value), math.max(vhi, r.value)
    end
  end
  if n == 0 then
    return nil, 'no trial has a finite value'
  end
  mean = mean / n
  for i, r in ipairs(rows) do
    var = var + (finite[i] and (r.value - mean) ^ 2 / n or 0)
  end
  local sd = vlo < vhi and math.sqrt(var) or 0  -- equal values: a rounding error is no sd
  local z, lo, hi = {}, math.huge, -math.huge
  for i, r in ipairs(rows) do
    if finite[i] then
      z[i] = sd > 0 and sign * (r.value - mean) / sd or 0
      lo, hi = math.min(lo, z[i]), math.max(hi, z[i])
    end
  end
  for i, r in ipairs(rows) do
    if not finite[i] then
      local worse = sign * r.value > 0
      z[i] = sd > 0 and (worse and hi or lo) or (worse and 1 or -1)
    end
  end
  if sd == 0 and n == #rows then
    return nil, #rows == 1 and 'one trial, nothing to rank'
      or ('its %d trials have the same value, nothing to rank'):format(#rows)
  end
  return z
end

--- A source's storage file, with a note when it was given as a study file and an error
--- when that file cannot be loaded. A study file is loaded to find its storage and study
--- (its name and `storage` decide them), which then filters the storage's studies unless
--- the entry names one (src.file_study); the result is kept in src.
function M.storage_of(src)
  local file = src.file or src.path
  if src.storage_for ~= file then
    src.storage_for, src.storage, src.note, src.err, src.file_study = file, file, nil, nil, nil
    if file:match('%.lua$') then
      local ok, path, name = pcall(require('hpo.runner').file_storage, file)
      if ok then
        src.storage, src.file_study = path, name
        src.note = ("%s is a study file: reading its study '%s' from %s"):format(src.path, name,
          path)
      else
        src.err = ('cannot load this study file: %s'):format(tostring(path))
      end
    end
  end
  return src.storage, src.note, src.err
end

local function own_note(path, name)
  return ("%s (%s): this study's own storage; its trials are its data already"):format(path,
    name)
end

--- Load the sources' trials: a list of { params, z, source, weight } (z: standardised value,
--- lower is better) and notes on what could not be used.
function M.load(space, sources)
  local points, notes = {}, {}
  for _, src in ipairs(sources) do
    local file, note, err = M.storage_of(src)
    notes[#notes + 1] = note
    local store
    if src.dup then
      err = ('the same study as %s, counted once'):format(src.dup)
    elseif not err then
      store, err = core.open_store(file, true)
      local dir = not store and io.open(file .. '/.')  -- only a directory opens
      if dir then  -- which SQLite reports as a disk I/O error
        dir:close()
        err = 'is a directory, not a storage file'
      end
    end
    if not store and src.own and not src.dup then  -- this study's own, not created yet
      notes[#notes + 1] = own_note(src.path, src.own)
    elseif not store then
      notes[#notes + 1] = ('%s: %s'):format(src.path, err)
    else
      local names, found, want = {}, false, src.study or src.file_study
      for _, s in ipairs(assert(store:studies())) do
        names[#names + 1] = s.name
        if s.name == src.own and (not want or s.name == want) then
          found = true
          notes[#notes + 1] = own_note(src.path, s.name)
        elseif not want or s.name == want then
          found = true
          local stored_space = util.json_decode(s.space) or {}
          local rows, dropped, why, drawn = {}, 0, nil, {}
          local rng = core.rng(#points + 1)  -- draws that repeat when the study resumes
          for _, t in ipairs(assert(store:trials(s.id))) do
            if t.state == 'COMPLETE' and t.value then
              local params, w = map(space, stored_space, util.json_decode(t.params) or {}, rng)
              if params then
                rows[#rows + 1] = { params = params, value = t.value }
                for name, reason in pairs(w) do
                  local key = ("'%s' (%s)"):format(name, reason)
                  drawn[key] = (drawn[key] or 0) + 1
                end
              else
                dropped, why = dropped + 1, w
              end
            end
          end
          if dropped > 0 then
            notes[#notes + 1] = ('%s (%s): %d trials not used: %s'):format(src.path, s.name,
              dropped, why)
          end
          -- A study of several objectives stores its first as the value (and its directions
          -- joined by commas): its trials are ranked by that one.
          local first, more = s.direction:match('^([^,]*)(.*)$')
          if more ~= '' and #rows > 0 then
            notes[#notes + 1] = ('%s (%s): %d objectives; its trials are ranked by the first')
              :format(src.path, s.name, select(2, s.direction:gsub(',', '')) + 1)
          end
          local z, flat = standardise(rows, first == 'maximize' and -1 or 1)
          if not z and (#rows > 0 or dropped == 0) then
            notes[#notes + 1] = ('%s (%s): %s'):format(src.path, s.name,
              #rows > 0 and flat or 'no complete trial')
          end
          for _, key in ipairs(z and util.sorted_keys(drawn) or {}) do
            notes[#notes + 1] = ('%s (%s): parameter %s drawn at random in %d trials')
              :format(src.path, s.name, key, drawn[key])
          end
          for i, r in ipairs(z and rows or {}) do
            points[#points + 1] = { params = r.params, z = z[i], source = src.path,
              weight = src.weight }
          end
        end
      end
      if not found and want then
        notes[#notes + 1] = ("%s: no study named '%s' (it holds %s)"):format(src.path, want,
          #names > 0 and "'" .. table.concat(names, "', '") .. "'" or 'none')
      end
      store:close()
    end
  end
  table.sort(points, function(a, b)
    return a.z < b.z
  end)
  return points, notes
end

--- Sources by weight, heaviest first (then by path): how `hpolua show` and the summary
--- rank them. weights: path -> weight.
function M.ranked(weights)
  local list = {}
  for path, w in pairs(weights) do
    list[#list + 1] = { path = path, weight = w }
  end
  return util.sort_desc(list, 'weight', 'path')
end

--- The points of each source whose weight is not 0, in the points' order: lists by source
--- path, and the paths in the order of each source's first point.
function M.by_source(points)
  local lists, order = {}, {}
  for _, p in ipairs(points) do
    if (p.weight or 1) > 0 then
      if not lists[p.source] then
        lists[p.source], order[#order + 1] = {}, p.source
      end
      table.insert(lists[p.source], p)
    end
  end
  return lists, order
end

--- Give a GP engine (core.gp) one source GP per source with at least two points: each
--- one's encoded points and standardised values. Returns the sources added, in order.
function M.add_sources(engine, space, points)
  local lists, order = M.by_source(points)
  local added = {}
  for _, src in ipairs(order) do
    local xs, zs = {}, {}
    for i, p in ipairs(lists[src]) do
      xs[i], zs[i] = space:encode(p.params), p.z
    end
    if #xs >= 2 then
      engine:add_source(xs, zs)
      added[#added + 1] = src
    end
  end
  return added
end

--- A GP engine over the space, with its conditions.
function M.engine(space, opts)
  local engine = core.gp(space.core, opts)
  for _, c in ipairs(space:conditions()) do
    engine:set_condition(c.dim, c.parent, c.codes)
  end
  return engine
end

--- The sources' predicted optimum: where the mean of their GPs (each over its standardised
--- values, as the GP sampler's transfer model fits them) is best, or nil when no source has
--- two points. A source's best trial is where its sampler happened to look: TPE-made
--- sources of bench/warm's Hartmann6-near had their best at regret 0.225 on the target, the
--- bottom of the basin they were in is at 0.119, and their model's optimum at 0.123. Its own
--- fixed random stream: the same point at every run of the study (it is worked out at each).
--- A random 200 trials per source, not GP-BO's 400: the basin's shape is in fewer, and three
--- sources of 1000 trials in 6-d took 2.0 s at 400, 0.39 s at 200. Also nil when it is one
--- of the seed trials `seeds` already.
function M.model_seed(space, points, seeds)
  local engine <close> = M.engine(space, { seed = 1, fit_points = 200 })
  if #M.add_sources(engine, space, points) == 0 then
    return nil
  end
  local x = space:decode(engine:source_optimum())
  local key = M.point_key(space, x)
  for _, p in ipairs(seeds or {}) do
    if M.point_key(space, p) == key then
      return nil
    end
  end
  return x
end

--- The model trials (`model_trials = k`): the k trials after the seed trials of a sampler
--- that takes them (TPE) are GP-BO's warm asks: the sources' GPs as the prior mean of a GP
--- on this study's trials so far, a trust region around the best trial (src/core/bo.c),
--- alternating with Sobol points, one first. The seed trials show the study's values where
--- the sources' optima were; the sources' model, fitted to those, knows where this study's
--- optimum lies (bench/warm over families, README: TPE at 20 trials on Branin 0.069 ->
--- 0.0071). Returns an object whose ask(study) gives params for the trials numbered from
--- to from + k - 1 (counting the study's trials: finished and running; from: #seeds unless
--- given), else nil; sign: 1 to minimise, -1 to maximise; seed: the engine's (the
--- sampler's); model_first: no Sobol point before the model's first ask. The engine is built
--- at the first such ask; before the ask for trial j it is told the complete trials
--- numbered below j, so a resumed study replays the asks of the model trials it has (the
--- engine's fits and random stream go on from them) and asks what it would have.
local Phase = {}
Phase.__index = Phase

function M.model_phase(study, k, sign, seed, from, model_first)
  local seeds = #(study.warm_seeds or {})
  if k <= 0 or seeds == 0 or not study.warm_points or #study.warm_points == 0 then
    return nil
  end
  from = from or seeds
  return setmetatable({ k = k, from = from, sign = sign, seed = seed, told = {},
    asked = from, first = model_first and 0 or 1 }, Phase)
end

function Phase:ask(study)
  local running = util.running_points(study)
  local n = #study.history + #running  -- this trial's number
  if n < self.from or n >= self.from + self.k then
    return nil
  end
  if not self.engine then
    -- The engine's interleave (bo_ask) with one seed more: a Sobol point first, then the
    -- model's asks alternating with Sobol points. Fitted to the seed trials alone, all where
    -- the sources rate best, the line of the study's values on the sources' mean misread
    -- adversarial sources as explaining the study (bench/warm, TPE on Hartmann6 at 100
    -- trials, 40 seeds: 0.25 against cold's 0.15, p = 0.006; Sobol first 0.146, p = 0.69).
    -- (CMA-ES's model trials come after its probes, spread points: model_first.)
    self.engine = M.engine(study.space, { seed = self.seed, seeds = self.from + self.first })
    if #M.add_sources(self.engine, study.space, study.warm_points) == 0 then
      self.k = 0
      return nil
    end
  end
  local by = {}
  for _, t in ipairs(study.history) do
    by[t.number] = t
  end
  local function tell_below(j)
    for i = 0, j - 1 do
      local t = by[i]
      if t and not self.told[i] and t.state == 'COMPLETE' and t.value then
        self.engine:tell(study.space:encode(t.params), self.sign * t.value)
        self.told[i] = true
      end
    end
  end
  for j = self.asked, n - 1 do  -- a resumed study's model trials, asked again
    tell_below(j)
    self.engine:ask({})
  end
  tell_below(n)
  self.asked = n + 1
  return (study.space:decode(self.engine:ask(running)))
end

--- A configuration's key: its encoded point as text (the JSON of a params table has no set
--- key order, so equal configurations could differ there).
function M.point_key(space, params)
  local t = {}
  for i, v in ipairs(space:encode(params)) do
    t[i] = v ~= v and 'nan' or ('%.17g'):format(v)
  end
  return table.concat(t, ' ')
end

--- The seed trials: k distinct configurations, taken from the sources in turn (each one's
--- best, then each one's second best, ...; sources in the order of their best point; a
--- source of weight 0 gives none). Pooling the standardised values instead let one source
--- fill every seed: a z-score ranks a trial within its own study only, so a study that
--- stayed far from the optimum had seeds as "good" as one that found it (bench/warm,
--- Hartmann6: all five seeds from a sibling whose best was at regret 2.0, while the other
--- two siblings' best were at 0.18 and 0.32 on the target). points: sorted, best first;
--- configurations compare by their point in space (point_key).
function M.best_distinct(points, k, space)
  local lists, order = M.by_source(points)
  local out, seen, at, more = {}, {}, {}, true
  while #out < k and more do
    more = false
    for _, src in ipairs(order) do
      local list, i = lists[src], at[src] or 1
      while list[i] and #out < k do  -- this source's next configuration not taken yet
        local p, key = list[i], M.point_key(space, list[i].params)
        i = i + 1
        if not seen[key] then
          seen[key], out[#out + 1] = true, p.params
          break
        end
      end
      at[src], more = i, more or list[i] ~= nil
    end
  end
  return out
end

--- The sources' promising points: each source's best fraction `frac` (at least one), in the
--- points' order (best first), at most `cap` in all. Per source, as for the seeds: pooled
--- z-scores let the source with the most extreme ones fill the set.
function M.top(points, frac, cap)
  local total, count, out = {}, {}, {}
  for _, p in ipairs(points) do
    total[p.source] = (total[p.source] or 0) + 1
  end
  for _, p in ipairs(points) do
    local c = count[p.source] or 0
    if #out < cap and c < math.max(1, math.ceil(frac * total[p.source])) then
      count[p.source] = c + 1
      out[#out + 1] = p
    end
  end
  return out
end

-- Nadaraya-Watson regression at x from (xs, ys), leaving out index `skip`: the sources'
-- (and the target's) surrogate for ranking. h2: the squared kernel width.
local function regress(xs, ys, x, h2, skip)
  local num, den = 0, 0
  for i, xi in ipairs(xs) do
    if i ~= skip then
      local d2 = 0
      for j = 1, #x do
        d2 = d2 + (x[j] - xi[j]) ^ 2
      end
      local k = math.exp(-0.5 * d2 / h2)
      num, den = num + k * ys[i], den + k
    end
  end
  return den > 1e-300 and num / den or 0
end

--- Source weights from how well each source ranks this study's trials (RGPE's rule,
--- Feurer et al. 2018, REFERENCE.md section 8): every source predicts the target's observed
--- trials with a kernel regression over its own (encoded, standardised) trials, the target
--- predicts each of its trials from the others (leave one out), and over `samples`
--- bootstrap resamples of the target's trials each model's loss is its number of misranked
--- pairs. A source's weight is the share of resamples it wins (ties split), times the
--- number of models, capped at 1: a source as good as any keeps weight 1, one that ranks
--- the target's trials backwards gets 0. (RGPE draws GP posterior samples; with kernel
--- regressions we resample the observations instead. RGPE's guard, dropping a source whose
--- median loss is above the target's 95th percentile, measured worse in bench/warm: it
--- dropped good sources at 5-10 trials, Hartmann6 regret at 100 trials 0.23 vs 0.14.)
--- obs: { x = encoded point, y = value, lower is better } of the target, at most the last
--- 50 used. Returns { [source] = weight }.
function M.rank_weights(points, obs, dim, samples, seed)
  local first = math.max(1, #obs - 49)
  local n = #obs - first + 1
  local ys = {}
  for i = 1, n do
    ys[i] = obs[first + i - 1].y
  end
  local h2 = 0.15 ^ 2 * dim
  local by, order = {}, {}
  for _, p in ipairs(points) do
    if not by[p.source] then
      by[p.source] = { xs = {}, zs = {} }
      order[#order + 1] = p.source
    end
    local b = by[p.source]
    b.xs[#b.xs + 1], b.zs[#b.zs + 1] = p.x, p.z
  end
  local preds = {}
  for m, src in ipairs(order) do
    preds[m] = {}
    for i = 1, n do
      preds[m][i] = regress(by[src].xs, by[src].zs, obs[first + i - 1].x, h2)
    end
  end
  local xs_t = {}
  for i = 1, n do
    xs_t[i] = obs[first + i - 1].x
  end
  local target = {}
  for i = 1, n do
    target[i] = regress(xs_t, ys, xs_t[i], h2, i)
  end
  preds[#order + 1] = target
  local rng = core.rng(seed)
  local wins, idx = {}, {}
  for m = 1, #preds do
    wins[m] = 0
  end
  for _ = 1, samples do
    for i = 1, n do
      idx[i] = rng:below(n) + 1
    end
    local best, winners = math.huge, {}
    for m, pr in ipairs(preds) do
      local loss = 0
      for a = 1, n do
        local ia = idx[a]
        for b = 1, n do
          local ib = idx[b]
          if (pr[ia] < pr[ib]) ~= (ys[ia] < ys[ib]) then
            loss = loss + 1
          end
        end
      end
      if loss < best then
        best, winners = loss, { m }
      elseif loss == best then
        winners[#winners + 1] = m
      end
    end
    for _, m in ipairs(winners) do
      wins[m] = wins[m] + 1 / #winners
    end
  end
  local out = {}
  for m, src in ipairs(order) do
    out[src] = math.min(1, wins[m] / samples * #preds)
  end
  return out
end

return M
