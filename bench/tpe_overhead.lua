-- hpolua side of bench/tpe_overhead: milliseconds per ask of hpo.tpe() (multivariate, the
-- default) after the trials of a history file. usage: lua5.4 bench/tpe_overhead.lua FILE ASKS
local hpo = require('hpo')
local space_mod = require('hpo.space')
local path, asks = arg[1], tonumber(arg[2])
local rows = {}
for line in io.lines(path) do
  local r = {}
  for v in line:gmatch('[^,]+') do
    r[#r + 1] = tonumber(v)
  end
  rows[#rows + 1] = r
end
local d = #rows[1] - 1
local def = {}
for j = 0, d - 1 do
  def['x' .. j] = hpo.uniform(0, 1)
end
local study = { space = space_mod.new(def), direction = 'minimize' }
local s = hpo.tpe({ seed = 1 })
s:setup(study)
for i, r in ipairs(rows) do
  local params = {}
  for j = 0, d - 1 do
    params['x' .. j] = r[j + 1]
  end
  s:tell(study, { number = i, state = 'COMPLETE', params = params, value = r[d + 1] })
end
local t0 = hpo.core.monotonic()
for _ = 1, asks do
  s:ask(study)
end
io.write(('%.6f\n'):format((hpo.core.monotonic() - t0) / asks * 1000))
