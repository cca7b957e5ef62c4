-- Two objectives: a model's validation error against its inference latency, with a memory
-- budget as a constraint. The "model" is a formula standing in for training (so the example
-- runs in a second): wider and deeper nets learn better but run slower and use more memory.
-- Run it, then look at the trade-off:
--   hpolua examples/multi_objective.lua
--   hpolua show examples/multi_objective.db     (Pareto-optimal trials marked *)
--   hpolua best examples/multi_objective.db     (the Pareto front as JSON)
local hpo = require('hpo')

return hpo.study({
  name = 'multi_objective',
  space = {
    layers = hpo.int(1, 8),
    units = hpo.int(16, 512, { log = true }),
    lr = hpo.loguniform(1e-4, 1e-1),
    dropout = hpo.uniform(0, 0.5),
  },
  directions = { 'minimize', 'minimize' },
  metrics = { 'error', 'latency_ms' },
  objective = function(p)
    local capacity = math.log(p.layers * p.units)
    local fit = math.abs(math.log(p.lr, 10) + 2.5) * 0.05  -- best near lr = 3e-3
    local error = 0.05 + 0.9 / capacity + fit + 0.1 * (p.dropout - 0.2) ^ 2
    local latency = 0.2 * p.layers * (p.units / 64) ^ 1.3 + 0.5
    return { error = error, latency_ms = latency, memory_mb = p.layers * p.units * 0.25 }
  end,
  -- Feasible when every value is <= 0: at most 512 MB. The function gets the parameters,
  -- the objective values and everything the objective returned.
  constraints = function(_, _, metrics)
    return { metrics.memory_mb - 512 }
  end,
  trials = 300,
  sampler = hpo.nsga2({ seed = 1, population = 30 }),
})
