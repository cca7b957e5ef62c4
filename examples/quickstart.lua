-- A first study: minimise the Branin function over two of its parameters, alongside the
-- kinds of parameter a training script usually has. Run it with:  hpolua examples/quickstart.lua
local hpo = require('hpo')

local branin = hpo.functions.branin  -- minimum 0.397887 (REFERENCE.md section 5)

return hpo.study({
  name = 'quickstart',
  direction = 'minimize',
  space = {
    x = hpo.uniform(-5, 10),
    y = hpo.uniform(0, 15),
    lr = hpo.loguniform(1e-5, 1e-1),
    layers = hpo.int(1, 8),
    units = hpo.int(16, 512, { log = true }),
    batch = hpo.discrete({ 32, 64, 128 }),
    optimizer = hpo.choice({ 'adam', 'sgd' }),
    momentum = hpo.uniform(0.5, 0.99):when('optimizer', 'sgd'),
  },
  objective = function(p, trial)
    trial:report(0, branin(p.x, p.y) + 1)  -- an intermediate value, as a training loop would
    return branin(p.x, p.y)
  end,
  trials = 60,
  sampler = hpo.qmc({ seed = 1 }),
})
