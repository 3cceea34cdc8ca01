"""How often a method's choice lands on a table entry it evaluated already, on tabulated scikit-learn tasks.

    python benchmarks/early_phase/table_repeats.py --suites sklearn/all --split train --seeds 5

A tabulated scikit-learn task (``rl_hpo.tasks._sklearn_table``) serves every point from the nearest of its 256
random configurations, so two different configurations near each other get one score. A choice that lands on
an entry evaluated already tells the method nothing new and cannot improve its best score. This counts, for
each method and evaluation, the share of runs whose choice at that evaluation maps to an entry already
evaluated in the run, and prints its mean over evaluations 6 to 10, 11 to 25 and 26 to 50. Train and
validation splits only; it makes no choice.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch

from rl_hpo.agents.policy_file import load_policy
from rl_hpo.agents.train_settings import TrainConfig
from rl_hpo.bench.runner import script_provenance
from rl_hpo.optimizer import make_optimizer
from rl_hpo.tasks._sklearn_table import TabulatedSklearnTask

#: Evaluation ranges reported (first and last, both included).
RANGES = ((6, 10), (11, 25), (26, 50))


def repeat_shares(task: TabulatedSklearnTask, method: str, seeds: list[int], budget: int) -> np.ndarray:
    """Per evaluation (1 .. budget): the share of runs whose choice maps to a table entry evaluated before."""
    repeats = np.zeros(budget)
    for seed in seeds:
        history = make_optimizer(method, task.space, seed=seed).optimize(task, budget)
        entries, _ = task.lookup(task.space.encode_batch(record.config for record in history.records))
        seen: set[int] = set()
        for i, entry in enumerate(entries):
            repeats[i] += int(entry) in seen
            seen.add(int(entry))
    return repeats / len(seeds)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--suites", default="sklearn/all", help="comma-separated scikit-learn suites")
    parser.add_argument("--split", default="train", choices=("train", "validation"))
    parser.add_argument("--seeds", type=int, default=5, help="seeds per task")
    parser.add_argument("--max-tasks", type=int, default=64, help="the first this many tasks of each suite")
    parser.add_argument("--methods", default="ppo,ei,random", help="comma-separated methods")
    parser.add_argument("--out", type=Path, help="write the shares per evaluation as JSON here")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    budget = RANGES[-1][1]
    seeds = list(range(args.seeds))
    suites = TrainConfig(suites=tuple(args.suites.split(",")), eval_split=args.split).validation_tasks(args.max_tasks)
    table: dict[str, dict[str, list[float]]] = {}
    # ppo: the shipped default of this checkout (these spaces have no specialist)
    provenance = {**script_provenance(), "ppo_policy_sha256": load_policy("default").sha256}
    for suite, tasks in suites.items():
        if not all(isinstance(task, TabulatedSklearnTask) for task in tasks):
            parser.error(f"{suite} is not served from tables; this counts table entries of scikit-learn suites.")
        table[suite] = {}
        for method in args.methods.split(","):
            shares = np.mean([repeat_shares(task, method, seeds, budget) for task in tasks], axis=0)
            table[suite][method] = shares.tolist()
            ranges = ", ".join(f"{lo}-{hi}: {shares[lo - 1 : hi].mean():.2f}" for lo, hi in RANGES)
            print(f"{suite} {args.split} ({len(tasks)} tasks x {len(seeds)} seeds) {method}: {ranges}", flush=True)
    if args.out:
        args.out.write_text(
            json.dumps({"settings": vars(args) | {"out": str(args.out)}, "provenance": provenance, "shares": table})
            + "\n"
        )


if __name__ == "__main__":
    main()
