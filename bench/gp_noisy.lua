-- hpo.gp() on a noisy objective: Branin plus Gaussian noise of standard deviation SD, 60
-- trials. Prints the median [quartiles] over SEEDS seeds of the true regret of the trial
-- with the best observed value (what a user would pick) and the median of the truly best
-- trial's.
-- usage: lua5.4 bench/gp_noisy.lua [SEEDS] [SD]   (defaults 20 and 1)
local hpo = require('hpo')
local f = hpo.functions
local seeds, sd = tonumber(arg[1]) or 20, tonumber(arg[2]) or 1
local picked, truest = {}, {}
for seed = 1, seeds do
  local rng = hpo.core.rng(seed * 7919)
  local function normal()  -- Box-Muller
    return math.sqrt(-2 * math.log(1 - rng:uniform())) * math.cos(2 * math.pi * rng:uniform())
  end
  local r = hpo.study({ space = { x = hpo.uniform(-5, 10), y = hpo.uniform(0, 15) },
    objective = function(p)
      return f.branin(p.x, p.y) + sd * normal()
    end, trials = 60, sampler = hpo.gp({ seed = seed }) }):optimize({ quiet = true })
  local observed = math.huge
  truest[seed] = math.huge
  for _, t in ipairs(r.trials) do
    local regret = f.branin(t.params.x, t.params.y) - f.branin_min
    if t.value < observed then
      observed, picked[seed] = t.value, regret
    end
    truest[seed] = math.min(truest[seed], regret)
  end
end
table.sort(picked)
table.sort(truest)
print(('sd %g: picked %.3g [%.3g, %.3g], truly best %.3g'):format(sd, picked[(seeds + 1) // 2],
  picked[seeds // 4 + 1], picked[(3 * seeds) // 4], truest[(seeds + 1) // 2]))
