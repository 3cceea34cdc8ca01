"""What each method does while every score it has seen is the same penalty: under ``penalty.sh``'s penalty (-1e20 for
every configuration of normalized regret above 0.5, ``rl_hpo.tasks.penalized``), per method and suite, the trial at
which a run first meets a configuration that is not penalized (counting from 1; the budget + 1 where none), how many
runs meet none, the share of penalized trials, the share of float parameters set to a bound of their range in the
decisions made while no two scores differed (after the initial design), and the regret at the budget on the task's
own scale.

Usage::

    python benchmarks/heavy_tails/tied_history.py [--suites synthetic/mixed,yahpo/rbv2_xgboost] [--max-tasks 8]
        [--seeds 3] [--first-seed 21000] [--budget 50]
"""

from __future__ import annotations

import argparse
import dataclasses
import math

import numpy as np

from rl_hpo.acquisition.search import SearchSettings
from rl_hpo.agents.candidate_policy_optimizer import CandidatePolicyOptimizer
from rl_hpo.agents.policy_file import load_policy
from rl_hpo.baselines.expected_improvement import ExpectedImprovement
from rl_hpo.bench.evaluation import regret_at
from rl_hpo.optimizer import Optimizer, make_optimizer
from rl_hpo.space import Float, SearchSpace
from rl_hpo.tasks.heavy_tail import as_is
from rl_hpo.tasks.penalized import PenalizedTask
from rl_hpo.tasks.registry import load_suite

METHODS = ("random", "tpe", "ei ties=search", "ei ties=design", "ppo ties=search", "ppo ties=design")


def make(method: str, space: SearchSpace, seed: int, settings: SearchSettings) -> Optimizer:
    """One of ``METHODS``: random search and TPE as ``make_optimizer`` builds them, ``ei`` and the shipped policy with
    the policy's search settings and the ``ties`` the name gives."""
    name, _, ties = method.partition(" ties=")
    if not ties:
        return make_optimizer(name, space, seed=seed)
    settings = dataclasses.replace(settings, ties=ties)
    if name == "ei":
        return ExpectedImprovement(space, seed=seed, settings=settings)
    return CandidatePolicyOptimizer(space, seed=seed, policy="default", settings=settings)


def on_bounds(space: SearchSpace, config: dict[str, object]) -> list[bool]:
    """For each float parameter of ``config``, whether it is set to a bound of its range."""
    return [config[n] in (p.low, p.high) for n, p in space.items() if isinstance(p, Float) and n in config]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suites", default="synthetic/mixed,yahpo/rbv2_xgboost", help="comma-separated suites")
    parser.add_argument("--split", default="validation", help="the suites' split (default validation)")
    parser.add_argument("--max-tasks", type=int, default=8, help="tasks per suite (default 8)")
    parser.add_argument("--seeds", type=int, default=3, help="runs per task (default 3)")
    parser.add_argument("--first-seed", type=int, default=21000, help="the first run's seed (default 21000)")
    parser.add_argument("--budget", type=int, default=50, help="evaluations per run (default 50)")
    parser.add_argument("--penalty", type=float, default=1e20, help="the penalty told (default 1e20)")
    args = parser.parse_args(argv)
    settings = load_policy("default").search_settings
    print("| suite | method | first unpenalized trial (mean) | runs with none | penalized share | float parameters "
          f"on a bound while tied | regret at {args.budget} |")  # fmt: skip
    print("|---|---|---|---|---|---|---|")
    for suite in args.suites.split(","):
        tasks = load_suite(suite).load(args.split)[: args.max_tasks]
        for method in METHODS:
            firsts, nones, penalized, bounds, regrets = [], 0, [], [], []
            for task in tasks:
                told = PenalizedTask(task, args.penalty)
                for seed in range(args.first_seed, args.first_seed + args.seeds):
                    optimizer = make(method, task.space, seed, settings)
                    history = optimizer.optimize(told, args.budget)
                    scores = np.array([r.score for r in history.records])
                    bad = ~(scores > -args.penalty)  # a failed trial counts as penalized
                    firsts.append(int(np.argmin(bad)) + 1 if not bad.all() else args.budget + 1)
                    nones += bool(bad.all())
                    penalized.extend(bad)
                    design = getattr(optimizer, "n_initial", 10)  # TPE's startup trials: 10
                    seen: set[float] = set()
                    for i, record in enumerate(history.records):
                        if i >= design and len(seen) < 2:
                            bounds.extend(on_bounds(task.space, record.config))
                        if math.isfinite(record.score):
                            seen.add(record.score)
                    regrets.append(regret_at(as_is(history), task.bounds, [args.budget])[0])
            share = f"{np.mean(bounds):.2f} of {len(bounds)}" if bounds else "-"
            found = f"{np.mean(firsts):.1f} | {nones} of {len(firsts)}"
            print(f"| {suite} | {method} | {found} | {np.mean(penalized):.3f} | {share} | {np.mean(regrets):.3f} |",
                  flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
