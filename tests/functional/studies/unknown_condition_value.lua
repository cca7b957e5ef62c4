return hpo.study({
  space = {
    optimizer = hpo.choice({ 'adam', 'sgd' }),
    momentum = hpo.uniform(0.5, 0.99):when('optimizer', 'rmsprop'),
  },
  objective = function() return 0 end,
})
