"""A rule fixed before a confirmation run: is a settings variant better than the first variant over every
task of every suite and split at once?

``scripts/compare_search_settings.py`` tests each suite on its own, with 4 to 95 tasks; seeds alone move one
suite's mean by 10 to 20% (``README.md`` in this folder), so a rule that averages per-suite ratios is carried
by the smallest, noisiest suites. This script pools every task of the given runs (each task's mean over its
seeds, from the JSON's ``task_means``) and, for each method and each variant after the first, applies:

- **adopt** when, pooled over all tasks, the variant's regret at 50 is lower than the first's with a two-sided
  Wilcoxon signed-rank p below 0.05, it is not significantly higher at 25 (p below 0.05 with a higher mean), and
  no single suite-split is significantly higher at 50 (the per-suite test of the run, p below 0.05);
- **keep the first** otherwise.

``--adopt-alpha`` lowers the level of the one test that adopts (the pooled one at 50, the "better" rule) for a
question confirmed before: a second look at the same choice on fresh seeds asks for p below 0.025 (0.05 split
over the two looks); the tests that guard against a loss stay at 0.05.

With ``--rule no-worse``, for a change that mends a defect rather than tunes a setting (e.g. ``repeats=avoid``,
which stops spending evaluations on configurations already evaluated), the variant is adopted unless it does
harm: unless, pooled over all tasks, its regret is significantly higher at 10, 25 or 50 (p below 0.05 with a
higher mean), or a single suite-split is significantly higher at 50.

With ``--rule early``, for a change that acts on a run's first evaluations (e.g. the initial design), the variant is
adopted when, pooled over all tasks, its regret at 10 is lower with p below the adopting level, it is not
significantly higher at 25 or 50 (p below 0.05 with a higher mean), and no single suite-split is significantly
higher at 50.

Usage::

    python benchmarks/search_settings/pooled_decision.py [--rule better|no-worse|early] [--adopt-alpha P] RUN.json [...]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np

from rl_hpo.bench import metrics

ALPHA = 0.05


def pooled(runs: list[dict[str, Any]], first: str, other: str, budget: int) -> tuple[float, float, int]:
    """``(mean difference other - first, Wilcoxon p, number of tasks)`` over every task of every run."""
    a, b = [], []
    for run in runs:
        for by_variant in run["task_means"].values():
            if other in by_variant:
                a.extend(by_variant[other][str(budget)])
                b.extend(by_variant[first][str(budget)])
    a_, b_ = np.array(a), np.array(b)
    return float(np.mean(a_ - b_)), metrics.wilcoxon_pvalue(a_, b_), a_.size


RULES = ("better", "no-worse", "early")


def decide(runs: list[dict[str, Any]], rule: str = "better", adopt_alpha: float = ALPHA) -> list[dict[str, Any]]:
    """One verdict per (method, later variant) found in the runs, by ``rule`` at ``adopt_alpha`` (the module
    docstring)."""
    verdicts = []
    variants = runs[0]["command"]["variant"]
    methods = [m.strip() for m in runs[0]["command"]["methods"].split(",")]
    for method in methods:
        first = f"{method} {variants[0]}"
        for text in variants[1:]:
            other = f"{method} {text}"
            d50, p50, n = pooled(runs, first, other, 50)
            d25, p25, _ = pooled(runs, first, other, 25)
            d10, p10, _ = pooled(runs, first, other, 10)
            losses = [
                f"{run['command']['split']} {suite}"
                for run in runs
                for suite, pairs in run["against_first"].items()
                if other in pairs
                and pairs[other]["50"]["difference"] > 0
                and pairs[other]["50"]["wilcoxon_p"] is not None  # None: no test was possible
                and pairs[other]["50"]["wilcoxon_p"] < ALPHA
            ]
            if rule == "no-worse":
                worse = any(d > 0 and p < ALPHA for d, p in ((d10, p10), (d25, p25), (d50, p50)))
                adopt = not worse and not losses
            elif rule == "early":
                worse = any(d > 0 and p < ALPHA for d, p in ((d25, p25), (d50, p50)))
                adopt = d10 < 0 and p10 < adopt_alpha and not worse and not losses
            else:
                adopt = d50 < 0 and p50 < adopt_alpha and not (d25 > 0 and p25 < ALPHA) and not losses
            verdicts.append(
                {
                    "method": method, "first": variants[0], "variant": text, "tasks": n, "rule": rule,
                    "difference_10": d10, "p_10": p10, "difference_25": d25, "p_25": p25, "difference_50": d50,
                    "p_50": p50, "significant_losses_50": losses, "adopt_alpha": adopt_alpha, "adopt": adopt,
                }
            )  # fmt: skip
    return verdicts


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", help="JSON files written by compare_search_settings.py --out")
    parser.add_argument("--rule", choices=RULES, default="better", help="the decision rule (default: better)")
    parser.add_argument(
        "--adopt-alpha",
        type=float,
        default=ALPHA,
        help="level of the pooled test that adopts (at 50; at 10 with --rule early) (default: 0.05)",
    )
    args = parser.parse_args(argv)
    if not 0 < args.adopt_alpha <= ALPHA:
        parser.error(f"--adopt-alpha must be in (0, {ALPHA}]")
    runs = [json.loads(Path(f).read_text()) for f in args.runs]
    if any("task_means" not in run for run in runs):
        raise SystemExit("A run has no 'task_means': it was written before compare_search_settings.py recorded them.")
    if any(run["command"]["budget"] < 50 for run in runs):
        raise SystemExit("The rule reads regrets at 25 and 50: every run needs --budget 50 or more.")
    for v in decide(runs, args.rule, args.adopt_alpha):
        at_10 = f"{v['difference_10']:+.4f} at 10 (p {v['p_10']:.3f}), "
        level = f" [adopting at p < {args.adopt_alpha:g}]" if args.adopt_alpha != ALPHA else ""
        print(
            f"{v['method']} {v['variant']} against {v['first']} over {v['tasks']} tasks{level}: {at_10}"
            f"{v['difference_25']:+.4f} at 25 (p {v['p_25']:.3f}), "
            f"{v['difference_50']:+.4f} at 50 (p {v['p_50']:.3f}); "
            f"significant losses at 50: {', '.join(v['significant_losses_50']) or 'none'} -> "
            + ("adopt" if v["adopt"] else f"keep {v['first']}")
        )


if __name__ == "__main__":
    main()
