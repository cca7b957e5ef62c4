local hpo = require('hpo')
return hpo.study({
  space = {
    lr = hpo.uniform(0.1, 0.01),
  },
  objective = function(p) return p.lr end,
})
