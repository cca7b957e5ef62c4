-- bench/pool's study: a trivial trial program that reports one value, two at a time.
return hpo.study({
  name = 'pool-bench',
  space = { x = hpo.uniform(0, 1) },
  run = { 'sh', '-c', 'echo "{\\"value\\": $1}" >&3', 'sh', '{x}' },
  parallel = 2,
  trials = 2000,
  sampler = hpo.random({ seed = 1 }),
})
