-- Overhead of hpo.gp's engine per ask, as in a running study: N - 1 observations in D
-- dimensions (a smooth function of random points) and an ask (the first fit, with restarts),
-- then the N-th observation and the timed ask (a warm-started refit plus the acquisition),
-- then an ask on the same data (acquisition only); median of 3 repetitions, in ms.
-- usage: lua5.4 bench/gp_overhead.lua "5 20" "50 150 500 1000"
local core = require('hpo.core')
local hpo = require('hpo')
local dims = arg[1] or '5 20'
local sizes = arg[2] or '50 150 500 1000'
local function median(t)
  table.sort(t)
  return t[(#t + 1) // 2]
end
print('dim  trials  ask_ms  fit_ms  acq_ms')
for d in dims:gmatch('%d+') do
  d = tonumber(d)
  local space = {}
  for i = 1, d do
    space['x' .. i] = hpo.uniform(0, 1)
  end
  local sp = require('hpo.space').new(space)
  for n in sizes:gmatch('%d+') do
    n = tonumber(n)
    local asks, acqs = {}, {}
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
      for _ = 1, n - 1 do
        observe()
      end
      e:ask()
      observe()
      local t0 = core.now()
      e:ask()
      local t1 = core.now()
      e:ask()
      local t2 = core.now()
      asks[rep], acqs[rep] = (t1 - t0) * 1e3, (t2 - t1) * 1e3
    end
    local a, q = median(asks), median(acqs)
    print(('%3d  %6d  %6.1f  %6.1f  %6.1f'):format(d, n, a, a - q, q))
  end
end
