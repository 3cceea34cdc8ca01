"""Whether two versions of the code make the same decisions, bit for bit: the trials of ``ppo`` (the shipped
general policy) and ``ei`` on a few tasks, written to a JSON file and compared with another version's.

A change meant only to make decisions faster (``benchmarks/decision_overhead.py``) must leave every trial as
it was: every configuration and score to the last digit, so that the studies recorded at an earlier commit
still describe the code. Round-off alone sets trajectories apart within a few trials, so an identical file
is strong evidence that no step of a decision changed. Decision times are left out of the file.

The default tasks cover numeric, integer, categorical and conditional parameters (synthetic/mixed, the YAHPO
rbv2_xgboost, lcbench and iaml_glmnet spaces), a heavy bad tail (``rl_hpo.tasks.heavy_tail``, which the GP's
outliers warp reshapes) and a long run past the GP's ``max_points`` of 200. Tasks that need the YAHPO data
are left out, with a note, where ``RL_HPO_YAHPO_DATA`` is not set; both versions must then be run the same way.

Run at each version (a worktree at each commit), then compare:
    PYTHONPATH=/path/to/a python benchmarks/same_decisions.py --out a.json
    PYTHONPATH=/path/to/b python benchmarks/same_decisions.py --out b.json --compare a.json
The second prints the first trial where the two differ and exits with status 1, or says they are the same.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

import rl_hpo
from rl_hpo.agents.policy_file import default_policy_path
from rl_hpo.tasks.heavy_tail import HeavyTailedTask

#: (task, budget): the heavy-tailed lcbench task is told through -expm1(10 r), r its normalized regret.
TASKS = (
    ("synthetic/mixed/64", 100),
    ("synthetic/mixed/65", 100),
    ("synthetic/mixed/70", 100),
    ("synthetic/branin/0", 100),
    ("yahpo/rbv2_xgboost/31", 100),
    ("yahpo/lcbench/167152", 100),
    ("yahpo/iaml_glmnet/1067", 100),
    ("heavy:yahpo/lcbench/167185", 100),
    ("synthetic/mixed/66", 230),
)
HEAVY_TAIL_K = 10.0


def load(name: str) -> rl_hpo.Task:
    if name.startswith("heavy:"):
        return HeavyTailedTask(rl_hpo.load_task(name.removeprefix("heavy:")), HEAVY_TAIL_K)
    return rl_hpo.load_task(name)


def parse_task(text: str) -> tuple[str, int]:
    """``"synthetic/branin/0@20"`` -> ``("synthetic/branin/0", 20)``; without ``@`` the budget is 100."""
    name, _, budget = text.partition("@")
    return name, int(budget) if budget else 100


def trajectories(tasks: list[tuple[str, int]], methods: list[str], seeds: int) -> dict[str, list[dict[str, Any]]]:
    """``"task|method|seed"`` -> the run's records without their decision times."""
    out = {}
    for name, budget in tasks:
        task = load(name)
        for method in methods:
            options = {"policy": default_policy_path()} if method == "ppo" else {}
            for seed in range(seeds):
                history = rl_hpo.tune(task, budget=budget, method=method, seed=seed, progress=False, **options)
                records = [{k: v for k, v in r.items() if k != "decision_s"} for r in history.to_records()]
                out[f"{name}|{method}|{seed}"] = records
        print(f"  {name}: done", flush=True)
    return out


def first_difference(a: dict[str, list[dict[str, Any]]], b: dict[str, list[dict[str, Any]]]) -> str | None:
    """A description of the first run and trial where ``a`` and ``b`` differ, None where they are the same."""
    if a.keys() != b.keys():
        return f"different runs: only in one of them {sorted(a.keys() ^ b.keys())}"
    for run in a:
        for i, (ra, rb) in enumerate(zip(a[run], b[run], strict=False)):
            if ra != rb:
                return f"{run}: trial {i} differs: {ra} against {rb}"
        if len(a[run]) != len(b[run]):
            return f"{run}: {len(a[run])} trials against {len(b[run])}"
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True, help="JSON file for this version's trajectories")
    parser.add_argument("--compare", type=Path, help="another version's file: exit 1 where they differ")
    parser.add_argument("--tasks", help="comma-separated task[@budget], budget 100 by default (default: TASKS)")
    parser.add_argument("--methods", default="ppo,ei", help="comma-separated methods")
    parser.add_argument("--seeds", type=int, default=3, help="seeds per task and method")
    args = parser.parse_args()
    tasks = [parse_task(t) for t in args.tasks.split(",")] if args.tasks else list(TASKS)
    if not os.environ.get("RL_HPO_YAHPO_DATA"):
        left_out = [name for name, _ in tasks if "yahpo/" in name]
        tasks = [(name, budget) for name, budget in tasks if "yahpo/" not in name]
        if left_out:
            print(f"RL_HPO_YAHPO_DATA is not set: left out {', '.join(left_out)}")
    runs = trajectories(tasks, args.methods.split(","), args.seeds)
    args.out.write_text(json.dumps(runs))
    print(f"wrote {len(runs)} runs to {args.out}")
    if args.compare:
        difference = first_difference(json.loads(args.compare.read_text()), json.loads(args.out.read_text()))
        if difference:
            print(f"NOT the same decisions: {difference}")
            sys.exit(1)
        print(f"the same decisions as {args.compare}: every trial of {len(runs)} runs")


if __name__ == "__main__":
    main()
