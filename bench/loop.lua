-- hpolua side of bench/loop: the same study as bench/loop_optuna.py, timed end to end.
-- usage: lua5.4 bench/loop.lua TRIALS random|qmc memory|sqlite SEED
local hpo = require('hpo')
local trials, sampler, kind, seed = tonumber(arg[1]), arg[2], arg[3], tonumber(arg[4])
local storage = ':memory:'
if kind == 'sqlite' then
  storage = os.tmpname() .. '.db'
end
local study = hpo.study({
  name = 'loop',
  space = {
    x = hpo.uniform(-5, 10),
    y = hpo.uniform(0, 15),
    lr = hpo.loguniform(1e-5, 1e-1),
    n = hpo.int(1, 8),
    c = hpo.choice({ 'a', 'b', 'c' }),
  },
  objective = function(p)
    return (p.x - 1) ^ 2 + (p.y - 2) ^ 2 + p.lr + p.n + (p.c == 'b' and 1 or 0)
  end,
  trials = trials,
  sampler = hpo[sampler]({ seed = seed }),
})
local t0 = hpo.core.monotonic()
study:optimize({ quiet = true, storage = storage })
io.write(('%.6f\n'):format(hpo.core.monotonic() - t0))
if kind == 'sqlite' then
  for _, s in ipairs({ '', '-wal', '-shm' }) do
    os.remove(storage .. s)
  end
end
