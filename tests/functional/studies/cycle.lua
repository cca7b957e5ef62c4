return hpo.study({
  space = {
    a = hpo.choice({ 1, 2 }):when('b', 1),
    b = hpo.choice({ 1, 2 }):when('a', 2),
  },
  objective = function() return 0 end,
})
