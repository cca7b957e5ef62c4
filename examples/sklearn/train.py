"""Train a small MLP on one of scikit-learn's bundled data sets and report to hpolua.

    python3 train.py --lr 0.01 --alpha 1e-4 --hidden 64 [--data digits] [--epochs 15]

--data: digits (the default), wine or breast_cancer.

Reports {"epoch", "val_loss", "val_accuracy"} after every epoch on the report pipe; run by
hand (outside hpolua) it prints nothing there and still trains.
"""
import argparse
import os
import sys
import warnings

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
import hpo_report  # noqa: E402

from sklearn import datasets  # noqa: E402
from sklearn.metrics import log_loss  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.neural_network import MLPClassifier  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lr", type=float, required=True)
    ap.add_argument("--alpha", type=float, required=True)
    ap.add_argument("--hidden", type=int, required=True)
    ap.add_argument("--epochs", type=int, default=15)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--data", choices=["digits", "wine", "breast_cancer"], default="digits")
    args = ap.parse_args()

    x, y = getattr(datasets, "load_" + args.data)(return_X_y=True)
    x_train, x_val, y_train, y_val = train_test_split(
        x, y, test_size=0.3, random_state=args.seed, stratify=y
    )
    scaler = StandardScaler().fit(x_train)
    x_train, x_val = scaler.transform(x_train), scaler.transform(x_val)

    model = MLPClassifier(
        hidden_layer_sizes=(args.hidden,),
        learning_rate_init=args.lr,
        alpha=args.alpha,
        random_state=args.seed,
    )
    classes = sorted(set(y))
    warnings.filterwarnings("ignore")
    for epoch in range(1, args.epochs + 1):
        model.partial_fit(x_train, y_train, classes=classes)
        proba = model.predict_proba(x_val)
        hpo_report.report(
            epoch=epoch,
            val_loss=float(log_loss(y_val, proba, labels=classes)),
            val_accuracy=float(model.score(x_val, y_val)),
        )


if __name__ == "__main__":
    main()
