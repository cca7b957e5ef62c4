"""Optuna side of bench/cmaes: milliseconds per ask + tell of CmaEsSampler (5-D, trials
1000 to 1100 of a sphere study, in-memory storage). usage: cmaes_ask_optuna.py SEED"""
import sys
import time
import warnings

import optuna
from optuna.distributions import FloatDistribution

optuna.logging.set_verbosity(optuna.logging.ERROR)
warnings.filterwarnings("ignore")
dists = {"x%d" % i: FloatDistribution(-5, 5) for i in range(1, 6)}
study = optuna.create_study(sampler=optuna.samplers.CmaEsSampler(seed=int(sys.argv[1])))


def one():
    t = study.ask(dists)
    study.tell(t, sum(v * v for v in t.params.values()))


for _ in range(1000):
    one()
t0 = time.perf_counter()
for _ in range(100):
    one()
print("%.6f" % ((time.perf_counter() - t0) / 100 * 1000))
