"""Peers of bench/nsga2: DEAP's NSGA-II (its documented example: population 100, SBX and
polynomial mutation with eta 20, crossover probability 0.9, mutation 1/n per variable) and
Optuna's NSGAIISampler (its defaults: population 50) on the problems of
bench/mo_problems.lua, in the same units; the hypervolume (DEAP's exact hv module) of all
evaluated points after each budget: "problem seed hv1 hv2 ...", '-' past MAX evaluations.

usage: python3 nsga2_peers.py PROBLEM SEEDS deap|optuna "5000 25000" [MAX]
"""
import math
import random
import sys

from deap.tools._hypervolume import hv


def zdt(n, h):
    def f(x):
        g = 1 + 9 * sum(x[1:]) / (n - 1)
        return (x[0], g * h(x[0] / g, x[0]))
    return n, 2, (1.1, 1.1), f


def dtlz2(x):
    g = sum((v - 0.5) ** 2 for v in x[2:])
    a, b = x[0] * math.pi / 2, x[1] * math.pi / 2
    return ((1 + g) * math.cos(a) * math.cos(b), (1 + g) * math.cos(a) * math.sin(b),
            (1 + g) * math.sin(a))


PROBLEMS = {
    'zdt1': zdt(30, lambda r, f1: 1 - math.sqrt(r)),
    'zdt2': zdt(30, lambda r, f1: 1 - r * r),
    'zdt3': zdt(30, lambda r, f1: 1 - math.sqrt(r) - r * math.sin(10 * math.pi * f1)),
    'dtlz2': (12, 3, (1.1, 1.1, 1.1), dtlz2),
}


def hypervolumes(points, budgets, ref):
    out = []
    for b in budgets:
        if b > len(points):
            out.append('-')
        else:
            out.append('%.6f' % hv.hypervolume([list(p) for p in points[:b]], list(ref)))
    return out


def run_deap(n, m, f, budget, seed):
    from deap import base, creator, tools
    random.seed(seed)
    if not hasattr(creator, 'Fit%d' % m):
        creator.create('Fit%d' % m, base.Fitness, weights=(-1.0,) * m)
        creator.create('Ind%d' % m, list, fitness=getattr(creator, 'Fit%d' % m))
    ind_cls = getattr(creator, 'Ind%d' % m)
    mu, cxpb = 100, 0.9
    evaluated = []

    def evaluate(ind):
        v = f(ind)
        evaluated.append(v)
        return v

    pop = [ind_cls(random.random() for _ in range(n)) for _ in range(mu)]
    for ind in pop:
        ind.fitness.values = evaluate(ind)
    pop = tools.selNSGA2(pop, mu)  # assigns crowding distances
    while len(evaluated) < budget:
        offspring = [ind_cls(i) for i in tools.selTournamentDCD(pop, len(pop))]
        for a, b in zip(offspring[::2], offspring[1::2]):
            if random.random() <= cxpb:
                tools.cxSimulatedBinaryBounded(a, b, eta=20.0, low=0.0, up=1.0)
            tools.mutPolynomialBounded(a, eta=20.0, low=0.0, up=1.0, indpb=1.0 / n)
            tools.mutPolynomialBounded(b, eta=20.0, low=0.0, up=1.0, indpb=1.0 / n)
            del a.fitness.values, b.fitness.values
        for ind in offspring:
            if len(evaluated) >= budget:
                break
            ind.fitness.values = evaluate(ind)
        offspring = [i for i in offspring if i.fitness.valid]
        pop = tools.selNSGA2(pop + offspring, mu)
    return evaluated


def run_optuna(n, m, f, budget, seed):
    import optuna
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(directions=['minimize'] * m,
                                sampler=optuna.samplers.NSGAIISampler(seed=seed))
    evaluated = []

    def objective(trial):
        v = f([trial.suggest_float('x%02d' % i, 0, 1) for i in range(n)])
        evaluated.append(v)
        return v

    study.optimize(objective, n_trials=budget)
    return evaluated


def main():
    name, seeds, which = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    budgets = [int(b) for b in sys.argv[4].split()]
    limit = int(sys.argv[5]) if len(sys.argv) > 5 else max(budgets)
    n, m, ref, f = PROBLEMS[name]
    run = run_deap if which == 'deap' else run_optuna
    for seed in range(1, seeds + 1):
        pts = run(n, m, f, min(max(budgets), limit), seed)
        print(name, seed, ' '.join(hypervolumes(pts, budgets, ref)), flush=True)


if __name__ == '__main__':
    main()
