-- bench/cmaes: BIPOP-CMA-ES on Rastrigin 10-D (x0 ~ U[-5.12, 5.12]^10, sigma0 = 2): the
-- evaluations until f < 1 within a budget of 2e5, one line per seed ("seed evals", -1 when
-- not reached). usage: lua5.4 bench/cmaes_rastrigin.lua SEEDS
local core = require('hpo.core')
local n, seeds = 10, tonumber(arg[1])
local function rastrigin(x)
  local f = 10 * n
  for i = 1, n do
    f = f + x[i] ^ 2 - 10 * math.cos(2 * math.pi * x[i])
  end
  return f
end
for seed = 1, seeds do
  local rng = core.rng(2000 + seed)
  local x0 = {}
  for i = 1, n do
    x0[i] = -5.12 + 10.24 * rng:uniform()
  end
  local cma = core.cmaes(n, { seed = seed, sigma0 = 2, bounded = false, x0 = x0,
    restart = 'bipop', max_restarts = 1000 })
  local evals, reached = 0, -1
  while evals < 200000 and reached < 0 do
    local fx = {}
    for i, x in ipairs(cma:ask()) do
      fx[i] = rastrigin(x)
      if fx[i] < 1 and reached < 0 then
        reached = evals + i
      end
    end
    evals = evals + #fx
    cma:tell(fx)
  end
  print(seed, reached)
end
