-- hpolua side of bench/gp: best-so-far regret after 25, 50 and 100 trials of a sampler with
-- its defaults, one line per seed: "problem seed r25 r50 r100".
-- usage: lua5.4 bench/gp_quality.lua PROBLEM SEEDS gp|tpe|random
local hpo = require('hpo')
local problems = dofile(arg[0]:gsub('gp_quality%.lua$', 'problems.lua'))
local name, seeds, which = arg[1], tonumber(arg[2]), arg[3] or 'gp'
local prob = assert(problems[name], 'unknown problem ' .. name)
for seed = 1, seeds do
  local space = {}
  for _, d in ipairs(prob.dims) do
    space[d[1]] = hpo.uniform(d[2], d[3])
  end
  local r = hpo.study({ space = space, objective = prob.f, trials = 100,
    sampler = hpo[which]({ seed = seed }) }):optimize({ quiet = true })
  local best, out = math.huge, {}
  for i, t in ipairs(r.trials) do
    best = math.min(best, t.value)
    if i == 25 or i == 50 or i == 100 then
      out[#out + 1] = ('%.6g'):format(best - prob.min)
    end
  end
  print(name, seed, table.concat(out, ' '))
end
