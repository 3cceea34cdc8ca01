"""Print the parallel-trials tables from the recorded summaries (benchmarks/parallel_trials/README.md).

    python benchmarks/parallel_trials/summarize.py

First the mean normalized regret at 10 / 25 / 50 evaluations of every method on the validation splits (4 trials
asked at a time), then the same methods told one trial at a time (``BATCH=1``) beside it, then the rule for the
``pending`` default: ``ei`` against ``ei_unaware`` on the train splits, each suite's mean over its tasks pooled
with the suites' task counts as weights.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd

from rl_hpo.bench.report import read_summary

HERE = Path(__file__).resolve().parent
VALIDATION = ("synthetic_mixed", "yahpo_lcbench", "yahpo_rbv2_xgboost")
TRAIN = ("synthetic_mixed_train", "yahpo_rbv2_xgboost_train")
BUDGETS = (10, 25, 50)


def regrets(folder: str) -> pd.DataFrame:
    """Mean regret per method (rows, in the study's order) at ``BUDGETS`` (columns) of one recorded study."""
    return pd.DataFrame(read_summary(HERE / folder)).T[list(BUDGETS)]


def n_tasks(folder: str) -> int:
    return len(json.loads((HERE / folder / "run.json").read_text())["settings"]["tasks"])


def main() -> None:
    tables = {folder: regrets(folder) for folder in VALIDATION}
    methods = list(tables[VALIDATION[0]].index)
    print("| method | " + " | ".join(VALIDATION) + " |")
    print("|---" * (len(VALIDATION) + 1) + "|")
    for method in methods:
        cells = [" / ".join(f"{tables[f].loc[method, b]:.3f}" for b in BUDGETS) for f in VALIDATION]
        print(f"| {method} | " + " | ".join(cells) + " |")
    sequential = {folder: regrets(f"{folder}_batch1") for folder in VALIDATION}
    print("\nOne trial at a time (BATCH=1, the same tasks and seeds) -> 4 at a time, regret at 25 / 50:")
    print("| method | " + " | ".join(VALIDATION) + " |")
    print("|---" * (len(VALIDATION) + 1) + "|")
    for method in sequential[VALIDATION[0]].index:
        cells = [
            " / ".join(f"{sequential[f].loc[method, b]:.3f}" for b in (25, 50))
            + " -> "
            + " / ".join(f"{tables[f].loc[method, b]:.3f}" for b in (25, 50))
            for f in VALIDATION
        ]
        print(f"| {method} | " + " | ".join(cells) + " |")
    weights = {folder: n_tasks(folder) for folder in TRAIN}
    pooled = sum(regrets(f) * w for f, w in weights.items()) / sum(weights.values())
    print(f"\nPooled over the train splits ({', '.join(f'{f}: {w} tasks' for f, w in weights.items())}):")
    for method in ("ei", "ei_unaware"):
        print(f"  {method}: " + " / ".join(f"{pooled.loc[method, b]:.4f}" for b in BUDGETS))
    adopted = all(pooled.loc["ei", b] < pooled.loc["ei_unaware", b] for b in (25, 50))
    print(
        f"pending='believe' {'stays the default' if adopted else 'goes back to ignore'} (lower at 25 and 50: {adopted})"
    )


if __name__ == "__main__":
    argparse.ArgumentParser(description=__doc__.split("\n\n")[0]).parse_args()  # --help; no options
    main()
