"""The cmaes package's side of bench/cmaes: evaluations until f < 1e-8 (x0 ~ U[-4, 4]^n,
sigma0 = 2), one line per seed: "problem seed evals" (-1 when the budget ran out).
usage: cmaes_evals_peer.py PROBLEM SEEDS"""
import sys

import numpy as np
from cmaes import CMA

n = 10


def ellipsoid(x):
    return float(sum(10 ** (6 * i / (n - 1)) * x[i] ** 2 for i in range(n)))


PROBLEMS = {
    "sphere": lambda x: float(np.sum(x ** 2)),
    "ellipsoid": ellipsoid,
    "rosenbrock": lambda x: float(sum(100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2
                                      for i in range(n - 1))),
}
name, seeds = sys.argv[1], int(sys.argv[2])
f = PROBLEMS[name]
for seed in range(1, seeds + 1):
    rng = np.random.default_rng(1000 + seed)
    opt = CMA(mean=rng.uniform(-4, 4, n), sigma=2.0, seed=seed)
    evals, reached = 0, -1
    while evals < 100000 and reached < 0:
        sols = []
        for _ in range(opt.population_size):
            x = opt.ask()
            v = f(x)
            evals += 1
            if v < 1e-8 and reached < 0:
                reached = evals
            sols.append((x, v))
        opt.tell(sols)
    print(name, seed, reached)
