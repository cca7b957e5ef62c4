return hpo.study({
  space = {
    x = hpo.uniform(0, 1),
    y = 5,
  },
  objective = function(p) return p.x end,
})
