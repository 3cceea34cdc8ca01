"""The initial design's own worth, in expectation: the best of its first k points (k = 1 to 5), the Latin hypercube
that ``ei`` and the general policy make from random search's first points against those points themselves.

    python benchmarks/early_phase/design_draws.py --suites synthetic/mixed,prior/gp --split train [--seeds 200]

No method decides anything here: for each task and seed it evaluates random search's first 5 points of that seed
(``initial_design``) and the coupled Latin design made from them (``latin_design`` with ``latin_rng``), as
``ei`` and ``ppo`` draw it, and reports, per k, the mean over tasks of (Latin minus uniform) normalized regret of the
best of the first k points (normalized per task by the lowest and highest score among 512 uniform points and the
points evaluated), with how many tasks are higher and lower and a two-sided Wilcoxon test over tasks. A benchmark
column's mean at evaluations 2 to 5 rests on 10 seeds' draws; these rest on ``--seeds`` per task, so they say
whether the design is worse than random search's points or only drew worse in one study. Train and validation
splits only. ``--plugins`` imports modules first, as ``rl-hpo bench --plugins`` does, for a study's own task family:

    PYTHONPATH=benchmarks/space_kinds python benchmarks/early_phase/design_draws.py --plugins space_kinds \
        --suites kinds/conditional --split train
"""

from __future__ import annotations

import argparse

import numpy as np
from scipy.stats import wilcoxon

from rl_hpo.baselines.initial_design import initial_design, latin_design, latin_rng
from rl_hpo.bench.executors import import_plugin
from rl_hpo.tasks import load_task
from rl_hpo.tasks.registry import load_suite

N_DESIGN = 5
N_REFERENCE = 512


def design_regrets(name: str, seeds: int) -> tuple[np.ndarray, np.ndarray]:
    """Normalized regret of the best of the first k design points, k = 1..5, shape (seeds, 5): uniform, Latin."""
    task = load_task(name)
    dim = task.space.dim
    uniform = np.stack([initial_design(task.space, N_DESIGN, seed) for seed in range(seeds)])
    latin = np.stack([latin_design(uniform[seed].copy(), latin_rng(seed)) for seed in range(seeds)])
    reference = task.evaluate_unit(np.random.default_rng(12345).random((N_REFERENCE, dim)))[0]
    scores = [task.evaluate_unit(points.reshape(-1, dim))[0].reshape(seeds, N_DESIGN) for points in (uniform, latin)]
    finite = np.concatenate([s[np.isfinite(s)] for s in (reference, *scores)])
    low, high = finite.min(), finite.max()
    if high == low:
        return np.zeros((seeds, N_DESIGN)), np.zeros((seeds, N_DESIGN))
    best = [np.maximum.accumulate(np.where(np.isfinite(s), s, low), axis=1) for s in scores]
    return (high - best[0]) / (high - low), (high - best[1]) / (high - low)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suites", required=True, help="comma-separated suites")
    parser.add_argument("--split", default="train", choices=("train", "validation"))
    parser.add_argument("--seeds", type=int, default=200)
    parser.add_argument("--max-tasks", type=int, default=None, help="at most this many tasks per suite")
    parser.add_argument("--plugins", default="", help="comma-separated modules to import first (a task family)")
    args = parser.parse_args()
    for module in filter(None, (m.strip() for m in args.plugins.split(","))):
        import_plugin(module)
    for suite in args.suites.split(","):
        names = load_suite(suite).task_names(args.split)[: args.max_tasks]
        per_task = []  # per task: mean over seeds of Latin minus uniform, k = 1..5
        for name in names:
            uniform, latin = design_regrets(name, args.seeds)
            per_task.append((latin - uniform).mean(axis=0))
        per_task = np.array(per_task)
        print(
            f"{suite} {args.split}: {len(names)} tasks x {args.seeds} seeds; Latin minus uniform, best of the first k"
        )
        for k in range(N_DESIGN):
            diff = per_task[:, k]
            nonzero = diff[diff != 0]
            p = wilcoxon(nonzero).pvalue if nonzero.size else 1.0
            print(
                f"  k={k + 1}: {diff.mean():+.4f}  tasks higher {int((diff > 0).sum())}, lower {int((diff < 0).sum())}"
                f"  (Wilcoxon over tasks p {p:.2g})",
                flush=True,
            )


if __name__ == "__main__":
    main()
