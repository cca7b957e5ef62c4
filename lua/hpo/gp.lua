--- hpo.gp(): Gaussian-process Bayesian optimisation (src/core/bo.c, gp.c, acq.c), the most
--- sample-efficient sampler for expensive trials and budgets up to a few hundred.
--- Failed and pruned trials are not modelled (as in Optuna's GPSampler); running trials enter
--- as fantasies so parallel workers get distinct points.
local util = require('hpo._util')

local M = {}

local Gp = { name = 'gp', single_objective = true }
Gp.__index = Gp

local OPTIONS = {
  seed = 'integer', startup = 'integer', acq = 'string', beta = 'number', kernel = 'string',
  deterministic = 'boolean', candidates = 'integer', local_starts = 'integer', pending = 'string',
  warp = 'boolean', refit = 'number', fit_points = 'integer', trust_region = 'number',
}

local CHOICES = {
  acq = { logei = true, logpi = true, ucb = true, ts = true },
  kernel = { matern52 = true, rbf = true },
  pending = { believer = true, liar = true },
}

--- Options: seed, startup (10 Sobol trials first), acq ('logei' (default), 'logpi', 'ucb',
--- 'ts' for Thompson sampling), beta (UCB's beta, 2; 0 for the GP-UCB schedule), kernel
--- ('matern52' or 'rbf'), deterministic (false: fit a noise level), candidates (2048 Sobol
--- points screened per ask), local_starts (5), pending ('believer': running trials at the
--- posterior mean; 'liar': at the best value so far), warp (true: model log-compressed
--- distances to the best), refit (0.05: re-optimise the hyperparameters once the data has
--- grown by this fraction since the last optimisation, every ask below 40 trials; 0: always),
--- fit_points (400: above this many trials the hyperparameters are fitted on a random subset
--- of this size; the model still uses every trial), trust_region (0.4: with warm-start
--- sources that explain the study, the model searches a cube of this side around the best
--- trial, TuRBO-style, and restarts once it has shrunk away; 0: the whole space, no restart).
function M.gp(opts)
  local where = util.where()
  opts = util.check_options(where, 'gp', opts, OPTIONS)
  for key, allowed in pairs(CHOICES) do
    if opts[key] ~= nil and not allowed[opts[key]] then
      local names = {}
      for k in pairs(allowed) do
        names[#names + 1] = "'" .. k .. "'"
      end
      table.sort(names)
      util.fail(where, 'hpo.gp: %s must be one of %s, got %s', key, table.concat(names, ', '),
        util.show(opts[key]))
    end
  end
  if (opts.candidates or 2048) < 1 or (opts.startup or 10) < 0 or (opts.local_starts or 5) < 0
    or (opts.beta or 2) < 0 or (opts.refit or 0) < 0 or (opts.fit_points or 400) < 2
    or (opts.trust_region or 0) < 0 then
    util.fail(where, 'hpo.gp: candidates must be >= 1, fit_points >= 2, startup, local_starts, '
      .. 'beta, refit and trust_region >= 0')
  end
  local o = { startup = 10, acq = 'logei', beta = 2, kernel = 'matern52', candidates = 2048,
    local_starts = 5, pending = 'believer', deterministic = false, warp = true, refit = 0.05,
    fit_points = 400, trust_region = 0.4 }
  for k, v in pairs(opts) do
    o[k] = v
  end
  -- own_transfer: its first model-based ask already goes where the sources' model points, so
  -- the study adds no predicted-optimum seed trial (warm.model_seed); Thompson sampling
  -- draws from the study's GP alone and takes it.
  return setmetatable({ opts = o, seed = opts.seed, own_transfer = o.acq ~= 'ts' }, Gp)
end

function Gp:setup(study, state)
  local seed, rest
  if type(state) == 'string' then
    state = state:gsub('|W|.*$', '')  -- the sources' weights, for hpolua show only
    seed, rest = state:match('^(%-?%d+):(.*)$')
  end
  self.seed = math.tointeger(seed) or self.seed or util.fresh_seed()
  local o = util.with_seed(self.opts, self.seed)
  -- The trials before the model's first ask (bo.c): the seed trials and one Sobol point;
  -- then the model alternates with the rest of the Sobol startup. Fitted to the seeds
  -- alone, all where the sources rate best, the transfer model's line could read negated
  -- sources as explaining the study (bench/warm, adversarial, at 100 trials against cold:
  -- Hartmann6-near p = 0.014 -> 0.15, Branin 0.023 -> 0.060; README).
  local seeds = #(study.warm_seeds or {})
  o.seeds = seeds > 0 and seeds + 1 or 0
  self.engine = require('hpo.warm').engine(study.space, o)
  self:transfer_setup(study)
  if rest then
    -- theta n was added later: a state without it re-optimises at the next ask.
    local rng, sobol, restart, theta_n, theta = rest:match('^(%x+):(%d+):(%d+):(%d+):(.*)$')
    if not rng then
      rng, sobol, restart, theta = rest:match('^(%x+):(%d+):(%d+):(.*)$')
    end
    if not rng then
      error('hpo.gp: the stored sampler state is malformed: ' .. rest)
    end
    self.engine:restore(rng, math.tointeger(sobol), math.tointeger(restart), theta,
      math.tointeger(theta_n or 0))
  end
  self.sign = study.direction == 'maximize' and -1 or 1
end

-- Warm start (REFERENCE.md section 8): one GP per source study over its mapped,
-- standardised trials, weighed against the target's own GP at every ask (RGPE's weights)
-- and the prior mean of the transfer model (src/core/bo.c). A source given weight 0 is
-- left out; other weights are RGPE's to decide.
function Gp:transfer_setup(study)
  self.sources = nil
  if not (study.warm_points and #study.warm_points > 0) then
    return
  end
  self.sources = require('hpo.warm').add_sources(self.engine, study.space, study.warm_points)
end

function Gp:tell(study, trial)
  if trial.state == 'COMPLETE' and trial.value then
    self.engine:tell(study.space:encode(trial.params), self.sign * trial.value)
  end
end

function Gp:ask(study)
  local x = self.engine:ask(util.running_points(study))
  local w = self.sources and #self.sources > 0 and self.engine:weights()
  if w then
    study.warm_weights = {}
    for i, src in ipairs(self.sources) do
      study.warm_weights[src] = w[i]
    end
    self.weights = study.warm_weights
  end
  return (study.space:decode(x))
end

-- seed:rng:sobol index:restart n:theta n:theta (exact), so a resumed study asks what it
-- would have.
function Gp:state()
  local rng, sobol, restart, theta, theta_n = self.engine:state()
  local s = ('%d:%s:%d:%d:%d:%s'):format(self.seed, rng, sobol, restart, theta_n, theta)
  if self.weights then
    s = s .. '|W|' .. util.json_encode(self.weights)
  end
  return s
end

return M
