local hpo = require('hpo')
local scale = 2
return hpo.study({
  space = { x = hpo.uniform(0, 1) },
  objective = function(p) return p.x * scale end,
  trials = sacle,
})
