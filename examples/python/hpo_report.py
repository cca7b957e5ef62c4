"""Report to hpolua from a Python trial program; no dependencies beyond the standard library.

    import hpo_report
    params = hpo_report.params()          # {"lr": 0.01, "hidden": 128}
    for epoch in range(10):
        hpo_report.report(epoch=epoch, val_loss=train_one_epoch(params))

Each call writes one JSON line to the report pipe (the file descriptor in HPO_REPORT_FD).
Outside hpolua the reports go nowhere and params() is empty, so the program also runs by hand.
Copy this file next to your training script.
"""
import json
import os

_pipe = None


def _output():
    global _pipe
    if _pipe is None:
        fd = os.environ.get("HPO_REPORT_FD")
        _pipe = os.fdopen(int(fd), "w", buffering=1, closefd=False) if fd else False
    return _pipe


def params():
    """The trial's parameters (HPO_PARAMS), as a dict."""
    return json.loads(os.environ.get("HPO_PARAMS", "{}"))


def trial_dir():
    """The trial's own directory (logs), or None outside hpolua."""
    return os.environ.get("HPO_TRIAL_DIR")


def checkpoint_dir():
    """A directory for the trial's checkpoints (created on first use), or None outside hpolua."""
    path = os.environ.get("HPO_CHECKPOINT_DIR")
    if path:
        os.makedirs(path, exist_ok=True)
    return path


def report(**metrics):
    """Report intermediate metrics, e.g. report(epoch=3, val_loss=0.41)."""
    out = _output()
    if out:
        out.write(json.dumps(metrics) + "\n")


def final(**metrics):
    """Report the final metrics: their objective metric is the trial's value."""
    report(final=True, **metrics)
