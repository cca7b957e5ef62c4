-- bench/schedulers, wall-time part: the learning-curve workload (bench/lc_trial.sh) as
-- command trials, two at a time, 10 ms per epoch; wall time and epochs from the first trial's
-- start until a report reaches the target loss, read from the stored reports. Prints
-- "kind seed seconds epochs". Run through the hpolua binary:
--   hpolua -e "arg = {'asha', '1'} dofile('bench/schedulers_wall.lua')"
local core = require('hpo.core')
local util = require('hpo._util')
local kind, seed = arg[1], tonumber(arg[2])
local here = (debug.getinfo(1, 'S').source:match('^@(.*)/[^/]*$')) or 'bench'
local root = here:sub(1, 1) == '/' and here or (core.cwd() .. '/' .. here)
local dir = os.tmpname()
os.remove(dir)
assert(core.mkdir_p(dir))
local schedulers = {
  fifo = 'hpo.fifo()',
  median = 'hpo.median({ startup = 5, warmup = 3 })',
  asha = 'hpo.asha({ min = 1, max = 27, eta = 3 })',
  ['asha-promote'] = "hpo.asha({ min = 1, max = 27, eta = 3, mode = 'promote' })",
  hyperband = 'hpo.hyperband({ min = 1, max = 27, eta = 3 })',
  bohb = ('hpo.bohb({ min = 1, max = 27, eta = 3, seed = %d })'):format(seed),
}
local f = assert(io.open(dir .. '/study.lua', 'w'))
f:write(([[
local hpo = require('hpo')
return hpo.study({
  name = 'lc', space = { lr = hpo.loguniform(1e-5, 1e-1), width = hpo.int(16, 512) },
  run = { 'sh', %q, '{lr}', '{width}' }, metric = 'loss', parallel = 2, trials = 400,
  max_failures = 2, scheduler = %s,
  sampler = %s,
})]]):format(root .. '/lc_trial.sh', assert(schedulers[kind], 'unknown ' .. kind),
  kind == 'bohb' and 'nil' or ('hpo.random({ seed = %d })'):format(seed)))
f:close()
os.execute(('%q %q --quiet >/dev/null 2>&1'):format(core.exepath(), dir .. '/study.lua'))
local store = assert(core.open_store(dir .. '/lc.db', true))
local study = assert(store:studies())[1]
local t0 = math.huge
for _, t in ipairs(assert(store:trials(study.id))) do
  t0 = math.min(t0, t.started or math.huge)
end
local reports = assert(store:reports(study.id))
table.sort(reports, function(a, b)
  return a.time < b.time
end)
local epochs, hit = 0, nil
for _, r in ipairs(reports) do
  epochs = epochs + 1
  local m = util.json_decode(r.metrics)
  if m.loss <= 0.12 then
    hit = r.time
    break
  end
end
store:close()
os.execute(('rm -rf %q'):format(dir))
print(kind, seed, hit and ('%.2f'):format(hit - t0) or 'inf', hit and epochs or 'inf')
