"""Optuna side of bench/loop: a study with a trivial objective, timed end to end."""
import os
import sys
import tempfile
import time
import warnings

import optuna

optuna.logging.set_verbosity(optuna.logging.ERROR)
warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)

def run(trials, sampler_name, storage, seed):
    if sampler_name == "random":
        sampler = optuna.samplers.RandomSampler(seed=seed)
    else:
        sampler = optuna.samplers.QMCSampler(
            seed=seed, qmc_type="sobol", scramble=True, warn_independent_sampling=False
        )
    def objective(t):
        x = t.suggest_float("x", -5, 10)
        y = t.suggest_float("y", 0, 15)
        lr = t.suggest_float("lr", 1e-5, 1e-1, log=True)
        n = t.suggest_int("n", 1, 8)
        c = t.suggest_categorical("c", ["a", "b", "c"])
        return (x - 1) ** 2 + (y - 2) ** 2 + lr + n + (c == "b")
    study = optuna.create_study(sampler=sampler, storage=storage)
    t0 = time.perf_counter()
    study.optimize(objective, n_trials=trials)
    return time.perf_counter() - t0

if __name__ == "__main__":
    trials, sampler_name, kind, seed = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
    storage = None
    if kind == "sqlite":
        path = os.path.join(tempfile.mkdtemp(), "optuna.db")
        storage = "sqlite:///" + path
    print("%.6f" % run(trials, sampler_name, storage, seed))
