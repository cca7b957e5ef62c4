"""The benchmark functions of REFERENCE.md section 5, as in lua/hpo/functions.lua."""
import math

BRANIN_MIN = 0.397887357730
HARTMANN6_MIN = -3.32237

H6_A = [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14],
        [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]]
H6_P = [[1312, 1696, 5569, 124, 8283, 5886], [2329, 4135, 8307, 3736, 1004, 9991],
        [2348, 1451, 3522, 2883, 3047, 6650], [4047, 8828, 8732, 5743, 1091, 381]]
H_ALPHA = [1.0, 1.2, 3.0, 3.2]


def branin(x, y):
    b, c, t = 5.1 / (4 * math.pi ** 2), 5 / math.pi, 1 / (8 * math.pi)
    return (y - b * x ** 2 + c * x - 6) ** 2 + 10 * (1 - t) * math.cos(x) + 10


def hartmann6(x):
    f = 0.0
    for i in range(4):
        s = sum(H6_A[i][j] * (x[j] - 1e-4 * H6_P[i][j]) ** 2 for j in range(6))
        f -= H_ALPHA[i] * math.exp(-s)
    return f


def rosenbrock(x):
    return sum(100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2 for i in range(len(x) - 1))


def ackley(x):
    d = len(x)
    s1 = sum(v * v for v in x)
    s2 = sum(math.cos(2 * math.pi * v) for v in x)
    return -20 * math.exp(-0.2 * math.sqrt(s1 / d)) - math.exp(s2 / d) + 20 + math.e


# name -> (dimension names with bounds, function of a params dict, known minimum)
PROBLEMS = {
    "branin": ([("x", -5, 10), ("y", 0, 15)], lambda p: branin(p["x"], p["y"]), BRANIN_MIN),
    "hartmann6": ([("x%d" % i, 0, 1) for i in range(6)],
                  lambda p: hartmann6([p["x%d" % i] for i in range(6)]), HARTMANN6_MIN),
    "rosenbrock5": ([("x%d" % i, -5, 10) for i in range(5)],
                    lambda p: rosenbrock([p["x%d" % i] for i in range(5)]), 0.0),
    "ackley5": ([("x%d" % i, -10, 30) for i in range(5)],
                lambda p: ackley([p["x%d" % i] for i in range(5)]), 0.0),
}
