-- Every sampler through its binding, as a study drives it (asks, tells, stored states, a
-- warm start from a storage file), run under valgrind by CTest (valgrind/samplers): the C
-- unit tests call the engines directly and missed state buffers serialised before they
-- were set (CMA-ES's history, REINFORCE's batch). Exits non-zero on a wrong result.
local hpo = require('hpo')
local space = { a = hpo.uniform(0, 1), b = hpo.int(1, 5), c = hpo.choice({ 'x', 'y' }) }
local function objective(p)
  return (p.a - 0.3) ^ 2 + math.abs(p.b - 2) + (p.c == 'x' and 0 or 1)
end
local dir = os.tmpname()
os.remove(dir)
assert(os.execute('mkdir -p ' .. dir))
local source = dir .. '/source.db'
hpo.study({ name = 'source', space = space, objective = objective, trials = 30,
  sampler = hpo.random({ seed = 1 }) }):optimize({ quiet = true, storage = source })
local samplers = {
  tpe = hpo.tpe({ seed = 1 }), gp = hpo.gp({ seed = 1 }), cmaes = hpo.cmaes({ seed = 1 }),
  reinforce = hpo.reinforce({ seed = 1 }), qmc = hpo.qmc({ seed = 1 }),
  grid = hpo.grid({ seed = 1 }), random = hpo.random({ seed = 1 }),
}
for _, name in ipairs({ 'tpe', 'gp', 'cmaes', 'reinforce', 'qmc', 'grid', 'random' }) do
  local path = dir .. '/' .. name .. '.db'
  -- Two runs on one storage: the second resumes from the stored sampler state.
  for _, trials in ipairs({ 12, 24 }) do
    local r = hpo.study({ name = name, space = space, objective = objective, trials = trials,
      sampler = samplers[name], warm_start = { source } }):optimize({ quiet = true,
      storage = path })
    assert(#r.trials == trials and r.best.value < 3, name .. ': ' .. tostring(r.best.value))
  end
end
local mo = hpo.study({ space = space, trials = 30, directions = { 'minimize', 'minimize' },
  objective = function(p)
    return { p.a, 1 - p.a + p.b }
  end, sampler = hpo.nsga2({ seed = 1, population = 10 }) }):optimize({ quiet = true })
assert(#mo.pareto > 0, 'nsga2: no Pareto front')
assert(os.execute('rm -rf ' .. dir))
