--- BOHB (Falkner, Klein and Hutter, ICML 2018) as a combination, as the scheduler issue
--- describes it: Hyperband (hpo.hyperband, stopping form) decides how long trials run, and
--- its sampler is a TPE fitted on the trials' values at the largest budget (rung) that has
--- enough of them, refitted as that budget moves up. A fraction of the proposals
--- (`random_fraction`, 1/3 as in the paper) stays uniform random, so the model cannot lock
--- the search into a corner. `hpo.bohb({...})` is the scheduler; a study that names no
--- sampler uses its `sampler`.
local core = require('hpo.core')
local util = require('hpo._util')

local M = {}

local Sampler = { name = 'bohb', single_objective = true }
Sampler.__index = Sampler

--- The values of finished (complete or pruned) trials at budget b: each trial's first
--- report at or past b, as { params, value } records for a TPE.
function M.observations(study, b)
  local obs = {}
  for _, t in ipairs(study.history or {}) do
    if (t.state == 'COMPLETE' or t.state == 'PRUNED') and t.curve then
      for _, rep in ipairs(t.curve) do
        if rep[1] >= b then
          obs[#obs + 1] = { number = t.number, state = 'COMPLETE', params = t.params,
            value = rep[2] }
          break
        end
      end
    end
  end
  return obs
end

--- The largest budget with at least `min_points` observations, and those observations.
function Sampler:budget(study)
  for i = #self.budgets, 1, -1 do
    local obs = M.observations(study, self.budgets[i])
    if #obs >= self.min_points then
      return self.budgets[i], obs
    end
  end
  return nil
end

function Sampler:setup(study, state)
  local seed, rng
  if type(state) == 'string' then
    seed, rng = state:match('^(%-?%d+):(%x+)$')
  end
  self.seed = math.tointeger(seed) or self.seed or util.fresh_seed()
  self.rng = core.rng(self.seed)
  if rng then
    self.rng:restore(rng)
  end
  self.dim = study.space:dim()
  -- BOHB's N_min = d + 1, and a model needs two more points than that.
  self.min_points = self.min_points or self.dim + 3
end

function Sampler:ask(study)
  local b, obs
  if self.rng:uniform() >= self.random_fraction then
    b, obs = self:budget(study)
  end
  if not b then
    return (study.space:from_unit(self.rng:uniform(self.dim)))
  end
  -- A TPE over the observations at budget b, rebuilt at each ask (the set changes as trials
  -- reach b); its seed comes from this sampler's stream, so a resumed study asks alike.
  local tpe = require('hpo.tpe').tpe({ seed = math.floor(self.rng:uniform() * 2 ^ 52),
    startup = 0, candidates = self.candidates })
  local view = { space = study.space, direction = study.direction, running = study.running }
  tpe:setup(view, nil)
  for _, o in ipairs(obs) do
    tpe:tell(view, o)
  end
  self.model_budget = b
  return tpe:ask(view)
end

function Sampler:state()
  return ('%d:%s'):format(self.seed, self.rng:state())
end

--- Options: min, max, eta (Hyperband's), seed, random_fraction (1/3), candidates (TPE's, 24),
--- min_points (observations a budget needs before TPE models it; number of parameters + 3).
function M.bohb(opts)
  local where = util.where()
  opts = util.check_options(where, 'bohb', opts, { min = 'number', max = 'number',
    eta = 'number', seed = 'integer', random_fraction = 'number', candidates = 'integer',
    min_points = 'integer' })
  local rf = opts.random_fraction or 1 / 3
  if rf < 0 or rf > 1 then
    util.fail(where, 'hpo.bohb: random_fraction must be in [0, 1], got %s', util.show(rf))
  end
  local hb = require('hpo.scheduler').hyperband({ min = opts.min, max = opts.max,
    eta = opts.eta })
  hb.name = 'bohb'
  -- The budgets: every rung of every bracket, and the maximum.
  local seen, budgets = {}, {}
  for _, br in ipairs(hb.brackets) do
    for _, r in ipairs(br.asha.rungs) do
      seen[r] = true
    end
  end
  seen[opts.max or 81] = true
  for r in pairs(seen) do
    budgets[#budgets + 1] = r
  end
  table.sort(budgets)
  hb.sampler = setmetatable({ seed = opts.seed, random_fraction = rf, budgets = budgets,
    candidates = opts.candidates or 24, min_points = opts.min_points }, Sampler)
  return hb
end

return M
