"""Which fit the prequential choice of lengthscales predicts with, run by run.

For each task and seed, runs plain expected improvement with free lengthscales (the default) and with
``lengthscale_spread=0.5, lengthscale_choice="prequential"`` on the same initial design, and prints the
regret at the budget of each, the share of the prequential run's decisions that used the pooled fit, the
number of points at its first use, and the final difference of the two fits' summed log densities (free minus
pooled: negative where the pooled fit predicted the points better). Validation (or train) tasks only.

Usage::

    python benchmarks/search_settings/prequential_in_use.py --suite prior/gp --max-tasks 16 --seeds 2
"""

from __future__ import annotations

import argparse
import dataclasses

import numpy as np

from rl_hpo.acquisition.gp import GaussianProcess
from rl_hpo.acquisition.search import SearchSettings
from rl_hpo.agents.train_settings import TrainConfig
from rl_hpo.baselines.expected_improvement import ExpectedImprovement
from rl_hpo.bench.evaluation import regret_at
from rl_hpo.tasks.base import Task

SPREAD = 0.5


def pooled_use(task: Task, seed: int, budget: int) -> tuple[float, float, float, int | None, float]:
    """``(regret free, regret prequential, share of decisions on the pooled fit, points at its first use, final
    log-density difference free - pooled)`` of one run of each."""
    bounds = task.bounds
    if bounds is None:
        raise SystemExit(f"{task.name} stores no score bounds, so its regret is not defined here.")
    free = ExpectedImprovement(task.space, seed=seed, settings=SearchSettings())
    regret_free = regret_at(free.optimize(task, budget), bounds, [budget])[0]
    settings = dataclasses.replace(SearchSettings(), lengthscale_spread=SPREAD, lengthscale_choice="prequential")
    chooser = ExpectedImprovement(task.space, seed=seed, settings=settings)
    gp: GaussianProcess = chooser.search_.gp
    in_use: list[tuple[int, float | None]] = []
    fit = gp.fit

    def recorded_fit(xn: np.ndarray, xc: np.ndarray, y: np.ndarray, *, refit: bool = True) -> None:
        fit(xn, xc, y, refit=refit)
        in_use.append((int(np.size(y)), gp.spread_in_use))

    gp.fit = recorded_fit  # type: ignore[method-assign]
    regret_chosen = regret_at(chooser.optimize(task, budget), bounds, [budget])[0]
    share = float(np.mean([spread == SPREAD for _, spread in in_use])) if in_use else 0.0
    first = next((n for n, spread in in_use if spread == SPREAD), None)
    scores = gp.prequential_scores
    return regret_free, regret_chosen, share, first, scores[None] - scores[SPREAD]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--suite", default="prior/gp")
    parser.add_argument("--split", choices=("validation", "train"), default="validation")
    parser.add_argument("--max-tasks", type=int, default=16)
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--budget", type=int, default=50)
    args = parser.parse_args(argv)
    tasks = TrainConfig(suites=(args.suite,), eval_split=args.split).validation_tasks(args.max_tasks)[args.suite]
    print("task  parameters  seed  regret free  regret prequential  pooled share  first pooled  free - pooled")
    for task in tasks:
        for seed in range(args.seeds):
            free, chosen, share, first, difference = pooled_use(task, seed, args.budget)
            print(
                f"{task.name}  {task.space.dim}  {seed}  {free:.4f}  {chosen:.4f}  {share:.2f}  "
                f"{'-' if first is None else first}  {difference:+.1f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
