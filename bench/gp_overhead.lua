-- Overhead of hpo.gp's engine per ask, as in a running study: N - W observations in D
-- dimensions (a smooth function of random points) and a first ask (the fit with restarts,
-- not timed), then W rounds of one more observation and a timed ask, ending at N
-- observations. W = max(20, 5% of N) spans at least one re-optimisation of the
-- hyperparameters (hpo.gp's refit schedule), so the mean is the amortised cost of an ask;
-- max is the slowest one (an ask that re-optimises). acq_ms: one more ask on the same data
-- (the acquisition alone). Medians over 3 repetitions, in ms.
-- usage: lua5.4 bench/gp_overhead.lua "5 20" "50 150 500 1000"
local core = require('hpo.core')
local hpo = require('hpo')
local dims = arg[1] or '5 20'
local sizes = arg[2] or '50 150 500 1000'
local function median(t)
  table.sort(t)
  return t[(#t + 1) // 2]
end
print('dim  trials  ask_ms  max_ms  fit_ms  acq_ms')
for d in dims:gmatch('%d+') do
  d = tonumber(d)
  local space = {}
  for i = 1, d do
    space['x' .. i] = hpo.uniform(0, 1)
  end
  local sp = require('hpo.space').new(space)
  for n in sizes:gmatch('%d+') do
    n = tonumber(n)
    local w = math.max(20, n // 20)
    local means, maxes, acqs = {}, {}, {}
    for rep = 1, 3 do
      local rng = core.rng(rep)
      local e = core.gp(sp.core, { seed = rep })
      local function observe()
        local x = rng:uniform(d)
        local f = 0
        for i = 1, d do
          f = f + (x[i] - 0.3) ^ 2 + 0.1 * math.sin(9 * x[i])
        end
        e:tell(x, f)
      end
      for _ = 1, n - w do
        observe()
      end
      e:ask()
      local total, worst = 0, 0
      for _ = 1, w do
        observe()
        local t0 = core.now()
        e:ask()
        local dt = (core.now() - t0) * 1e3
        total, worst = total + dt, math.max(worst, dt)
      end
      local t1 = core.now()
      e:ask()
      means[rep], maxes[rep], acqs[rep] = total / w, worst, (core.now() - t1) * 1e3
    end
    local a, q = median(means), median(acqs)
    print(('%3d  %6d  %6.1f  %6.1f  %6.1f  %6.1f'):format(d, n, a, median(maxes), a - q, q))
  end
end
