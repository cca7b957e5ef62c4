"""Optuna side of bench/tpe_overhead: milliseconds per ask of TPESampler(multivariate=True)
after N finished trials of a D-dimensional history (bench/tpe_history.csv format).
usage: tpe_overhead_optuna.py HISTORY.csv ASKS"""
import csv
import sys
import time
import warnings

import optuna
from optuna.distributions import FloatDistribution

optuna.logging.set_verbosity(optuna.logging.ERROR)
warnings.filterwarnings("ignore")

rows = list(csv.reader(open(sys.argv[1])))
asks = int(sys.argv[2])
d = len(rows[0]) - 1
dists = {"x%d" % j: FloatDistribution(0, 1) for j in range(d)}
study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=1, multivariate=True))
study.add_trials([
    optuna.trial.create_trial(params={"x%d" % j: float(r[j]) for j in range(d)},
                              distributions=dists, value=float(r[d]))
    for r in rows
])
t0 = time.perf_counter()
for _ in range(asks):
    study.ask(dists)
print("%.6f" % ((time.perf_counter() - t0) / asks * 1000))
