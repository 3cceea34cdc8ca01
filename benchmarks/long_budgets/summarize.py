"""Print the long-budgets table from the recorded summaries (benchmarks/long_budgets/README.md).

    python benchmarks/long_budgets/summarize.py

Mean normalized regret at 10 / 25 / 50 / 100 evaluations of every method on each suite's validation split, then
each method's regret at 100 relative to Optuna's GP and to TPE, averaged over the suites, then the rule's decision.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from rl_hpo.bench.report import read_summary

HERE = Path(__file__).resolve().parent
SUITES = ("synthetic_mixed", "yahpo_lcbench", "yahpo_rbv2_xgboost")
BUDGETS = (10, 25, 50, 100)


def regrets(folder: str) -> pd.DataFrame:
    """Mean regret per method (rows, in the study's order) at ``BUDGETS`` (columns) of one recorded study."""
    return pd.DataFrame(read_summary(HERE / folder)).T[list(BUDGETS)]


def main() -> None:
    tables = {suite: regrets(suite) for suite in SUITES}
    methods = list(tables[SUITES[0]].index)
    print("| method | " + " | ".join(SUITES) + " |")
    print("|---" * (len(SUITES) + 1) + "|")
    for method in methods:
        cells = [" / ".join(f"{tables[s].loc[method, b]:.3f}" for b in BUDGETS) for s in SUITES]
        print(f"| {method} | " + " | ".join(cells) + " |")
    print("\nRegret at 100 relative to gp and to tpe, mean of the suites' ratios:")
    for method in methods:
        ratios = [
            sum(tables[s].loc[method, 100] / tables[s].loc[other, 100] for s in SUITES) / len(SUITES)
            for other in ("gp", "tpe")
        ]
        print(f"  {method}: {ratios[0]:.2f} x gp, {ratios[1]:.2f} x tpe")
    print("\nThe rule for greedy_after (rule.txt, from the train runs by rule.py):")
    print((HERE / "rule.txt").read_text(), end="")


if __name__ == "__main__":
    argparse.ArgumentParser(description=__doc__.split("\n\n")[0]).parse_args()  # --help; no options
    main()
