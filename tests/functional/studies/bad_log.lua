return hpo.study({
  space = {
    lr = hpo.loguniform(0, 1),
  },
  objective = function(p) return p.lr end,
})
