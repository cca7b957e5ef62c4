-- hpolua side of bench/nsga2: hpo.nsga2() with its defaults (population 50) on a problem of
-- bench/mo_problems.lua; the hypervolume of all evaluated points after each budget, one
-- line per seed: "problem seed hv1 hv2 ...".
-- usage: lua5.4 bench/nsga2_quality.lua PROBLEM SEEDS "5000 25000"
local hpo = require('hpo')
local problems = dofile(arg[0]:gsub('nsga2_quality%.lua$', 'mo_problems.lua'))
local name, seeds = arg[1], tonumber(arg[2])
local budgets = {}
for b in (arg[3] or '5000 25000'):gmatch('%d+') do
  budgets[#budgets + 1] = tonumber(b)
end
local prob = assert(problems[name], 'unknown problem ' .. name)
local space, dirs, objective = problems.study_fields(prob)
for seed = 1, seeds do
  local r = hpo.study({
    name = name, space = space, directions = dirs, trials = budgets[#budgets],
    sampler = hpo.nsga2({ seed = seed }), objective = objective,
  }):optimize({ quiet = true })
  local pts, out, k = {}, {}, 1
  for i, t in ipairs(r.trials) do
    pts[#pts + 1] = t.values
    if i == budgets[k] then
      out[k] = ('%.6f'):format(hpo.core.hypervolume(pts, prob.ref))
      k = k + 1
    end
  end
  print(name, seed, table.concat(out, ' '))
end
