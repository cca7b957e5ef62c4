-- bench/warm_overhead: GP-BO's cost per trial with a warm-start source against a cold study
-- (CPU time of the whole study over its trials), at N trials of a 3-d Branin variant; the
-- source is 100 TPE trials of a rescaled, shifted sibling.
-- usage: lua5.4 bench/warm_overhead.lua N   (with LUA_PATH/LUA_CPATH as bench/warm sets them)
local hpo = require('hpo')
local f = hpo.functions
local n = tonumber(arg[1]) or 150
local dir = os.tmpname()
os.remove(dir)
local src = dir .. '-src.db'
local function space()
  return { x = hpo.uniform(-5, 10), y = hpo.uniform(0, 15), z = hpo.uniform(0, 1) }
end
hpo.study({ name = 'source', space = space(), trials = 100, sampler = hpo.tpe({ seed = 1 }),
  objective = function(p)
    return 2 * f.branin(p.x - 0.2, p.y) + p.z
  end }):optimize({ quiet = true, storage = src })
for _, warm in ipairs({ false, true }) do
  local t0 = os.clock()
  hpo.study({ name = 'target', space = space(), trials = n, sampler = hpo.gp({ seed = 1 }),
    warm_start = warm and { src } or nil, objective = function(p)
      return f.branin(p.x, p.y) + p.z
    end }):optimize({ quiet = true })
  print(('%s %d trials: %.1f ms per trial'):format(warm and 'warm' or 'cold', n,
    (os.clock() - t0) * 1000 / n))
end
os.remove(src)
os.remove(src .. '-wal')
os.remove(src .. '-shm')
