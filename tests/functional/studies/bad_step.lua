return hpo.study({
  space = {
    units = hpo.int(16, 100, { step = 16 }),
  },
  objective = function() return 0 end,
})
