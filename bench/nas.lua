-- bench/nas: a NAS-like discrete benchmark. 6 edges, 5 operations each (15625 cells). The
-- score of a cell is sum_e w[e][op_e] + sum_e v[e][op_e][op_{e+1}] (interactions between
-- neighbouring edges) + N(0, 0.02) noise, with w ~ U[0, 1] and v ~ U[0, 0.5] drawn from
-- xoshiro seed 12345; it is maximised. Prints "sampler seed r100 r300 r1000": the regret
-- (best noiseless score - the best noiseless score found so far) after 100, 300, 1000 trials
-- (the first column names the problem).
-- usage: lua5.4 bench/nas.lua SAMPLER SEEDS   (reinforce | tpe | random | evolution)
local hpo = require('hpo')
local kind, seeds = arg[1], tonumber(arg[2])
local E, K = 6, 5

local rng = hpo.core.rng(12345)
local w, v = {}, {}
for e = 1, E do
  w[e], v[e] = {}, {}
  for a = 1, K do
    w[e][a] = rng:uniform()
    v[e][a] = {}
    for b = 1, K do
      v[e][a][b] = 0.5 * rng:uniform()
    end
  end
end
local function score(ops)
  local s = 0
  for e = 1, E do
    s = s + w[e][ops[e]]
    if e < E then
      s = s + v[e][ops[e]][ops[e + 1]]
    end
  end
  return s
end
-- The best cell, by brute force.
local best = -math.huge
local ops = {}
local function walk(e)
  if e > E then
    best = math.max(best, score(ops))
    return
  end
  for a = 1, K do
    ops[e] = a
    walk(e + 1)
  end
end
walk(1)

local OPS = { 'conv3', 'conv5', 'pool', 'skip', 'none' }
local index = {}
for i, o in ipairs(OPS) do
  index[o] = i
end

-- Regularised evolution (Real et al. 2019), as a sampler written in Lua: a population of
-- the last 20 trials; a new cell mutates one edge of the best of 5 drawn at random.
local function evolution(seed)
  local r = hpo.core.rng(seed)
  return {
    name = 'evolution',
    ask = function(_, study)
      local h = study.history
      local params = {}
      if #h < 20 then
        for e = 1, E do
          params['e' .. e] = OPS[r:below(K) + 1]
        end
        return params
      end
      local parent
      for _ = 1, 5 do
        local t = h[#h - r:below(20)]
        if not parent or (t.value or -math.huge) > (parent.value or -math.huge) then
          parent = t
        end
      end
      for k, o in pairs(parent.params) do
        params[k] = o
      end
      params['e' .. (r:below(E) + 1)] = OPS[r:below(K) + 1]
      return params
    end,
  }
end

for seed = 1, seeds do
  local space = {}
  for e = 1, E do
    space['e' .. e] = hpo.choice(OPS)
  end
  local sampler = kind == 'evolution' and evolution(seed) or hpo[kind]({ seed = seed })
  local noise = hpo.core.rng(1000 + seed)
  local study = hpo.study({
    space = space, direction = 'maximize', trials = 1000, sampler = sampler,
    objective = function(p)
      local o = {}
      for e = 1, E do
        o[e] = index[p['e' .. e]]
      end
      return { score = score(o) + 0.02 * noise:normal(), clean = score(o) }
    end,
    metric = 'score',
  })
  local r = study:optimize({ quiet = true })
  local found, out = -math.huge, {}
  for i, t in ipairs(r.trials) do
    found = math.max(found, t.metrics.clean)
    if i == 100 or i == 300 or i == 1000 then
      out[#out + 1] = ('%.6g'):format(best - found)
    end
  end
  print('nas-6x5', seed, table.concat(out, ' '))
end
