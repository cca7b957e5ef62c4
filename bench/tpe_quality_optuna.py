"""Optuna side of bench/tpe_quality: best-so-far regret after 25, 50 and 100 trials of
TPESampler, one line per seed: "problem seed r25 r50 r100".
usage: tpe_quality_optuna.py PROBLEM SEEDS [multivariate]"""
import sys
import warnings

import optuna

from functions import PROBLEMS

optuna.logging.set_verbosity(optuna.logging.ERROR)
warnings.filterwarnings("ignore")

name, seeds = sys.argv[1], int(sys.argv[2])
multivariate = len(sys.argv) > 3 and sys.argv[3] == "multivariate"
dims, f, fmin = PROBLEMS[name]
for seed in range(1, seeds + 1):
    study = optuna.create_study(
        sampler=optuna.samplers.TPESampler(seed=seed, multivariate=multivariate))
    study.optimize(lambda t: f({n: t.suggest_float(n, lo, hi) for n, lo, hi in dims}),
                   n_trials=100)
    best, out = float("inf"), []
    for i, t in enumerate(study.trials, 1):
        best = min(best, t.value)
        if i in (25, 50, 100):
            out.append("%.6g" % (best - fmin))
    print(name, seed, " ".join(out))
