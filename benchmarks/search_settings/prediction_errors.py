"""How well the in-episode GP of plain EI foretells the scores of the points it picks.

    python benchmarks/search_settings/prediction_errors.py --suites yahpo/lcbench,prior/gp --max-tasks 16 --seeds 3

Plain EI (``ei``, the shipped candidate search, or one changed by ``--search``) runs each task for 50 evaluations.
Every point told after the GP's first fit gets its standardized prediction error, made before its score was known:
(observed - predicted mean) / predictive standard deviation, in the units the GP fits (standardized scores through
its output warp; ``CandidateSearch._prediction_error``). Of a calibrated GP these errors are standard normal: median 0,
median absolute value 0.67, 4.6% beyond 2. The script prints, per suite, those three figures over every error and
over the errors of evaluations before the 20th and from the 35th. Recording changes no decision. Validation and
train splits only; it makes no choice.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from rl_hpo.acquisition.search import CandidateSearch, SearchSettings, settings_with_changes
from rl_hpo.baselines.expected_improvement import ExpectedImprovement
from rl_hpo.bench.runner import script_provenance
from rl_hpo.tasks.registry import load_suite, load_task

#: Where a calibrated GP's errors would sit: the median absolute value of a standard normal, and its share beyond 2.
#: (Medians, not means: where the scores told so far nearly tie, one new score can lie millions of their spreads away.)
NORMAL_MEDIAN_ABS = 0.6745
NORMAL_BEYOND_2 = 0.0455


def prediction_errors(
    task_name: str, seeds: list[int], settings: SearchSettings, budget: int
) -> list[tuple[int, float]]:
    """(evaluations known before the point, its standardized prediction error) of every point told after the GP's
    first fit, over plain-EI runs of every seed."""
    task = load_task(task_name)
    found: list[tuple[int, float]] = []
    add = CandidateSearch.add

    def recorded(search: CandidateSearch, u: np.ndarray, score: float) -> None:
        if search.gp.n and math.isfinite(score):
            found.append((search.n_evals, search._prediction_error(np.asarray(u, dtype=float), float(score))))
        add(search, u, score)

    CandidateSearch.add = recorded  # type: ignore[method-assign]
    try:
        for seed in seeds:
            ExpectedImprovement(task.space, seed=seed, settings=settings).optimize(task, budget)
    finally:
        CandidateSearch.add = add  # type: ignore[method-assign]
    return found


def summary(errors: np.ndarray) -> str:
    if not errors.size:
        return "none"
    return (
        f"median {np.median(errors):+.2f}, median |error| {np.median(np.abs(errors)):.2f}, "
        f"beyond 2: {np.mean(np.abs(errors) > 2):.2f} ({errors.size})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--suites", default="yahpo/lcbench,yahpo/rbv2_xgboost,synthetic/mixed,prior/gp")
    parser.add_argument("--split", default="validation", choices=("validation", "train"))
    parser.add_argument("--max-tasks", type=int, default=4)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--budget", type=int, default=50)
    parser.add_argument(
        "--search", default="", help="changes to the candidate search, e.g. 'polish_scale=lengthscales'"
    )
    parser.add_argument("--out", type=Path, help="write every recorded error here (JSON)")
    args = parser.parse_args()
    settings = settings_with_changes(args.search)
    record: dict[str, Any] = {
        "command": {k: str(v) for k, v in vars(args).items()},
        "provenance": script_provenance(),
        "errors": {},
    }
    print(f"a calibrated GP: median +0.00, median |error| {NORMAL_MEDIAN_ABS:.2f}, beyond 2: {NORMAL_BEYOND_2:.2f}")
    for suite in args.suites.split(","):
        names = load_suite(suite).task_names(args.split)[: args.max_tasks]
        pairs = [p for name in names for p in prediction_errors(name, list(range(args.seeds)), settings, args.budget)]
        record["errors"][suite] = pairs
        known = np.array([n for n, _ in pairs])
        errors = np.array([e for _, e in pairs])
        print(f"{suite} {args.split} ({len(names)} tasks x {args.seeds} seeds)")
        print(f"  every point:          {summary(errors)}")
        print(f"  before evaluation 20: {summary(errors[known < 19])}")
        print(f"  from evaluation 35:   {summary(errors[known >= 34])}")
    if args.out:
        args.out.write_text(json.dumps(record) + "\n")


if __name__ == "__main__":
    main()
