--- hpo.reinforce(): a policy-gradient (REINFORCE) controller over the whole configuration
--- (src/core/pg.c; REFERENCE.md section 7), for discrete, architecture-like spaces. One
--- softmax per categorical or discrete parameter; numeric ones binned (log-spaced for log
--- parameters, through the encoding) or, with continuous = 'gaussian', a Gaussian on the
--- logit of their unit-cube coordinate. Rewards are the values (negated when minimising);
--- the policy learns after every `batch` finished trials. A failed trial is not told (it
--- teaches nothing about the objective); a pruned one is told its last intermediate value.
local core = require('hpo.core')
local util = require('hpo._util')

local M = {}

local Reinforce = { name = 'reinforce', single_objective = true }
Reinforce.__index = Reinforce

local OPTIONS = { seed = 'integer', lr = 'number', batch = 'integer', baseline_decay = 'number',
  entropy = 'number', continuous = 'string', bins = 'integer', normalize = 'string' }

--- Options: seed, lr (Adam, 0.05), batch (trials per update; default the study's parallel,
--- at least 8), baseline_decay (0.9), entropy (0.01), continuous ('bins' or 'gaussian'),
--- bins (10), normalize ('baseline': (reward - moving-average baseline) / moving spread;
--- 'zscore' or 'rank' within each batch).
function M.reinforce(opts)
  local where = util.where()
  opts = util.check_options(where, 'reinforce', opts, OPTIONS)
  if opts.continuous and opts.continuous ~= 'bins' and opts.continuous ~= 'gaussian' then
    util.fail(where, "hpo.reinforce: continuous must be 'bins' or 'gaussian', got %s",
      util.show(opts.continuous))
  end
  if opts.normalize and opts.normalize ~= 'baseline' and opts.normalize ~= 'zscore'
    and opts.normalize ~= 'rank' then
    util.fail(where, "hpo.reinforce: normalize must be 'baseline', 'zscore' or 'rank', got %s",
      util.show(opts.normalize))
  end
  if (opts.batch and opts.batch < 1) or (opts.bins and opts.bins < 2)
    or (opts.lr and opts.lr <= 0) then
    util.fail(where, 'hpo.reinforce: needs batch >= 1, bins >= 2 and lr > 0')
  end
  local s = setmetatable({ where = where }, Reinforce)
  for k, v in pairs(opts) do
    s[k] = v
  end
  return s
end

function Reinforce:setup(study, state)
  self.seed = self.seed or util.fresh_seed()
  self.policy_batch = self.batch or math.max(8, study.parallel or 1)
  self.policy = core.pg(study.space.core, {
    seed = self.seed, lr = self.lr, batch = self.policy_batch,
    baseline_decay = self.baseline_decay, entropy = self.entropy,
    continuous = self.continuous, bins = self.bins, normalize = self.normalize,
  })
  self.told = {}
  local told, saved
  if type(state) == 'string' then
    told, saved = state:match('^RF1|[^|]*|([^|]*)|(.*)$')
  end
  if saved then
    self.policy:restore(saved)
    -- Trials the saved policy has learned from: not told again when history is replayed.
    for a, b in told:gmatch('(%d+)%-?(%d*)') do
      for n = math.tointeger(a), math.tointeger(b ~= '' and b or a) do
        self.told[n] = true
      end
    end
  end
  self.sign = study.direction == 'maximize' and 1 or -1
end

function Reinforce:ask(study)
  return (study.space:decode(self.policy:sample()))
end

function Reinforce:tell(study, trial)
  local value = trial.state == 'COMPLETE' and trial.value
    or trial.state == 'PRUNED' and trial.intermediate
  if type(value) ~= 'number' or value ~= value or self.told[trial.number] then
    return
  end
  self.told[trial.number] = true
  self.policy:tell(study.space:encode(trial.params), self.sign * value)
end

-- The state carries the options that shape the policy (so `hpolua show` can rebuild it),
-- the trials it has learned from (as ranges of numbers) and the engine's state.
function Reinforce:state()
  local numbers = {}
  for n in pairs(self.told) do
    numbers[#numbers + 1] = n
  end
  table.sort(numbers)
  local ranges, i = {}, 1
  while i <= #numbers do
    local j = i
    while j < #numbers and numbers[j + 1] == numbers[j] + 1 do
      j = j + 1
    end
    ranges[#ranges + 1] = j > i and (numbers[i] .. '-' .. numbers[j]) or tostring(numbers[i])
    i = j + 1
  end
  return ('RF1|bins=%d;continuous=%s;batch=%d|%s|%s'):format(self.bins or 10,
    self.continuous or 'bins', self.policy_batch, table.concat(ranges, ','), self.policy:state())
end

--- Rebuild a stored policy (for `hpolua show`): nil unless state is a reinforce state.
function M.from_state(space, direction, state)
  local opts, saved = state:match('^RF1|([^|]*)|[^|]*|(.*)$')
  if not opts then
    return nil
  end
  local s = M.reinforce({ bins = math.tointeger(tonumber(opts:match('bins=(%d+)'))),
    continuous = opts:match('continuous=(%a+)'),
    batch = math.tointeger(tonumber(opts:match('batch=(%d+)'))) })
  s:setup({ space = space, direction = direction }, 'RF1|||' .. saved)
  return s
end

--- The learned policy, parameter by parameter: { name = { value =, p = } } with the most
--- probable value (a bin's centre for binned numbers) and its probability; Gaussian ones
--- give { mean =, sd = } in the unit cube.
function Reinforce:summary(space)
  local out = {}
  for j, name in ipairs(space.names) do
    local probs, sd = self.policy:policy(j)
    if sd then
      out[name] = { mean = probs, sd = sd }
    else
      local best = 1
      for a, p in ipairs(probs) do
        if p > probs[best] then
          best = a
        end
      end
      local x = {}
      for k = 1, #space.names do
        x[k] = 0 / 0
      end
      local p = space.params[name]
      x[j] = p.kind == 'choice' and best - 1 or (best - 0.5) / #probs
      local raw = space.core:decode(x)[j]
      out[name] = { value = p.values and p.values[math.tointeger(raw) + 1]
        or (p.kind == 'int' and math.tointeger(raw) or raw), p = probs[best] }
    end
  end
  return out
end

return M
