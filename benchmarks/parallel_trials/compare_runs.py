"""Two runs of the same study at two commits, method by method: each method's mean normalized regret at 25 and 50
in both and the two-sided Wilcoxon p over tasks of the per-task means (the same tasks and seeds in both runs).

Usage::

    python benchmarks/parallel_trials/compare_runs.py NEW_RUN_DIR OLD_RUN_DIR
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from rl_hpo.bench import metrics
from rl_hpo.bench.report import read_trials

BUDGETS = (25, 50)


def task_means(run: Path) -> tuple[tuple[str, ...], dict[str, np.ndarray]]:
    """The run's tasks and, per method, its mean regret over seeds per task at each of ``BUDGETS`` (tasks x budgets)."""
    curves = metrics.regret_curves(read_trials(run / "trials.csv"), BUDGETS)
    with np.errstate(invalid="ignore"):
        means = np.nanmean(curves.values, axis=2)  # methods x tasks x budgets
    return curves.tasks, {method: means[i] for i, method in enumerate(curves.methods)}


def compare(new: Path, old: Path) -> list[str]:
    (new_tasks, new_means), (old_tasks, old_means) = task_means(new), task_means(old)
    if new_tasks != old_tasks:
        raise SystemExit(f"{new} and {old} ran other tasks; compare runs of the same study.")
    lines = []
    for method in (m for m in new_means if m in old_means):
        parts = []
        for j, budget in enumerate(BUDGETS):
            a, b = new_means[method][:, j], old_means[method][:, j]
            p = metrics.wilcoxon_pvalue(a, b)
            parts.append(f"at {budget} {np.mean(b):.4f} -> {np.mean(a):.4f} (p {p:.3f})")
        lines.append(f"{method} ({len(new_tasks)} tasks): " + ", ".join(parts))
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("new", type=Path, help="a bench output folder with trials.csv")
    parser.add_argument("old", type=Path, help="the same study at the other commit")
    args = parser.parse_args(argv)
    print("\n".join(compare(args.new, args.old)))


if __name__ == "__main__":
    main()
