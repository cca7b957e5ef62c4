"""Optuna side of bench/cmaes: milliseconds per trial of a 1000-trial study (5-D sphere,
in-memory storage) sampled by CmaEsSampler. usage: cmaes_overhead_optuna.py SEED"""
import sys
import time
import warnings

import optuna

optuna.logging.set_verbosity(optuna.logging.ERROR)
warnings.filterwarnings("ignore")
study = optuna.create_study(sampler=optuna.samplers.CmaEsSampler(seed=int(sys.argv[1])))
t0 = time.perf_counter()
study.optimize(lambda t: sum(t.suggest_float("x%d" % i, -5, 5) ** 2 for i in range(1, 6)),
               n_trials=1000)
print("%.6f" % ((time.perf_counter() - t0) / 1000 * 1000))
