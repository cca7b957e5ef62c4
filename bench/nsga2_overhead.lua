-- Overhead per trial of a running study with hpo.nsga2() at N trials: ZDT1 (n = 30) in
-- memory, the objective notes the time of each call; the mean gap between calls over trials
-- N + 1 .. N + 200 is the cost of the loop around a trial (ask, storage, tell), in ms.
-- usage: lua5.4 bench/nsga2_overhead.lua 10000
local hpo = require('hpo')
local core = hpo.core
local n = tonumber(arg[1] or '10000')
local prob = dofile(arg[0]:gsub('nsga2_overhead%.lua$', 'mo_problems.lua')).zdt1
local space = {}
for i = 1, prob.n do
  space[('x%02d'):format(i)] = hpo.uniform(0, 1)
end
local times = {}
hpo.study({
  name = 'overhead', space = space, directions = { 'minimize', 'minimize' },
  trials = n + 201, sampler = hpo.nsga2({ seed = 1 }),
  objective = function(p)
    times[#times + 1] = core.monotonic()
    local x = {}
    for i = 1, prob.n do
      x[i] = p[('x%02d'):format(i)]
    end
    return prob.f(x)
  end,
}):optimize({ quiet = true })
print(('hpolua nsga2: %.3f ms per trial at %d trials'):format(
  (times[n + 201] - times[n + 1]) / 200 * 1e3, n))
