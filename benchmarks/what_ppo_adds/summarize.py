"""The "what PPO adds" table, from the recorded studies of ``benchmarks/what_ppo_adds/run.sh``.

    python benchmarks/what_ppo_adds/summarize.py [RECORD]

For each recorded study (suite and split): mean normalized regret at 10 / 25 / 50 of the shipped policy
(``ppo``), its untrained start when sampling (``ei_sampled``) and plain expected improvement (``ei``), the
lowest in bold, then how far the trained policy is from its untrained start: the largest difference of mean
regret over the three budgets. Win rates and Wilcoxon tests at 50 are in each study's ``report.md``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from rl_hpo.bench.report import read_summary, recorded_studies, regret_cell

HERE = Path(__file__).parent
METHODS = ("ppo", "ei_sampled", "ei")
BUDGETS = (10, 25, 50)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("record", nargs="?", default=str(HERE), help="the study's record folder")
    try:
        studies = {p.name: read_summary(p) for p in recorded_studies(parser.parse_args(argv).record)}
    except FileNotFoundError as err:
        parser.error(str(err))
    print("| study | " + " | ".join(METHODS) + " | largest ppo - ei_sampled |")
    print("|---|" + "---|" * (len(METHODS) + 1))
    for name, summary in studies.items():
        cells = [regret_cell({m: summary[m] for m in METHODS}, method, BUDGETS, digits=4) for method in METHODS]
        gap = max((summary["ppo"][b] - summary["ei_sampled"][b] for b in BUDGETS), key=abs)
        print(f"| {name} | " + " | ".join(cells) + f" | {gap:+.4f} |")


if __name__ == "__main__":
    main()
