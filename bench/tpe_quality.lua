-- hpolua side of bench/tpe_quality: best-so-far regret after 25, 50 and 100 trials of
-- hpo.tpe() with its defaults, one line per seed: "problem seed r25 r50 r100".
-- usage: lua5.4 bench/tpe_quality.lua PROBLEM SEEDS [univariate]
-- For experiments, TPE_CANDIDATES, TPE_GAMMA, TPE_PRIOR, TPE_SHARE (0: off) and
-- TPE_BANDWIDTH override those options.
local hpo = require('hpo')
local problems = dofile(arg[0]:gsub('tpe_quality%.lua$', 'problems.lua'))
local name, seeds = arg[1], tonumber(arg[2])
local prob = assert(problems[name], 'unknown problem ' .. name)
for seed = 1, seeds do
  local space = {}
  for _, d in ipairs(prob.dims) do
    space[d[1]] = hpo.uniform(d[2], d[3])
  end
  local r = hpo.study({ space = space, objective = prob.f, trials = 100,
    sampler = hpo.tpe({ seed = seed, multivariate = arg[3] ~= 'univariate',
      candidates = tonumber(os.getenv('TPE_CANDIDATES') or '24'),
      gamma = os.getenv('TPE_GAMMA') or 'optuna',
      prior_weight = tonumber(os.getenv('TPE_PRIOR') or '1'),
      prior_share = os.getenv('TPE_SHARE') ~= '0',
      bandwidth = os.getenv('TPE_BANDWIDTH') or 'gap' }) })
    :optimize({ quiet = true })
  local best, out = math.huge, {}
  for i, t in ipairs(r.trials) do
    best = math.min(best, t.value)
    if i == 25 or i == 50 or i == 100 then
      out[#out + 1] = ('%.6g'):format(best - prob.min)
    end
  end
  print(name, seed, table.concat(out, ' '))
end
