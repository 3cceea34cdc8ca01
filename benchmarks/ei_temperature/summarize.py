"""The EI-temperature table, from the curves ``benchmarks/ei_temperature/run.sh`` records.

    python benchmarks/ei_temperature/summarize.py [RECORD]

Mean normalized regret at 10 / 25 / 50 of ``ei_sampled`` at each temperature and of plain ``ei`` per suite
(validation splits), the lowest of a column in bold, and the mean over the suites.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from rl_hpo.bench.report import regret_cell

HERE = Path(__file__).parent
BUDGETS = (10, 25, 50)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("record", nargs="?", default=str(HERE), help="the study's record folder")
    record = Path(parser.parse_args(argv).record)
    missing = [name for name in ("sampled.json", "greedy.json") if not (record / name).is_file()]
    if missing:
        parser.error(f"{record} lacks {' and '.join(missing)}: give the study's record folder")
    curves: dict[str, dict[str, list[float]]] = {}
    for name in ("sampled.json", "greedy.json"):
        for suite, by_method in json.loads((record / name).read_text(encoding="utf-8"))["curves"].items():
            curves.setdefault(suite, {}).update({m: c for m, c in by_method.items() if m != "random"})
    first = next(iter(curves.values()))
    methods = list(first)
    budgets = [b for b in BUDGETS if b <= len(first[methods[0]])]
    columns = {
        suite: {m: {b: c[b - 1] for b in budgets} for m, c in by_method.items()} for suite, by_method in curves.items()
    }
    columns["mean"] = {
        m: {b: float(np.mean([col[m][b] for col in columns.values()])) for b in budgets} for m in methods
    }
    print("| method | " + " | ".join(columns) + " |")
    print("|---|" + "---|" * len(columns))
    for method in methods:
        print(
            f"| {method} | "
            + " | ".join(regret_cell(col, method, budgets, digits=4) for col in columns.values())
            + " |"
        )


if __name__ == "__main__":
    main()
