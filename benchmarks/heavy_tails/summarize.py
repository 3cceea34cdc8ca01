"""The heavy-tail study's tables from its recorded runs: mean normalized regret at 10 / 25 / 50 per suite and
split for random search, TPE and each warp of ``ei`` and ``ppo``, then, pooled over every task of both splits,
each warp against ``none`` and against TPE (mean difference and two-sided Wilcoxon p over tasks, as
``benchmarks/search_settings/pooled_decision.py`` pools them).

Usage::

    python benchmarks/heavy_tails/summarize.py [benchmarks/heavy_tails/heavy_tail_validation.json ...]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
BUDGETS = (10, 25, 50)


def _pooled():
    spec = importlib.util.spec_from_file_location("pooled_decision", HERE.parent / "search_settings/pooled_decision.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.pooled


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "runs", nargs="*", help="the study's run files (default: its recorded validation and train runs)"
    )
    files = parser.parse_args(argv).runs or [
        str(HERE / f"heavy_tail_{split}.json") for split in ("validation", "train")
    ]
    missing = [f for f in files if not Path(f).is_file()]
    if missing:
        parser.error(f"no such run file: {', '.join(missing)}")
    runs = [json.loads(Path(f).read_text()) for f in files]
    pooled = _pooled()
    budgets = [b for b in BUDGETS if b <= min(run["command"]["budget"] for run in runs)]
    rows = list(next(iter(runs[0]["curves"].values())))
    print("| suite, split | " + " | ".join(rows) + " |")
    print("|---" * (len(rows) + 1) + "|")
    for run in runs:
        for suite, curves in run["curves"].items():
            cells = [" / ".join(f"{curves[r][b - 1]:.4f}" for b in budgets) for r in rows]
            print(f"| {suite}, {run['command']['split']} | " + " | ".join(cells) + " |")
    print()
    methods = [m.strip() for m in runs[0]["command"]["methods"].split(",")]
    variants = runs[0]["command"]["variant"]
    for method in methods:
        for text in variants:
            other = f"{method} {text}"
            against = [(f"{method} {variants[0]}", variants[0])] if text != variants[0] else []
            against += [(ref, ref) for ref in runs[0]["command"]["references"].split(",") if ref]
            for first, name in against:
                cells = []
                for b in budgets:
                    d, p, n = pooled(runs, first, other, b)
                    cells.append(f"{d:+.4f} at {b} (p {p:.3g})")
                print(f"{other} against {name} over {n} tasks: " + ", ".join(cells))


if __name__ == "__main__":
    main()
