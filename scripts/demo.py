"""The README's main job: tune a built-in task and compare methods in one short table.

    make demo                      # set up, then run this
    .venv/bin/python scripts/demo.py --task synthetic/branin/0 --budget 30 --seeds 3

Every method gets the same budget and seeds; the table shows the mean best score and, where the task
knows its score bounds, the mean normalized regret (0 = the best attainable score).
"""

from __future__ import annotations

import argparse
import statistics
import time

import rl_hpo
from rl_hpo.optimizer import optimizer_class

DEFAULT_TASK = "synthetic/branin/0"
DEFAULT_METHODS = ("ppo", "random", "tpe")


def _available(method: str) -> bool:
    try:
        optimizer_class(method)
    except NotImplementedError:
        return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", default=DEFAULT_TASK, help=f"task to tune (default: {DEFAULT_TASK})")
    parser.add_argument("--methods", default=",".join(DEFAULT_METHODS), help="comma-separated methods")
    parser.add_argument("--budget", type=int, default=30, help="evaluations per run (default: 30)")
    parser.add_argument("--seeds", type=int, default=3, help="seeds per method (default: 3)")
    args = parser.parse_args()

    task = rl_hpo.load_task(args.task)
    methods = [m for m in args.methods.split(",") if m]
    missing = [m for m in methods if not _available(m)]
    if missing:
        print(f"(not available in this version, skipped: {', '.join(missing)})")
    methods = [m for m in methods if m not in missing]
    print(f"Tuning {task.name} ({task.space.dim} hyperparameters), budget {args.budget}, {args.seeds} seeds\n")
    print(f"{'method':<10} {'best score (mean)':>18} {'regret (mean)':>14} {'seconds':>8}")
    for method in methods:
        start = time.perf_counter()
        scores = [
            rl_hpo.tune(task, budget=args.budget, method=method, seed=seed).best_score for seed in range(args.seeds)
        ]
        elapsed = time.perf_counter() - start
        regret = statistics.mean(task.bounds.regret(s) for s in scores) if task.bounds else float("nan")
        print(f"{method:<10} {statistics.mean(scores):>18.5g} {regret:>14.4f} {elapsed:>8.1f}")
    best = rl_hpo.tune(task, budget=args.budget, method=methods[0], seed=0)
    print(f"\nBest configuration found by {methods[0]} (seed 0): {best.best_config}")


if __name__ == "__main__":
    main()
