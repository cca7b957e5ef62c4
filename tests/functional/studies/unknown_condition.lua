return hpo.study({
  space = {
    optimizer = hpo.choice({ 'adam', 'sgd' }),
    momentum = hpo.uniform(0.5, 0.99):when('optimiser', 'sgd'),
  },
  objective = function() return 0 end,
})
