"""Optuna's side of bench/nsga2_overhead.lua: NSGAIISampler (defaults) on ZDT1 (n = 30) in
memory; the mean gap between objective calls over trials N + 1 .. N + 200, in ms.

usage: python3 nsga2_overhead_optuna.py 10000
"""
import math
import sys
import time

import optuna

n = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
optuna.logging.set_verbosity(optuna.logging.WARNING)
times = []


def objective(trial):
    times.append(time.perf_counter())
    x = [trial.suggest_float('x%02d' % i, 0, 1) for i in range(30)]
    g = 1 + 9 * sum(x[1:]) / 29
    return x[0], g * (1 - math.sqrt(x[0] / g))


study = optuna.create_study(directions=['minimize', 'minimize'],
                            sampler=optuna.samplers.NSGAIISampler(seed=1))
study.optimize(objective, n_trials=n + 201)
print('optuna nsga2: %.3f ms per trial at %d trials' % ((times[n + 200] - times[n]) / 200 * 1e3, n))
