"""The table of ``hindsight_runs.sh``: whole runs of the hindsight rules beside EI and its untrained start.

    python benchmarks/what_ppo_adds/hindsight_runs_summary.py [RECORD]

Mean normalized regret at 10 / 25 / 50 per validation suite (first 16 tasks, 10 seeds) of plain ``ei``,
``ei_sampled``, the rule fitted without the suite's space and the rule fitted on its own space, the lowest of
a row in bold.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from rl_hpo.bench.report import regret_cell

HERE = Path(__file__).parent / "hindsight_runs"
BUDGETS = (10, 25, 50)
#: Column -> (which run of hindsight_runs.sh, the curve's name in it).
COLUMNS = {
    "ei": ("without", "ei n_initial=5"),
    "ei_sampled": ("without", "ei_sampled n_initial=5"),
    "rule without its space": ("without", "ppo n_initial=5"),
    "rule of its own space": ("own", "ppo n_initial=5"),
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("record", nargs="?", default=str(HERE), help="the study's record folder")
    record = Path(parser.parse_args(argv).record)
    print("| validation suite | " + " | ".join(COLUMNS) + " |")
    print("|---|" + "---|" * len(COLUMNS))
    for path in sorted(record.glob("without-*.json")):
        name = path.name.removeprefix("without-")
        runs = {
            kind: json.loads((record / f"{kind}-{name}").read_text(encoding="utf-8")) for kind in ("without", "own")
        }
        for suite in runs["without"]["curves"]:
            curves = {c: runs[kind]["curves"][suite][key] for c, (kind, key) in COLUMNS.items()}
            budgets = [b for b in BUDGETS if b <= len(curves["ei"])]
            column = {c: {b: curve[b - 1] for b in budgets} for c, curve in curves.items()}
            print(f"| {suite} | " + " | ".join(regret_cell(column, c, budgets, digits=4) for c in COLUMNS) + " |")


if __name__ == "__main__":
    main()
