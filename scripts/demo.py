"""The README's main job: tune a built-in task and compare methods in one short table.

    make demo                      # set up, then run this
    .venv/bin/python scripts/demo.py --task yahpo/lcbench/167190 --budget 30 --seeds 5

By default it tunes a scikit-learn pipeline (imputation, scaling, feature selection and an SVC) on the
digits data with 5-fold cross-validation, using the shipped PPO policy, random search and TPE. The shipped
general policy never trained on a scikit-learn pipeline: it was trained on functions drawn from a GP prior
only, so this search space is new to it. Every method gets the same budget and seeds; the table shows the
mean best score, its spread over seeds and the mean normalized regret: against the task's score bounds
where it knows them, otherwise against the range of scores seen in this demo (0 = the best score any run
reached, 1 = the worst), as ``rl-hpo bench`` does for tasks without bounds.
"""

from __future__ import annotations

import argparse
import statistics
import time

import rl_hpo
from rl_hpo.bench.evaluation import regret_at
from rl_hpo.optimizer import optimizer_class
from rl_hpo.tasks.base import ScoreBounds

DEFAULT_TASK = "sklearn/svc/digits"
DEFAULT_METHODS = ("ppo", "random", "tpe")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", default=DEFAULT_TASK, help=f"task to tune (default: {DEFAULT_TASK})")
    parser.add_argument("--methods", default=",".join(DEFAULT_METHODS), help="comma-separated methods")
    parser.add_argument("--budget", type=int, default=20, help="evaluations per run (default: 20)")
    parser.add_argument("--seeds", type=int, default=3, help="seeds per method (default: 3)")
    args = parser.parse_args(argv)

    task = rl_hpo.load_task(args.task)
    methods = [m for m in args.methods.split(",") if m]
    for method in methods:
        optimizer_class(method)  # an unknown method fails here, naming the known ones
    print(f"Tuning {task.name} ({task.space.dim} hyperparameters), budget {args.budget}, {args.seeds} seeds\n")
    results: dict[str, tuple[list[rl_hpo.History], float]] = {}
    for method in methods:
        print(f"  running {method} ...", flush=True)
        start = time.perf_counter()
        runs = [rl_hpo.tune(task, budget=args.budget, method=method, seed=seed) for seed in range(args.seeds)]
        results[method] = (runs, time.perf_counter() - start)
    if task.bounds is not None:
        bounds, basis = task.bounds, "the task's score bounds"
    else:
        scores = [r.score for runs, _ in results.values() for run in runs for r in run.records if not r.failed]
        bounds, basis = ScoreBounds(min(scores), max(scores)), "the range of scores seen in this demo"
    print(f"\n{'method':<10} {'best score (mean ± sd)':>24} {'regret':>8} {'seconds':>8}")
    best: rl_hpo.History | None = None
    for method, (runs, elapsed) in results.items():
        scores = [run.best_score for run in runs]
        spread = statistics.stdev(scores) if len(scores) > 1 else 0.0
        regret = statistics.mean(regret_at(run, bounds, [args.budget])[0] for run in runs)
        print(f"{method:<10} {statistics.mean(scores):>15.4f} ± {spread:<6.4f} {regret:8.4f} {elapsed:>8.1f}")
        best = best or runs[0]
    print(f"\nregret: mean normalized regret of the best score, against {basis}.")
    assert best is not None
    print(f"\nBest configuration found by {best.method} (seed 0), score {best.best_score:.4f}:")
    for key, value in best.best_config.items():
        print(f"  {key} = {value}")


if __name__ == "__main__":
    main()
