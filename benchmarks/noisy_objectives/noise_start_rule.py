"""The noisy half of the rules fixed before the runs of ``noise_start.sh`` (``README.md`` in this folder, "A second
start with noise", "An upper bound on the noise" and "A lower bound on the lengthscales"): pooled over every task of
the given bench runs (on the noisy suites' train splits), is the noiseless score of the incumbent at 50 of
``ei_VARIANT`` higher than plain ``ei``'s, and ``ppo_VARIANT``'s than ``ppo``'s, with a two-sided Wilcoxon p below
0.05 on the per-task means over seeds?

Usage::

    python benchmarks/noisy_objectives/noise_start_rule.py [--variant noise_bound|lengthscale_bound] RUN_DIR ...
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from rl_hpo.bench import metrics
from rl_hpo.bench.report import read_trials

METHODS = ("ei", "ppo")
BUDGET = 50
ALPHA = 0.05


def task_means(run: Path) -> dict[str, np.ndarray]:
    """Each method's noiseless incumbent score at ``BUDGET``, mean over seeds per task, in the run's task order."""
    trials = read_trials(run / "trials.csv")
    curves = metrics.regret_curves(trials, [BUDGET], column="incumbent_test_score", before=np.nan)
    at = curves.at(BUDGET)
    with np.errstate(invalid="ignore"):
        means = np.nanmean(at, axis=2)
    return {method: means[i] for i, method in enumerate(curves.methods)}


def decide(runs: list[Path], variant: str = "noise_start") -> list[str]:
    per_run = [(run, task_means(run)) for run in runs]
    lines = []
    for first, other in ((method, f"{method}_{variant}") for method in METHODS):
        for run, means in per_run:
            a, b = means[other], means[first]
            lines.append(
                f"{run.name}: {other} {np.mean(a):.4f} against {first} {np.mean(b):.4f} "
                f"({a.size} tasks, p {metrics.wilcoxon_pvalue(a, b):.3f})"
            )
        a = np.concatenate([means[other] for _, means in per_run])
        b = np.concatenate([means[first] for _, means in per_run])
        diff, p = float(np.mean(a - b)), metrics.wilcoxon_pvalue(a, b)
        verdict = "gain" if diff > 0 and p < ALPHA else "no gain"
        lines.append(f"pooled ({a.size} tasks): {other} - {first} = {diff:+.4f} at {BUDGET}, p {p:.3f}: {verdict}")
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("runs", nargs="+", type=Path, help="bench output folders with trials.csv")
    parser.add_argument(
        "--variant", default="noise_start", help="the methods METHOD_VARIANT set against METHOD (default: noise_start)"
    )
    args = parser.parse_args(argv)
    print("\n".join(decide(args.runs, args.variant)))


if __name__ == "__main__":
    main()
