"""The training-reward study's table, from its recorded summaries (``benchmarks/training_reward/run.sh``).

    python benchmarks/training_reward/summarize.py [RECORD]

One row per policy (``ei``: plain expected improvement, the policies' starting rule; ``area`` and
``improvement``: the best policy of the training run with that reward), one column per validation suite:
mean normalized regret at the budgets of its summary (10 / 25 / 50 evaluations), the lowest at each budget
in bold. Then each run's validation curve during training (prior/gp validation; its first row is the
untrained policy, plain EI).

The rows of a column come from separate studies (one per policy), so their regrets are comparable only if the
studies normalized with the same bounds: the script checks each study's ``bounds.json`` and stops, naming the
task, where two of them differ.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

from rl_hpo.bench.report import check_same_bounds, read_summary, recorded_studies

HERE = Path(__file__).parent
POLICIES = {"ei": "ei", "area": "ppo", "improvement": "ppo"}  # row -> the method name in its summary


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("record", nargs="?", default=str(HERE), help="the study's record folder")
    record = Path(parser.parse_args(argv).record)
    if not (record / "ei").is_dir():
        parser.error(f"{record} has no ei/ folder: give the study's record folder (with ei/, area/, improvement/)")
    try:
        suites = [p.name for p in recorded_studies(record / "ei")]
    except FileNotFoundError as err:
        parser.error(str(err))
    regret = {row: {s: read_summary(record / row / s)[method] for s in suites} for row, method in POLICIES.items()}
    for suite in suites:
        try:
            check_same_bounds([record / row / suite for row in POLICIES])
        except ValueError as err:
            sys.exit(str(err))

    budgets = sorted(regret["ei"][suites[0]])
    print("| policy | " + " | ".join(suites) + " |")
    print("|---|" + "---|" * len(suites))
    for row in POLICIES:
        cells = []
        for suite in suites:
            parts = []
            for b in budgets:
                value = regret[row][suite][b]
                best = min(regret[r][suite][b] for r in POLICIES)
                parts.append(f"**{value:.4f}**" if value == best else f"{value:.4f}")
            cells.append(" / ".join(parts))
        print(f"| {row} | " + " | ".join(cells) + " |")

    for reward in ("area", "improvement"):
        with open(record / reward / "eval.csv") as f:
            rows = list(csv.DictReader(f))
        curve = ", ".join(f"{float(r['timesteps']):.0f}: {float(r['score']):.4f}" for r in rows)
        print(f"\n{reward}: prior/gp validation score (mean regret at 10, 25, 50) by timestep: {curve}")


if __name__ == "__main__":
    main()
