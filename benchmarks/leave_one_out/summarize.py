"""The leave-one-space-out study's table, from its recorded summaries (``benchmarks/leave_one_out/run.sh``).

    python benchmarks/leave_one_out/summarize.py [RECORD]

For each held-out suite: the policy trained on every other suite (``left out``), plain expected improvement
(``ei``) from the same study, and the shipped default (trained on prior/gp only) from the unseen-spaces study
of that suite's validation split, where one is recorded; mean normalized regret at 10 / 25 / 50, the lowest
in bold. The default's row comes from another study, so the script first checks that both studies normalized
with the same bounds and stops, naming the task, where they differ.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from rl_hpo.bench.report import check_same_bounds, read_summary

HERE = Path(__file__).parent
UNSEEN = HERE.parent / "unseen_spaces"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("record", nargs="?", default=str(HERE), help="the study's record folder")
    record = Path(parser.parse_args(argv).record)
    for study in sorted(p for p in record.iterdir() if (p / "summary.csv").is_file()):
        config = json.loads((study / "config.json").read_text())
        split = json.loads((study / "run.json").read_text())["settings"]["split"]
        summary = read_summary(study)
        rows = {"left out": summary["ppo"], "ei": summary["ei"]}
        default = UNSEEN / f"{study.name}_{split}"
        if (default / "summary.csv").is_file():
            try:
                check_same_bounds([study, default])
            except ValueError as err:
                sys.exit(str(err))
            rows["default (prior/gp only)"] = read_summary(default)["ppo"]
        budgets = sorted(rows["ei"])
        print(f"\n{study.name} ({split}), the policy trained on {', '.join(config['suites'])}:\n")
        print("| policy | " + " | ".join(f"@{b}" for b in budgets) + " |")
        print("|---|" + "---|" * len(budgets))
        for name, regret in rows.items():
            cells = [
                f"**{regret[b]:.4f}**" if regret[b] == min(r[b] for r in rows.values()) else f"{regret[b]:.4f}"
                for b in budgets
            ]
            print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
