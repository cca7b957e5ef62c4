function objective(p)
  return p.x
end
return hpo.study({ space = { x = hpo.uniform(0, 1) }, objective = objective })
