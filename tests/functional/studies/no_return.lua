local study = hpo.study({ space = { x = hpo.uniform(0, 1) }, objective = function() return 0 end })
