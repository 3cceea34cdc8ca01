"""Which model each method's incumbent ends in on the conditional suite of the space-kinds study.

    python benchmarks/space_kinds/branches.py runs/space_kinds/kinds_conditional

For each method: in how many runs (task, seed) the configuration it found best after the budget is of the model
with the best score on that task, and its mean regret in those runs and in the others; then how many of its
evaluations went to the best model.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from space_kinds import conditional_model_tops

from rl_hpo.bench import read_trials


def best_model_table(trials: pd.DataFrame) -> list[dict[str, object]]:
    """Per method: runs, runs ending in the best model, mean final regret in and out of it, share of trials in it."""
    best = {}
    for task in trials.task.unique():
        tops = conditional_model_tops(int(task.rsplit("/", 1)[1]))
        best[task] = max(tops, key=tops.__getitem__)
    trials = trials.assign(in_best=trials["config.model"] == trials.task.map(best))
    rows = []
    for method, runs in trials.groupby("method", sort=False):
        ends = []
        for _, run in runs.groupby(["task", "seed"]):
            run = run.sort_values("trial")
            scores = run.score.to_numpy(dtype=float)
            if np.isnan(scores).all():  # every trial failed: no incumbent
                continue
            # The incumbent: the first trial of the best score (a failed trial's NaN is no score).
            ends.append((bool(run.in_best.iloc[np.nanargmax(scores)]), float(run.regret.iloc[-1])))
        final = pd.DataFrame(ends, columns=["in_best", "regret"])
        rows.append(
            {
                "method": method,
                "runs": len(final),
                "ending in the best model": int(final.in_best.sum()),
                "mean regret there": final.regret[final.in_best].mean(),
                "mean regret elsewhere": final.regret[~final.in_best].mean(),
                "trials in the best model": runs.in_best.mean(),
            }
        )
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("run", type=Path, help="the bench folder of kinds/conditional (holds trials.csv)")
    args = parser.parse_args(argv)
    rows = best_model_table(read_trials(args.run / "trials.csv"))
    print("| " + " | ".join(rows[0]) + " |")
    print("|---|" + "--:|" * (len(rows[0]) - 1))
    for row in rows:
        cells = [f"{v:.3f}" if isinstance(v, float) else str(v) for v in row.values()]
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
