"""The leave-one-space-out study's table, from its recorded summaries (``benchmarks/leave_one_out/run.sh``).

    python benchmarks/leave_one_out/summarize.py [RECORD]

For each held-out suite: the policy trained on every other suite and chosen as the default is (``left out``,
with the form the choice took; ``selected_policy.json`` has the choice's table), plain expected improvement
(``ei``) and its sampled form (``ei_sampled``, the policy's untrained start) from the same bench run, and the
shipped default (trained on prior/gp only) from the study's second run (``default/``); mean normalized regret
at 10 / 25 / 50, the lowest in bold. The script first checks that both runs normalized with the same bounds
and stops, naming the task, where they differ.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from rl_hpo.bench.report import check_same_bounds, read_summary, recorded_studies

HERE = Path(__file__).parent


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("record", nargs="?", default=str(HERE), help="the study's record folder")
    try:
        studies = recorded_studies(parser.parse_args(argv).record)
    except FileNotFoundError as err:
        parser.error(str(err))
    for study in studies:
        config = json.loads((study / "config.json").read_text())
        split = json.loads((study / "run.json").read_text())["settings"]["split"]
        selected = json.loads((study / "selected_policy.json").read_text())["selection"]
        try:
            check_same_bounds([study, study / "default"])
        except ValueError as err:
            sys.exit(str(err))
        summary = read_summary(study)
        rows = {
            f"left out ({selected['candidate']}, {selected['variant']})": summary["ppo"],
            "ei_sampled": summary["ei_sampled"],
            "ei": summary["ei"],
            "default (prior/gp only)": read_summary(study / "default")["ppo"],
        }
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
