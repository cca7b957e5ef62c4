"""Tabulate an RBF SVM's 3-fold cross-validated error on digits, wine and breast cancer over a
15 x 15 grid of log10(C) in [-3, 4] and log10(gamma) in [-5, 2] (features standardised), for
the scikit-learn task family of bench/warm. Writes bench/data/svm_<dataset>.json.
usage: /usr/bin/python3 bench/svm_table.py"""
import json
import os

import numpy as np
from sklearn import datasets
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

N = 15
LOG_C = np.linspace(-3, 4, N)
LOG_G = np.linspace(-5, 2, N)
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'data')
for name in ('digits', 'wine', 'breast_cancer'):
    x, y = getattr(datasets, 'load_' + name)(return_X_y=True)
    err = []
    for lc in LOG_C:
        row = []
        for lg in LOG_G:
            model = make_pipeline(StandardScaler(), SVC(C=10 ** lc, gamma=10 ** lg))
            row.append(round(1 - cross_val_score(model, x, y, cv=3).mean(), 6))
        err.append(row)
    with open(os.path.join(out, 'svm_%s.json' % name), 'w') as f:
        json.dump({'log_c': LOG_C.tolist(), 'log_gamma': LOG_G.tolist(), 'error': err}, f)
    print(name, 'best error', min(min(r) for r in err))
