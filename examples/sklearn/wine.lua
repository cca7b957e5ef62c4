-- The same MLP on the wine data set, warm-started from the digits study (study.lua): its
-- best configurations run first, then its model's predicted optimum, and its good trials
-- are TPE's prior, weighed by how well they rank this study's own trials. The space is
-- study.lua's, written out again: a study file stands alone, and warm start matches
-- parameters by name. Run study.lua first, then
--   hpolua examples/sklearn/wine.lua      (hpolua show wine-mlp.db: the source's weight)
local hpo = require('hpo')

return hpo.study({
  name = 'wine-mlp',
  metric = 'val_loss',
  direction = 'minimize',
  space = {
    lr = hpo.loguniform(1e-4, 1e-1),
    alpha = hpo.loguniform(1e-6, 1e-1),
    hidden = hpo.choice({ 16, 32, 64, 128 }),
  },
  run = { 'python3', 'train.py', '--data=wine', '--lr={lr}', '--alpha={alpha}',
    '--hidden={hidden}' },
  warm_start = { 'digits-mlp.db' },
  seed_trials = 3,
  parallel = 2,
  trials = 12,
  timeout = 300,
  sampler = hpo.tpe({ seed = 1 }),
})
