"""How deep below the outliers warp's threshold the outliers of real scores lie: for each task of a few suites and
a few seeds, ``n`` uniform random configurations are scored, and every score below ``median - OUTLIER_REACH *
(best - median)`` is measured as ``log1p(distance below that threshold / (best - median))``, the depth that
``SearchSettings.outlier_depth`` caps (``rl_hpo.acquisition.gp._tame_outliers``).

Usage::

    python benchmarks/heavy_tails/outlier_depths.py [--points 50] [--seeds 3] [--max-tasks 16]
"""

from __future__ import annotations

import argparse

import numpy as np

from rl_hpo.acquisition.gp import OUTLIER_REACH
from rl_hpo.tasks.registry import load_suite

#: Suite -> the split measured (iaml_glmnet has only a train split).
SUITES = {
    "yahpo/lcbench": "validation",
    "yahpo/rbv2_xgboost": "validation",
    "yahpo/iaml_glmnet": "train",
    "synthetic/mixed": "validation",
    "prior/gp": "validation",
}


def depths(scores: np.ndarray) -> np.ndarray:
    """The depth of every outlier among ``scores`` (higher is better; failed ones left out)."""
    y = scores[np.isfinite(scores)]
    median = float(np.median(y))
    reach = float(y.max()) - median
    threshold = median - OUTLIER_REACH * reach
    if reach <= 0.0:
        return np.empty(0)
    return np.log1p((threshold - y[y < threshold]) / reach)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=50, help="random configurations per run (default 50)")
    parser.add_argument("--seeds", type=int, default=3, help="runs per task (default 3)")
    parser.add_argument("--max-tasks", type=int, default=16, help="tasks per suite (default 16)")
    parser.add_argument("--suites", default=",".join(SUITES), help="comma-separated suites of SUITES")
    args = parser.parse_args(argv)
    for suite in args.suites.split(","):
        tasks = load_suite(suite).load(SUITES[suite])[: args.max_tasks]
        found, with_outliers = [], 0
        for task in tasks:
            for seed in range(args.seeds):
                u = np.random.default_rng(seed).uniform(size=(args.points, task.space.dim))
                d = depths(np.asarray(task.evaluate_unit(u)[0], dtype=float))
                with_outliers += d.size > 0
                found.extend(d)
        runs = args.seeds * len(tasks)
        at = " / ".join(f"{q:.2f}" for q in np.quantile(found, [0.5, 0.9, 1.0])) if found else "-"
        print(f"{suite} {SUITES[suite]}: {with_outliers} of {runs} runs with outliers, {len(found)} outliers, "
              f"depth median / 90% / max {at}")  # fmt: skip


if __name__ == "__main__":
    main()
