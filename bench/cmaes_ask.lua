-- hpolua side of bench/cmaes: microseconds per ask + tell of the hpo.cmaes sampler alone
-- (5-D, trials 1000 to 2000 of a sphere study, no storage). usage: lua5.4 ... SEED
local hpo = require('hpo')
local space_mod = require('hpo.space')
local def = {}
for i = 1, 5 do
  def['x' .. i] = hpo.uniform(-5, 5)
end
local study = { space = space_mod.new(def), direction = 'minimize' }
local s = hpo.cmaes({ seed = tonumber(arg[1]) })
s:setup(study)
local function trial(number)
  local p = s:ask(study)
  local f = 0
  for i = 1, 5 do
    f = f + p['x' .. i] ^ 2
  end
  s:tell(study, { number = number, state = 'COMPLETE', params = p, value = f })
end
for i = 1, 1000 do
  trial(i)
end
local t0 = hpo.core.monotonic()
for i = 1001, 2000 do
  trial(i)
end
io.write(('%.6f\n'):format((hpo.core.monotonic() - t0) / 1000 * 1e3))
