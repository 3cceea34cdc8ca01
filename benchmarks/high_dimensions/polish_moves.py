"""How far polishing moves the parameters a function depends on and those it ignores, in the cube's coordinates
and in coordinates divided by the GP's lengthscales (``SearchSettings.polish_scale``).

    python benchmarks/high_dimensions/polish_moves.py --suite prior/gp-40d --split validation --max-tasks 4 --seeds 3

The GP-prior tasks (``rl_hpo.tasks.prior.GPPriorTask``) know which of their parameters matter (``relevant``).
Plain EI runs each task for 50 evaluations under each setting; every call of polishing is recorded (the numeric
coordinates it was allowed to move, how far each moved, and the GP's lengthscales then), and the script prints,
per setting and kind of parameter, the mean distance a movable coordinate moved and the median lengthscale the GP
gave such parameters. Validation and train splits only; it makes no choice.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np

import rl_hpo.acquisition.search as search_module
from rl_hpo.acquisition.search import POLISH_SCALES, SearchSettings
from rl_hpo.baselines.expected_improvement import ExpectedImprovement
from rl_hpo.bench.runner import script_provenance
from rl_hpo.tasks.prior import GPPriorTask
from rl_hpo.tasks.registry import load_suite, load_task


def polish_moves(task: GPPriorTask, scale: str, seeds: list[int], budget: int) -> dict[str, dict[str, list[float]]]:
    """Per kind of parameter (``relevant``, ``irrelevant``): each polishing call's mean move of a movable coordinate
    of that kind and the median of the GP's lengthscales of that kind, over the runs of every seed."""
    calls: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    polish = search_module.polish

    def recorded(gp: Any, xn: np.ndarray, xc: np.ndarray, movable: np.ndarray, **options: Any) -> Any:
        out = polish(gp, xn, xc, movable, **options)
        calls.append((np.abs(out[0] - xn), np.asarray(movable), gp.numeric_lengthscales.copy()))
        return out

    found: dict[str, dict[str, list[float]]] = {
        kind: {"move": [], "lengthscale": []} for kind in ("relevant", "irrelevant")
    }
    search_module.polish = recorded  # CandidateSearch calls polish through its module
    try:
        for seed in seeds:
            calls.clear()
            optimizer = ExpectedImprovement(task.space, seed=seed, settings=SearchSettings(polish_scale=scale))
            optimizer.optimize(task, budget)
            relevant = task.relevant[optimizer.search_.encoding.numeric]
            for moved, movable, lengthscales in calls:
                for kind, mask in (("relevant", relevant), ("irrelevant", ~relevant)):
                    allowed = movable[:, mask]
                    if allowed.any():
                        found[kind]["move"].append(float(moved[:, mask][allowed].mean()))
                        found[kind]["lengthscale"].append(float(np.median(lengthscales[mask])))
    finally:
        search_module.polish = polish
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--suite", default="prior/gp-40d", help="a GP-prior suite (prior/gp or prior/gp-<d>d)")
    parser.add_argument("--split", default="validation", choices=("validation", "train"))
    parser.add_argument("--max-tasks", type=int, default=4)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--budget", type=int, default=50)
    parser.add_argument("--out", type=Path, help="write every recorded move here (JSON)")
    args = parser.parse_args()
    if not args.suite.startswith("prior/"):
        parser.error("--suite must be a GP-prior suite: only its tasks know which parameters matter")
    tasks = [load_task(name) for name in load_suite(args.suite).task_names(args.split)[: args.max_tasks]]
    record: dict[str, Any] = {
        "command": {k: str(v) for k, v in vars(args).items()},
        "provenance": script_provenance(),
        "moves": {},
    }
    for scale in POLISH_SCALES:
        merged: dict[str, dict[str, list[float]]] = {
            k: {"move": [], "lengthscale": []} for k in ("relevant", "irrelevant")
        }
        for task in tasks:
            for kind, values in polish_moves(task, scale, list(range(args.seeds)), args.budget).items():
                for key, numbers in values.items():
                    merged[kind][key].extend(numbers)
        record["moves"][scale] = merged
        for kind, values in merged.items():
            if values["move"]:
                move, lengthscale = np.mean(values["move"]), np.median(values["lengthscale"])
                print(
                    f"{args.suite} {args.split} ({len(tasks)} tasks x {args.seeds} seeds) polish_scale={scale} {kind}: "
                    f"mean move {move:.4f}, median lengthscale {lengthscale:.2f}"
                )
    if args.out:
        args.out.write_text(json.dumps(record) + "\n")


if __name__ == "__main__":
    main()
