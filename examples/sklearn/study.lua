-- Tune a scikit-learn MLP on the digits data set; each trial is a Python process that
-- reports its validation loss after every epoch. Two trials run at a time.
--   hpolua examples/sklearn/study.lua      (Debian: python3-sklearn, installed by bootstrap)
local hpo = require('hpo')

return hpo.study({
  name = 'digits-mlp',
  metric = 'val_loss',
  direction = 'minimize',
  space = {
    lr = hpo.loguniform(1e-4, 1e-1),
    alpha = hpo.loguniform(1e-6, 1e-1),
    hidden = hpo.choice({ 16, 32, 64, 128 }),
  },
  run = { 'python3', 'train.py', '--lr={lr}', '--alpha={alpha}', '--hidden={hidden}' },
  parallel = 2,
  trials = 16,
  timeout = 300,
  sampler = hpo.qmc({ seed = 1 }),
})
