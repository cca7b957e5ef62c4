return hpo.study({
  space = { x = hpo.uniform(0, 1) },
  objective = function(p) return p.x end,
  trials = '10',
})
