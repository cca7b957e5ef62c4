-- Overhead per trial of a running study with hpo.nsga2() at N trials: ZDT1 (n = 30) in
-- memory, the objective notes the time of each call; the mean gap between calls over trials
-- N + 1 .. N + 200 is the cost of the loop around a trial (ask, storage, tell), in ms.
-- usage: lua5.4 bench/nsga2_overhead.lua 10000
local hpo = require('hpo')
local core = hpo.core
local n = tonumber(arg[1] or '10000')
local problems = dofile(arg[0]:gsub('nsga2_overhead%.lua$', 'mo_problems.lua'))
local space, dirs, objective = problems.study_fields(problems.zdt1)
local times = {}
hpo.study({
  name = 'overhead', space = space, directions = dirs, trials = n + 201,
  sampler = hpo.nsga2({ seed = 1 }),
  objective = function(p)
    times[#times + 1] = core.monotonic()
    return objective(p)
  end,
}):optimize({ quiet = true })
print(('hpolua nsga2: %.3f ms per trial at %d trials'):format(
  (times[n + 201] - times[n + 1]) / 200 * 1e3, n))
