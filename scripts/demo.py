"""The README's main job: tune a model the shipped policy never saw (or a built-in task) and compare methods.

    make demo                      # set up, then run this
    .venv/bin/python scripts/demo.py --task yahpo/lcbench/167190 --budget 30 --seeds 5

By default it tunes a model of its own, as a practitioner tunes theirs: a linear classifier trained by
stochastic gradient descent (scikit-learn's ``SGDClassifier`` after standard scaling, elastic-net penalty;
six hyperparameters: regularization, its L1 share, the loss, the learning-rate schedule, its initial rate and
the number of epochs) on the digits data, scored by 5-fold cross-validated accuracy, with the shipped PPO policy,
random search and TPE. No policy of the package trained on this search space: the scikit-learn pipelines the
shipped default trained on (``sklearn/all``) are other models. Every method gets the same budget and seeds; the
table shows the mean best score, its spread over seeds and the mean normalized regret: against the task's score
bounds where it knows them, otherwise against the range of scores seen in this demo (0 = the best score any run
reached, 1 = the worst), as ``rl-hpo bench`` does for tasks without bounds.
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings
from typing import Any

import rl_hpo
from rl_hpo.bench.evaluation import regret_at
from rl_hpo.optimizer import optimizer_class
from rl_hpo.tasks.base import FunctionTask, ScoreBounds, Task

DEFAULT_TASK = "sgd_digits"
DEFAULT_METHODS = ("ppo", "random", "tpe")


def sgd_digits() -> FunctionTask:
    """The demo's own task: ``SGDClassifier`` on digits, 5-fold cross-validated accuracy (folds fixed, so a
    configuration scores the same every time)."""
    from sklearn.datasets import load_digits
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import SGDClassifier
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = load_digits(return_X_y=True)
    space = rl_hpo.SearchSpace(
        {
            "alpha": rl_hpo.Float(1e-7, 1.0, log=True),
            "l1_ratio": rl_hpo.Float(0.0, 1.0),
            "loss": rl_hpo.Categorical(["hinge", "log_loss", "modified_huber", "squared_hinge", "perceptron"]),
            "learning_rate": rl_hpo.Categorical(["optimal", "invscaling", "adaptive"]),
            "eta0": rl_hpo.Float(1e-4, 1.0, log=True),
            "max_iter": rl_hpo.Int(5, 200, log=True),
        }
    )

    def accuracy(config: dict[str, Any]) -> float:
        model = make_pipeline(StandardScaler(), SGDClassifier(penalty="elasticnet", random_state=0, **config))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)  # few epochs are part of the space
            return float(cross_val_score(model, X, y, cv=StratifiedKFold(5)).mean())

    return FunctionTask(accuracy, space, name=DEFAULT_TASK)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--task", default=DEFAULT_TASK, help=f"a built-in task to tune (default: {DEFAULT_TASK}, the demo's own model)"
    )
    parser.add_argument("--methods", default=",".join(DEFAULT_METHODS), help="comma-separated methods")
    parser.add_argument("--budget", type=int, default=20, help="evaluations per run (default: 20)")
    parser.add_argument("--seeds", type=int, default=3, help="seeds per method (default: 3)")
    args = parser.parse_args(argv)

    task: Task = sgd_digits() if args.task == DEFAULT_TASK else rl_hpo.load_task(args.task)
    methods = [m for m in args.methods.split(",") if m]
    for method in methods:
        optimizer_class(method)  # an unknown method fails here, naming the known ones
    seeds = f"{args.seeds} seed{'' if args.seeds == 1 else 's'}"
    print(f"Tuning {task.name} ({task.space.dim} hyperparameters), budget {args.budget}, {seeds}\n")
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
