--- hpo.tpe(): the Tree-structured Parzen Estimator sampler, the default for single-objective
--- studies. The model is in C (src/core/tpe.c); this module ranks trials, encodes them
--- with the study's space and keeps the engine's state across a resume.
local core = require('hpo.core')
local util = require('hpo._util')

local M = {}

-- takes_model_trials: with warm-start sources, GP-BO's transfer model proposes the trials
-- after the seed trials (the study's model_trials; warm.model_phase).
local Tpe = { name = 'tpe', single_objective = true, takes_model_trials = true }
Tpe.__index = Tpe

local OPTIONS = {
  seed = 'integer', startup = 'integer', candidates = 'integer', gamma = true,
  multivariate = 'boolean', constant_liar = 'boolean', prior_weight = 'number',
  prior_share = 'boolean', bandwidth = 'string',
}

--- A TPE sampler. Options: seed, startup (10 random trials first), candidates (24 drawn
--- from l(x) per ask), gamma ('optuna': min(ceil(0.1 n), 25); 'hyperopt':
--- min(ceil(0.25 sqrt(n)), 25); or a function(n) returning the size of the good set),
--- multivariate (true: one joint model), constant_liar (true: running trials count as bad),
--- prior_weight (1.0), prior_share (true: the prior weighs as much in g(x), relative to its
--- members, as in l(x); false: the same absolute weight, as in Optuna and Hyperopt),
--- bandwidth ('gap': each kernel's larger gap to its neighbours, per dimension; 'scott':
--- Optuna's multivariate rule 0.2 n^(-1/(d+4))).
function M.tpe(opts)
  local where = util.where()
  opts = util.check_options(where, 'tpe', opts, OPTIONS)
  local gamma = opts.gamma or 'optuna'
  if gamma ~= 'optuna' and gamma ~= 'hyperopt' and type(gamma) ~= 'function' then
    util.fail(where, "hpo.tpe: gamma must be 'optuna', 'hyperopt' or a function(n), got %s",
      util.show(gamma))
  end
  if opts.bandwidth ~= nil and opts.bandwidth ~= 'gap' and opts.bandwidth ~= 'scott' then
    util.fail(where, "hpo.tpe: bandwidth must be 'gap' or 'scott', got %s",
      util.show(opts.bandwidth))
  end
  if (opts.candidates or 24) < 1 or (opts.startup or 10) < 0
    or (opts.prior_weight or 1) <= 0 then
    util.fail(where, 'hpo.tpe: candidates must be >= 1, startup >= 0 and prior_weight > 0')
  end
  return setmetatable({
    seed = opts.seed, startup = opts.startup or 10, candidates = opts.candidates or 24,
    gamma = gamma, multivariate = opts.multivariate ~= false,
    constant_liar = opts.constant_liar ~= false, prior_weight = opts.prior_weight or 1.0,
    prior_share = opts.prior_share ~= false, bandwidth = opts.bandwidth or 'gap',
  }, Tpe)
end

function Tpe:setup(study, state)
  local seed, rng = nil, nil
  if type(state) == 'string' then
    seed, rng = state:match('^(%-?%d+):(%x+)')
  end
  self.seed = math.tointeger(seed) or self.seed or util.fresh_seed()
  self.engine = core.tpe(study.space.core, {
    seed = self.seed, startup = self.startup, candidates = self.candidates,
    gamma = type(self.gamma) == 'string' and self.gamma or nil,
    multivariate = self.multivariate, prior_weight = self.prior_weight,
    prior_share = self.prior_share, bandwidth = self.bandwidth,
  })
  if rng then
    self.engine:restore(rng)
  end
  if study.warm_points and #study.warm_points > 0 then
    self:warm_setup(study)
  end
  self.sign = study.direction == 'maximize' and -1 or 1
end

-- Warm start (REFERENCE.md section 8): the best 10% of the earlier studies' trials join
-- l(x), each with its source's weight; the sources' weights follow how well they rank this
-- study's trials (warm.rank_weights), recomputed as the study grows by 40%.
function Tpe:warm_setup(study)
  local pts = study.warm_points
  self.warm = { all = {}, top = {}, obs = {}, next_rank = 5, user = {} }
  for i, p in ipairs(pts) do
    self.warm.all[i] = { x = study.space:encode(p.params), z = p.z, source = p.source }
    self.warm.user[p.source] = p.weight or 1
  end
  -- Each source's best 10%, at most 100 in all: the mixture (and the cost of every ask)
  -- grows with them.
  self.warm.top = require('hpo.warm').top(self.warm.all, 0.1, 100)
  self:warm_apply(study, {})
end

function Tpe:warm_apply(study, rank)
  local xs, ws = {}, {}
  for i, p in ipairs(self.warm.top) do
    xs[i], ws[i] = p.x, self.warm.user[p.source] * (rank[p.source] or 1)
  end
  self.engine:warm_start(xs, ws)
  self.warm.rank, study.warm_weights = rank, rank
end

function Tpe:warm_tell(study, x, score)
  local w = self.warm
  w.obs[#w.obs + 1] = { x = x, y = score }
  if #w.obs >= w.next_rank then
    w.next_rank = math.ceil(#w.obs * 1.4)
    local rank = require('hpo.warm').rank_weights(w.all, w.obs, #x, 64, #w.obs)
    self:warm_apply(study, rank)
  end
end

--- Complete trials rank by value; pruned ones after them, deeper first, then by their last
--- intermediate value; failed ones are not modelled.
function Tpe:tell(study, trial)
  local x = study.space:encode(trial.params)
  if trial.state == 'COMPLETE' and trial.value then
    self.engine:tell(x, 0, 0, self.sign * trial.value, trial.number)
    if self.warm then
      self:warm_tell(study, x, self.sign * trial.value)
    end
  elseif trial.state == 'PRUNED' and trial.step and trial.intermediate then
    self.engine:tell(x, 1, trial.step, self.sign * trial.intermediate, trial.number)
  end
end

function Tpe:ask(study)
  local running = self.constant_liar and util.running_points(study) or {}
  local n_good
  if type(self.gamma) == 'function' and self.engine:count() >= math.max(self.startup, 1) then
    n_good = math.tointeger(self.gamma(self.engine:count() + #running))
    if not n_good then
      error('hpo.tpe: gamma(n) must return an integer')
    end
  end
  return (study.space:decode(self.engine:ask(running, n_good)))
end

-- seed:rng, then |W| and the warm-start sources' current weights (for `hpolua show`).
function Tpe:state()
  local st = ('%d:%s'):format(self.seed, self.engine:state())
  if self.warm and self.warm.rank then
    local w = {}
    for src, u in pairs(self.warm.user) do
      w[src] = u * (self.warm.rank[src] or 1)
    end
    st = st .. '|W|' .. util.json_encode(w)
  end
  return st
end

return M
