-- hpolua side of bench/cmaes: milliseconds per trial of a 1000-trial study (5-D sphere, a
-- trivial objective, in-memory storage) sampled by hpo.cmaes. usage: lua5.4 ... SEED
local hpo = require('hpo')
local space = {}
for i = 1, 5 do
  space['x' .. i] = hpo.uniform(-5, 5)
end
local study = hpo.study({ space = space, objective = function(p)
  local f = 0
  for i = 1, 5 do
    f = f + p['x' .. i] ^ 2
  end
  return f
end, trials = 1000, sampler = hpo.cmaes({ seed = tonumber(arg[1]) }) })
local t0 = hpo.core.monotonic()
study:optimize({ quiet = true })
io.write(('%.6f\n'):format((hpo.core.monotonic() - t0) / 1000 * 1000))
