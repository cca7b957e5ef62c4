-- bench/schedulers: epochs spent until some trial reaches a target loss, on a synthetic
-- learning-curve workload, FIFO against median stopping, ASHA and Hyperband, with random
-- sampling, and BOHB (Hyperband with its TPE).
-- A configuration (lr, width) has a final loss L and a speed tau; its loss at epoch e is
-- L + (1 - L) exp(-e / tau). Up to 27 epochs per trial.
-- usage: lua5.4 bench/schedulers.lua SCHEDULER SEED   (prints epochs until the target)
local hpo = require('hpo')
local kind, seed = arg[1], tonumber(arg[2])
local TARGET, EPOCHS = 0.12, 27

local function final_loss(p)
  local a = (math.log(p.lr, 10) + 2.5) ^ 2  -- best near lr = 10^-2.5
  local b = ((p.width - 192) / 256) ^ 2
  return 0.1 + 0.5 * a + 0.8 * b
end

local schedulers = {
  fifo = hpo.fifo(),
  median = hpo.median({ startup = 5, warmup = 3 }),
  asha = hpo.asha({ min = 1, max = EPOCHS, eta = 3 }),
  hyperband = hpo.hyperband({ min = 1, max = EPOCHS, eta = 3 }),
  bohb = hpo.bohb({ min = 1, max = EPOCHS, eta = 3, seed = seed }),  -- brings its sampler
}
local epochs, reached = 0, nil
local study = hpo.study({
  space = { lr = hpo.loguniform(1e-5, 1e-1), width = hpo.int(16, 512) },
  objective = function(p, trial)
    local L = final_loss(p)
    local tau = 2 + 6 * math.abs(math.log(p.lr, 10) + 3) / 2
    local loss
    for e = 1, EPOCHS do
      if reached then
        return loss or 1
      end
      epochs = epochs + 1
      loss = L + (1 - L) * math.exp(-e / tau)
      if loss <= TARGET then
        reached = epochs
      end
      trial:report(e, loss)
      if trial:should_prune() then
        return
      end
    end
    return loss
  end,
  trials = 2000,
  sampler = kind ~= 'bohb' and hpo.random({ seed = seed }) or nil,
  scheduler = assert(schedulers[kind], 'unknown scheduler ' .. kind),
})
study:optimize({ quiet = true })
print(reached or -1)
