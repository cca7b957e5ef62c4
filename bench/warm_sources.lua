-- bench/warm_sources: what a long source list costs. K earlier studies of N random trials
-- each (6-d Hartmann6 siblings, the optimum shifted by 0.01 k), then a warm study of T
-- trials per sampler against a cold one: CPU seconds for its first 7 trials (the seeds, the
-- predicted optimum and the first model-based ask: every source's GP is fitted by then) and
-- for all T. With `regret SEEDS`: 5 sources of 1000 trials, and per sampler and seed the
-- regret after 20 and 50 warm trials ("sampler seed r20 r50", for bench/ranksum.lua).
-- usage: lua5.4 bench/warm_sources.lua [K [N [T]]]   (defaults 20 1000 50)
--        lua5.4 bench/warm_sources.lua regret SEEDS
-- (LUA_PATH/LUA_CPATH as bench/warm sets them)
local hpo = require('hpo')
local f = hpo.functions
local regret = arg[1] == 'regret'
local K, N, T, seeds = 5, 1000, 50, tonumber(arg[2])
if not regret then
  K, N, T = tonumber(arg[1]) or 20, tonumber(arg[2]) or N, tonumber(arg[3]) or T
end
local space = {}
for i = 1, 6 do
  space['x' .. i] = hpo.uniform(0, 1)
end
local function objective(shift)
  local u = {}
  return function(p)
    for i = 1, 6 do
      u[i] = math.min(1, math.max(0, p['x' .. i] - shift))
    end
    return f.hartmann6(u)
  end
end

local target = objective(0)

local dir = os.tmpname()
os.remove(dir)
local sources = {}
for k = 1, K do
  sources[k] = ('%s-%d.db'):format(dir, k)
  hpo.study({ name = 'earlier', space = space, objective = objective(0.01 * k), trials = N,
    sampler = hpo.random({ seed = k }) }):optimize({ quiet = true, storage = sources[k] })
end

local samplers = {
  tpe = function(seed) return hpo.tpe({ seed = seed }) end,
  gp = function(seed) return hpo.gp({ seed = seed }) end,
  cmaes = function(seed) return hpo.cmaes({ seed = seed }) end,
}
for _, name in ipairs(regret and { 'tpe', 'gp', 'cmaes' } or {}) do
  for seed = 1, seeds or 20 do
    local r = hpo.study({ name = 'target', space = space, trials = T, warm_start = sources,
      sampler = samplers[name](seed), objective = target }):optimize({ quiet = true })
    local best, out = math.huge, {}
    for i, t in ipairs(r.trials) do
      best = math.min(best, t.value)
      if i == 20 or i == 50 then
        out[#out + 1] = ('%.6g'):format(best - f.hartmann6_min)
      end
    end
    print(name, seed, table.concat(out, ' '))
  end
end
if not regret then
  print('| sampler | study | first 7 trials (s) | all ' .. T .. ' trials (s) |')
  print('|---|---|---:|---:|')
  for _, name in ipairs({ 'tpe', 'gp', 'cmaes' }) do
    for _, warm in ipairs({ false, true }) do
      local t0, t7 = os.clock(), nil
      local seen = 0
      hpo.study({ name = 'target', space = space, trials = T, sampler = samplers[name](1),
        warm_start = warm and sources or nil, objective = function(p)
          seen = seen + 1
          if seen == 8 then
            t7 = os.clock() - t0  -- the 8th evaluation starts once 7 trials were asked
          end
          return target(p)
        end }):optimize({ quiet = true })
      print(('| %s | %s | %.2f | %.2f |'):format(name, warm and ('warm, %d x %d'):format(K, N)
        or 'cold', t7 or 0, os.clock() - t0))
    end
  end
end
for _, path in ipairs(sources) do
  for _, ext in ipairs({ '', '-wal', '-shm' }) do
    os.remove(path .. ext)
  end
end
