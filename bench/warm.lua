-- bench/warm: warm start from sibling tasks (issue #10). The task family: a target and three
-- siblings of Branin (2-d), Hartmann6 (6-d) or Rosenbrock (4-d on [-2, 2]^4: values from 0 to
-- about 3000, the heavy-tailed kind a warp is for). A sibling k (xoshiro seed 100 + k) moves the
-- optimum by a shift d ~ U(-0.05, 0.05) per coordinate of the unit cube (U(-0.01, 0.01) for
-- the closer "-near" families) and rescales and offsets the objective (a ~ U(0.5, 2),
-- b ~ U(-1, 1)): f_k(u) = a f(u - d) + b. Each sibling
-- was tuned by an earlier study of 100 TPE trials (SOURCES=same in the environment: of 100
-- trials of the sampler under test, seed 1000 + k, as a user who tunes every task with one
-- sampler would have them). The target (d = 0, a = 1, b = 0) runs
-- cold, warm (from the three siblings) or adversarial (from siblings with negated objectives).
-- The scikit-learn family (below) tunes one model on three datasets.
-- Prints "problem seed r10 r20 r50 r100": the regret of the best trial after 10, 20, 50, 100
-- trials.
-- usage: lua5.4 bench/warm.lua SAMPLER MODE SEEDS   (tpe | cmaes | gp; cold | warm | adversarial)
-- STARTUP=n in the environment sets TPE's or GP's startup (default 10); PROBLEMS=a,b runs
-- only the named problems; SEED0=k runs seeds k + 1 to k + SEEDS (another set of seeds).
-- FAMILIES=vary: every seed s draws its own family (sibling k from seed 100 + k + 1000 s,
-- its earlier study seed 1000 + k + 1000 s), so the medians are over families too, not
-- over the runs of one; the scikit-learn family varies its earlier studies' seeds.
local hpo = require('hpo')
local f = hpo.functions
local kind, mode, seeds = arg[1], arg[2], tonumber(arg[3])

-- The scikit-learn family: an RBF SVM's cross-validated error, tabulated by
-- bench/svm_table.py over a 15 x 15 grid of (log C, log gamma), on wine (the target) with
-- digits and breast cancer as the earlier studies.
local cjson = require('cjson')
local here = arg[0]:match('^(.*)/[^/]*$') or '.'
local function svm(name)
  local fh = assert(io.open(('%s/data/svm_%s.json'):format(here, name)))
  local t = cjson.decode(fh:read('a'))
  fh:close()
  local best = math.huge
  for _, row in ipairs(t.error) do
    for _, e in ipairs(row) do
      best = math.min(best, e)
    end
  end
  return function(p)
    return t.error[p.c + 1][p.g + 1]
  end, best
end
local wine, wine_best = svm('wine')

local function branin(u)
  return f.branin(-5 + 15 * u[1], 15 * u[2])
end
local function rosenbrock4(u)
  local x = {}
  for i = 1, 4 do
    x[i] = -2 + 4 * u[i]
  end
  return f.rosenbrock(x)
end
local problems = {
  { name = 'branin', dim = 2, min = f.branin_min, f = branin },
  { name = 'hartmann6', dim = 6, min = f.hartmann6_min, f = f.hartmann6 },
  { name = 'rosenbrock4', dim = 4, min = 0, f = rosenbrock4 },
  { name = 'branin-near', dim = 2, shift = 0.01, min = f.branin_min, f = branin },
  { name = 'hartmann6-near', dim = 6, shift = 0.01, min = f.hartmann6_min, f = f.hartmann6 },
  { name = 'svm-wine', min = wine_best, target = wine, siblings = { svm('digits'),
    (svm('breast_cancer')) }, space = { c = hpo.int(0, 14), g = hpo.int(0, 14) } },
}

local function space(dim)
  local s = {}
  for i = 1, dim do
    s[('x%d'):format(i)] = hpo.uniform(0, 1)
  end
  return s
end

local function objective(p, dim, d, a, b)
  local u = {}
  return function(params)
    for i = 1, dim do
      u[i] = math.min(1, math.max(0, params[('x%d'):format(i)] - (d[i] or 0)))
    end
    return a * p.f(u) + b
  end
end

local startup = tonumber(os.getenv('STARTUP'))
local function sampler(seed)
  if kind == 'gp' then
    return hpo.gp({ seed = seed, startup = startup })
  end
  if kind == 'cmaes' then
    return hpo.cmaes({ seed = seed })
  end
  return hpo.tpe({ seed = seed, startup = startup })
end

local dir = os.tmpname()
os.remove(dir)
-- The earlier studies' objectives: the recipe's shifted and rescaled siblings, or the
-- problem's own; negated for the adversarial mode.
local function siblings(p, fam)
  local out = {}
  for k = 1, p.siblings and #p.siblings or 3 do
    local fn = p.siblings and p.siblings[k]
    if not fn then
      local rng = hpo.core.rng(100 + k + 1000 * fam)
      local d = {}
      for i = 1, p.dim do
        local h = p.shift or 0.05
        d[i] = -h + 2 * h * rng:uniform()
      end
      fn = objective(p, p.dim, d, 0.5 + 1.5 * rng:uniform(), -1 + 2 * rng:uniform())
    end
    out[k] = mode == 'adversarial' and function(params)
      return -fn(params)
    end or fn
  end
  return out
end

local function remove(path)
  for _, ext in ipairs({ '', '-wal', '-shm' }) do
    os.remove(path .. ext)
  end
end

-- The earlier studies of family fam (0: the fixed one), as storage files.
local function earlier_studies(p, sp, fam)
  local sources = {}
  for k, fn in ipairs(mode ~= 'cold' and siblings(p, fam) or {}) do
    local path = ('%s-%s-%d.db'):format(dir, p.name, k)
    local seed = 1000 + k + 1000 * fam
    remove(path)
    local earlier = os.getenv('SOURCES') == 'same' and sampler(seed) or hpo.tpe({ seed = seed })
    hpo.study({ name = p.name, space = sp, objective = fn, trials = 100, sampler = earlier })
      :optimize({ quiet = true, storage = path })
    sources[k] = path
  end
  return sources
end

local only, vary = os.getenv('PROBLEMS'), os.getenv('FAMILIES') == 'vary'
for _, p in ipairs(problems) do
  if only and not (',' .. only .. ','):find(',' .. p.name .. ',', 1, true) then
    goto next
  end
  local sp = p.space or space(p.dim)
  local sources = vary and {} or earlier_studies(p, sp, 0)
  local seed0 = tonumber(os.getenv('SEED0')) or 0
  for seed = seed0 + 1, seed0 + seeds do
    if vary then
      sources = earlier_studies(p, sp, seed)
    end
    local r = hpo.study({ name = p.name, space = sp,
      objective = p.target or objective(p, p.dim, {}, 1, 0), trials = 100,
      sampler = sampler(seed),
      warm_start = mode ~= 'cold' and sources or nil }):optimize({ quiet = true })
    local best, out = math.huge, {}
    for i, t in ipairs(r.trials) do
      best = math.min(best, t.value or math.huge)
      if i == 10 or i == 20 or i == 50 or i == 100 then
        out[#out + 1] = ('%.6g'):format(best - p.min)
      end
    end
    print(p.name, seed, table.concat(out, ' '))
  end
  for _, path in ipairs(sources) do
    remove(path)
  end
  ::next::
end
