"""Apply the rule for ``greedy_after`` (benchmarks/long_budgets/README.md) to the train-split runs.

    python benchmarks/long_budgets/rule.py [RUNS]     # RUNS: the runs/long_budgets folder (default)

Reads each train study's ``trials.csv`` under RUNS (synthetic_mixed_train, yahpo_rbv2_xgboost_train,
yahpo_lcbench_train, prior_gp_train), takes every task's mean regret at 100 over its seeds for ``ppo`` and
``ppo_greedy50`` (``rl_hpo.bench.metrics``), and writes the per-task table (``rule_tasks.csv``) and the decision
(``rule.txt``) beside this script.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

from rl_hpo.bench.metrics import regret_curves, wilcoxon_pvalue

HERE = Path(__file__).resolve().parent
TRAIN = ("synthetic_mixed_train", "yahpo_rbv2_xgboost_train", "yahpo_lcbench_train", "prior_gp_train")
METHODS = ("ppo", "ppo_greedy50")
BUDGET = 100


def task_regrets(folder: Path) -> pd.DataFrame:
    """Each task's mean regret at ``BUDGET`` over its seeds, one column per method of ``METHODS``."""
    trials = pd.read_csv(folder / "trials.csv", usecols=["method", "task", "seed", "trial", "budget_used", "regret"])
    curves = regret_curves(trials[trials["method"].isin(METHODS)], [BUDGET])
    at = curves.at(BUDGET)  # (methods, tasks, seeds)
    if np.isnan(at).any():
        raise ValueError(f"{folder}: some runs of {METHODS} did not reach {BUDGET} evaluations.")
    means = at.mean(axis=2)
    return pd.DataFrame({m: means[curves.methods.index(m)] for m in METHODS}, index=pd.Index(curves.tasks, name="task"))


def main() -> None:
    runs = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("runs/long_budgets")
    table = pd.concat({name: task_regrets(runs / name) for name in TRAIN}, names=["study"])
    table.reset_index().to_csv(HERE / "rule_tasks.csv", index=False, float_format="%.6g")
    ppo, greedy = table["ppo"].to_numpy(), table["ppo_greedy50"].to_numpy()
    p = wilcoxon_pvalue(greedy, ppo)
    adopted = greedy.mean() < ppo.mean() and p < 0.05
    lines = [f"{len(table)} train tasks, mean regret at {BUDGET} (each task weighted alike):"]
    for name in TRAIN:
        part = table.loc[name]
        lines.append(
            f"  {name} ({len(part)}): ppo {part['ppo'].mean():.4f}, ppo_greedy50 {part['ppo_greedy50'].mean():.4f}"
        )
    lines += [
        f"  pooled: ppo {ppo.mean():.4f}, ppo_greedy50 {greedy.mean():.4f} "
        f"(difference {greedy.mean() - ppo.mean():+.4f}, Wilcoxon p {p:.3g}; "
        f"lower on {int(np.sum(greedy < ppo))}, higher on {int(np.sum(greedy > ppo))})",
        "greedy_after=50 becomes ppo's default" if adopted else "ppo keeps sampling its candidate (greedy_after=None)",
    ]
    text = "\n".join(lines) + "\n"
    (HERE / "rule.txt").write_text(text)
    print(text, end="")


if __name__ == "__main__":
    main()
