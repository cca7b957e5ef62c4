-- hpo.gp() given known-good configurations: cold GP on Branin (unit cube) with five
-- enqueued points clustered near one optimum (regret 0.004 to 0.1), against none. Prints the
-- median [quartiles] of the best-so-far regret after 20, 40 and 60 trials over SEEDS seeds.
-- usage: lua5.4 bench/gp_enqueue.lua [SEEDS]   (default 20)
local hpo = require('hpo')
local f = hpo.functions
local seeds = tonumber(arg[1]) or 20
local space = { x1 = hpo.uniform(0, 1), x2 = hpo.uniform(0, 1) }
local function objective(p)
  return f.branin(-5 + 15 * p.x1, 15 * p.x2)
end
local near = { { 0.960, 0.161 }, { 0.958, 0.173 }, { 0.965, 0.173 }, { 0.969, 0.185 },
  { 0.954, 0.160 } }
local enqueue = {}
for i, u in ipairs(near) do
  enqueue[i] = { x1 = u[1], x2 = u[2] }
end
local at = { 20, 40, 60 }
for _, mode in ipairs({ 'none', 'enqueued' }) do
  local res = { {}, {}, {} }
  for seed = 1, seeds do
    local r = hpo.study({ space = space, objective = objective, trials = 60,
      enqueue = mode == 'enqueued' and enqueue or nil,
      sampler = hpo.gp({ seed = seed }) }):optimize({ quiet = true })
    local best = math.huge
    for i, t in ipairs(r.trials) do
      best = math.min(best, t.value)
      for k, n in ipairs(at) do
        if i == n then
          table.insert(res[k], best - f.branin_min)
        end
      end
    end
  end
  local out = {}
  for k, n in ipairs(at) do
    local v = res[k]
    table.sort(v)
    out[k] = ('@%d %.2g [%.2g, %.2g]'):format(n, v[(#v + 1) // 2], v[#v // 4 + 1],
      v[(3 * #v) // 4])
  end
  print(('%-9s %s'):format(mode, table.concat(out, '  ')))
end
