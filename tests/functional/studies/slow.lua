-- A study whose trials take a while, for kill and interrupt tests.
local function busy(seconds)
  local t = os.clock() + seconds
  while os.clock() < t do end
end
return hpo.study({
  name = 'slow',
  space = { x = hpo.uniform(-1, 1), k = hpo.int(1, 5) },
  objective = function(p, trial)
    trial:report(0, p.x)
    busy(0.05)
    return p.x * p.x + p.k
  end,
  trials = 40,
  sampler = hpo.qmc({ seed = 7 }),
})
