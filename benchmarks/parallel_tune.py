"""Wall time of ``rl_hpo.tune(..., workers=W)`` on a live scikit-learn objective, against the same trials one at a time.

Tunes a random forest's 3-fold cross-validated accuracy on scikit-learn's digits (one thread per fit). For each
number of workers W, the method is asked W trials per round either way, so both runs evaluate the same trials: once
with W worker processes (``workers=W``) and once one after another in this process (``optimize(..., batch=W)``). It
prints both wall times, the objective's time summed over trials in each, and the speed-up. A round lasts as long as
its slowest trial, so the speed-up stays below W, and beyond the number of cores it is the cores that count.

Usage::

    nice python benchmarks/parallel_tune.py [--workers 2,4] [--budget 16] [--method ei] [--seed 0]
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

from sklearn.datasets import load_digits
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import cross_val_score

import rl_hpo
from rl_hpo.tasks.base import FunctionTask

SPACE = {
    "n_estimators": rl_hpo.Int(10, 100, log=True),
    "max_depth": rl_hpo.Int(2, 32, log=True),
    "max_features": rl_hpo.Float(0.05, 1.0, log=True),
}


def accuracy(config: dict) -> float:
    X, y = load_digits(return_X_y=True)
    return float(cross_val_score(RandomForestClassifier(random_state=0, n_jobs=1, **config), X, y, cv=3).mean())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", default="2,4", help="numbers of workers to time, comma-separated")
    parser.add_argument("--budget", type=int, default=16)
    parser.add_argument("--method", default="ei")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    counts = [int(w) for w in args.workers.split(",")]
    print(f"{os.cpu_count()} CPUs; {args.method}, budget {args.budget}, seed {args.seed}")
    print("| workers | wall s, one at a time | wall s, in workers | objective s (sum), one at a time / in workers "
          "| best accuracy | speed-up |")  # fmt: skip
    print("|---|---|---|---|---|---|")
    space = rl_hpo.SearchSpace(SPACE)
    for workers in counts:
        runs, walls = [], []
        for evaluating in (1, workers):
            optimizer = rl_hpo.make_optimizer(args.method, space, seed=args.seed)
            start = time.perf_counter()
            runs.append(
                optimizer.optimize(FunctionTask(accuracy, space), args.budget, batch=workers, workers=evaluating)
            )
            walls.append(time.perf_counter() - start)
        same = [r.config for r in runs[0].records] == [r.config for r in runs[1].records]
        assert same, "the two runs evaluated different trials"
        spent = " / ".join(f"{sum(r.cost for r in run.records):.1f}" for run in runs)
        print(
            f"| {workers} | {walls[0]:.1f} | {walls[1]:.1f} | {spent} | {runs[1].best_score:.4f} "
            f"| {walls[0] / walls[1]:.2f} |"
        )


if __name__ == "__main__":
    main()
