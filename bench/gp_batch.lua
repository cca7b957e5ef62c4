-- Parallel asks of the GP sampler's engine: Q proposals at a time, each asked with the
-- earlier ones of its batch pending (as `parallel = Q` asks with Q - 1 trials running),
-- then all Q told. Best-so-far regret after 40 and 60 trials, one line per seed:
-- "problem seed r40 r60". Q = 1 is the sequential study, for reference.
-- usage: lua5.4 bench/gp_batch.lua PROBLEM SEEDS Q [believer|liar]
local hpo = require('hpo')
local space_mod = require('hpo.space')
local problems = dofile(arg[0]:gsub('gp_batch%.lua$', 'problems.lua'))
local name, seeds, q = arg[1], tonumber(arg[2]), tonumber(arg[3])
local pending = arg[4] or 'believer'
local prob = assert(problems[name], 'unknown problem ' .. name)
local def = {}
for _, d in ipairs(prob.dims) do
  def[d[1]] = hpo.uniform(d[2], d[3])
end
local space = space_mod.new(def)
for seed = 1, seeds do
  local engine = hpo.core.gp(space.core, { seed = seed, pending = pending })
  local best, n, out = math.huge, 0, {}
  while n < 60 do
    local batch = {}
    for i = 1, q do
      batch[i] = engine:ask(#batch > 0 and batch or nil)
    end
    for _, x in ipairs(batch) do
      local v = prob.f(space:decode(x))
      engine:tell(x, v)
      best, n = math.min(best, v), n + 1
      if n == 40 or n == 60 then
        out[#out + 1] = ('%.6g'):format(best - prob.min)
      end
    end
  end
  engine:close()
  print(name, seed, table.concat(out, ' '))
end
