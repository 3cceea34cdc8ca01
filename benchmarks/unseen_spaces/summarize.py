"""The README's "unseen search spaces" table, from the recorded studies' summary.csv files.

    python benchmarks/unseen_spaces/summarize.py

One row per method, one column per recorded test study (validation and train studies, ``*_validation`` and
``*_train``, are left out):
mean normalized regret at 10 / 25 / 50 evaluations (the lowest at each budget in bold), then the ppo regret at
50 relative to GP's.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from rl_hpo.bench.report import read_summary, regret_cell

HERE = Path(__file__).parent
METHODS = ("ppo", "ei", "tpe", "gp", "random")
BUDGETS = (10, 25, 50)


def main() -> None:
    studies = {
        p.name: read_summary(p)
        for p in sorted(HERE.iterdir())
        if (p / "summary.csv").is_file() and not p.name.endswith(("_validation", "_train"))  # held-out data only
    }
    print("| method | " + " | ".join(studies) + " |")
    print("|---|" + "---|" * len(studies))
    for method in METHODS:
        cells = [regret_cell({m: summary[m] for m in METHODS}, method, BUDGETS) for summary in studies.values()]
        print(f"| {method} | " + " | ".join(cells) + " |")
    ratios = [s["ppo"][50] / s["gp"][50] for s in studies.values()]
    print("\nppo / gp regret at 50: " + ", ".join(f"{n} {r:.2f}" for n, r in zip(studies, ratios)))
    mean_ppo = sum(s["ppo"][50] for s in studies.values()) / len(studies)
    mean_gp = sum(s["gp"][50] for s in studies.values()) / len(studies)
    print(f"mean over the suites at 50: ppo {mean_ppo:.4f}, gp {mean_gp:.4f} ({mean_ppo / mean_gp:.2f}x)")


if __name__ == "__main__":
    argparse.ArgumentParser(description=__doc__.split("\n\n")[0]).parse_args()  # --help; no options
    main()
