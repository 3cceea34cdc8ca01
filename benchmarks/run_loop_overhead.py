"""Seconds per trial that the run loop itself costs on long runs: what ``tune`` adds around a method's decisions.

Hyperband on a trivial objective (the score is ``x``, nothing is fitted) with a fidelity range of 1 to 10,000:
its brackets make thousands of cheap trials at low fidelities, so a run of a few full-fidelity budgets is a run of
thousands of trials, and any per-trial work of ``tune`` that grows with the trials so far (the history's sums,
callbacks) shows as seconds per trial rising with the run's length. ``--method bohb`` runs BOHB instead, whose
model (two kernel densities per fidelity level, refitted at each result as HpBandSter does) adds its own work
per trial.

Usage::

    python benchmarks/run_loop_overhead.py [--budgets 1,3] [--repeats 3] [--method hyperband|bohb]

Prints, per budget, the trials of the run and the median wall time per trial over ``--repeats`` runs.
"""

from __future__ import annotations

import argparse
import statistics
import time

import rl_hpo
from rl_hpo import Fidelity, Float, FunctionTask


def run_seconds(budget: float, method: str = "hyperband") -> tuple[int, float]:
    """(trials, seconds) of one run of ``budget`` full-fidelity evaluations."""
    task = FunctionTask(
        lambda config, rows: config["x"], {"x": Float(0.0, 1.0)}, fidelity=Fidelity("rows", 1, 10_000, integer=True)
    )
    start = time.perf_counter()
    history = rl_hpo.tune(task, budget=budget, method=method, seed=0, progress=False)
    return history.n_trials, time.perf_counter() - start


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--budgets", default="1,3", help="full-fidelity budgets, comma-separated")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--method", choices=("hyperband", "bohb"), default="hyperband")
    args = parser.parse_args(argv)
    print("| budget | trials | ms per trial (median) |")
    print("|---|---|---|")
    for budget in (float(b) for b in args.budgets.split(",")):
        runs = [run_seconds(budget, args.method) for _ in range(args.repeats)]
        per_trial = statistics.median(seconds / trials for trials, seconds in runs)
        print(f"| {budget:g} | {runs[0][0]} | {1000 * per_trial:.3f} |")


if __name__ == "__main__":
    main()
