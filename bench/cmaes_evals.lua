-- hpolua side of bench/cmaes: evaluations until f < 1e-8 (x0 ~ U[-4, 4]^n, sigma0 = 2, no
-- bounds), one line per seed: "problem seed evals" (evals = -1 when the budget ran out).
-- usage: lua5.4 bench/cmaes_evals.lua PROBLEM SEEDS
local core = require('hpo.core')
local name, seeds = arg[1], tonumber(arg[2])
local n = 10
local problems = {
  sphere = function(x)
    local f = 0
    for i = 1, n do
      f = f + x[i] ^ 2
    end
    return f
  end,
  ellipsoid = function(x)  -- condition number 1e6
    local f = 0
    for i = 1, n do
      f = f + 10 ^ (6 * (i - 1) / (n - 1)) * x[i] ^ 2
    end
    return f
  end,
  rosenbrock = function(x)
    local f = 0
    for i = 1, n - 1 do
      f = f + 100 * (x[i + 1] - x[i] ^ 2) ^ 2 + (1 - x[i]) ^ 2
    end
    return f
  end,
}
local f = assert(problems[name], 'unknown problem ' .. name)
for seed = 1, seeds do
  local rng = core.rng(1000 + seed)
  local x0 = {}
  for i = 1, n do
    x0[i] = -4 + 8 * rng:uniform()
  end
  local cma = core.cmaes(n, { seed = seed, sigma0 = 2, bounded = false, x0 = x0 })
  local evals, budget, reached = 0, 100000, false
  while evals < budget do
    local fx = {}
    for i, x in ipairs(cma:ask()) do
      fx[i] = f(x)
      if fx[i] < 1e-8 and not reached then
        reached = evals + i
      end
    end
    evals = evals + #fx
    if reached then
      break
    end
    cma:tell(fx)
  end
  print(name, seed, reached or -1)
end
