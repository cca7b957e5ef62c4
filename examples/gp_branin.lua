-- Gaussian-process Bayesian optimisation for expensive trials: Branin (minimum 0.397887)
-- with two trials at a time; running trials enter the model as fantasies, so the two
-- workers get different points. Run it with:  hpolua examples/gp_branin.lua
local hpo = require('hpo')

return hpo.study({
  name = 'gp_branin',
  space = { x = hpo.uniform(-5, 10), y = hpo.uniform(0, 15) },
  objective = function(p)
    return hpo.functions.branin(p.x, p.y)
  end,
  trials = 40,
  parallel = 2,
  sampler = hpo.gp({ seed = 1 }),
})
