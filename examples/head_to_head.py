"""Run a head-to-head benchmark from Python and read its summary (the benchmark reader's path).

    python examples/head_to_head.py [--tasks 4] [--seeds 5] [--budget 30] [--out runs/example_bench]

``--tasks N`` takes the first N tasks of the split. With the defaults above, the same study as `rl-hpo bench
--suite synthetic/mixed --split validation --methods ppo,tpe,random --tasks 64,65,66,67 --budget 30 --seeds 5
--workers 2` (whose ``--tasks`` lists the instances).
Re-running continues an interrupted study.
"""

from __future__ import annotations

import argparse

import pandas as pd

from rl_hpo.bench import BenchSettings, run_bench
from rl_hpo.tasks.registry import load_suite


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--budget", type=int, default=30)
    parser.add_argument("--tasks", type=int, default=4, help="the first TASKS tasks of the split")
    parser.add_argument("--out", default="runs/example_bench")
    args = parser.parse_args()
    names = load_suite("synthetic/mixed").task_names("validation")
    if not 1 <= args.tasks <= len(names):
        parser.error(f"--tasks takes 1 to {len(names)}, the tasks of synthetic/mixed's validation split")
    settings = BenchSettings(
        out=args.out,
        suite="synthetic/mixed",
        split="validation",
        tasks=names[: args.tasks],
        methods=("ppo", "tpe", "random"),
        budget=args.budget,
        seeds=args.seeds,
        workers=2,
    )
    study = run_bench(settings, progress=False)
    summary = pd.read_csv(study.path / "summary.csv")
    print(summary.pivot(index="method", columns="budget", values="regret_mean").round(3))
    print(f"report: {study.path / 'report.md'}")


if __name__ == "__main__":  # the process pool spawns workers that import this file
    main()
