-- A sampler written in the study file: TPE for the first 30 trials, then CMA-ES started from
-- the best trial so far. Any table with ask (and optionally setup, tell, state) is a sampler.
local hpo = require('hpo')

local tpe, cma = hpo.tpe({ seed = 1 }), nil
local switch = {
  name = 'tpe-then-cmaes',
  setup = function(_, study, state)
    tpe:setup(study, state)
  end,
  ask = function(_, study)
    if #study.history < 30 then
      return tpe:ask(study)
    end
    if not cma then  -- start CMA-ES at the best trial so far, with a small step
      local best
      for _, t in ipairs(study.history) do
        if t.state == 'COMPLETE' and (not best or t.value < best.value) then
          best = t
        end
      end
      cma = hpo.cmaes({ seed = 1, x0 = best.params, sigma0 = 0.05 })
      cma:setup(study)
    end
    return cma:ask(study)
  end,
  tell = function(_, study, trial)
    tpe:tell(study, trial)
    if cma then
      cma:tell(study, trial)
    end
  end,
}

return hpo.study({
  name = 'custom-sampler',
  space = { x = hpo.uniform(-5, 10), y = hpo.uniform(0, 15) },
  objective = function(p)
    return hpo.functions.branin(p.x, p.y)
  end,
  trials = 80,
  sampler = switch,
})
