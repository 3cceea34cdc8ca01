"""The PPO policy against random search on the lcbench test split (until the bench harness exists).

Protocol (BENCHMARK_PROTOCOL.md): 6 test datasets x 10 seeds, budget 50 full-fidelity evaluations,
``val_accuracy`` at epoch 52; normalized regret of the best score so far at 10 / 25 / 50 evaluations,
mean over seeds then over datasets, with the standard error over datasets. The best possible score of a
dataset is the task's stored bound raised to the best score any run here found (so regret is never
negative); the worst is the stored bound.

Usage::

    RL_HPO_YAHPO_DATA=/path/to/yahpo_data nice python benchmarks/ppo_vs_random_lcbench.py \\
        [--policy default|DIR] [--suite yahpo/lcbench] [--split test] [--seeds 10] [--budget 50] \\
        [--methods ppo,random] [--out benchmarks/results/ppo_vs_random_lcbench.json]

Prints a table and writes the per-run curves, the summary and the command as JSON.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from pathlib import Path

import numpy as np

from rl_hpo.optimizer import make_optimizer
from rl_hpo.tasks.registry import load_suite

BUDGETS = (10, 25, 50)


def run(method: str, task, seed: int, budget: int, options: dict) -> tuple[np.ndarray, float]:
    """Best-so-far scores of one run (length ``budget``) and its median decision time."""
    optimizer = make_optimizer(method, task.space, seed=seed, fidelity=task.fidelity, **options)
    history = optimizer.optimize(task, budget)
    scores = np.array([r.score for r in history.records], dtype=float)
    scores = np.where(np.isfinite(scores), scores, -np.inf)
    decision = float(np.median([r.decision_s for r in history.records]))
    return np.maximum.accumulate(scores), decision


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--policy", default="default", help="policy folder for method ppo, or 'default'")
    parser.add_argument("--suite", default="yahpo/lcbench")
    parser.add_argument("--split", default="test")
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--budget", type=int, default=50)
    parser.add_argument("--methods", default="ppo,random")
    parser.add_argument("--ppo-options", default="{}", help="JSON dict of PolicyOptimizer options")
    parser.add_argument("--out", default=None, help="JSON file for the results")
    args = parser.parse_args(argv)

    tasks = load_suite(args.suite).load(args.split)
    methods = args.methods.split(",")
    ppo_options = {"policy": args.policy, **json.loads(args.ppo_options)}
    curves: dict[str, dict[str, list[list[float]]]] = {m: {} for m in methods}
    decisions: dict[str, list[float]] = {m: [] for m in methods}
    start = time.perf_counter()
    for task in tasks:
        for method in methods:
            options = ppo_options if method == "ppo" else {}
            runs = []
            for seed in range(args.seeds):
                best, decision = run(method, task, seed, args.budget, options)
                runs.append(best.tolist())
                decisions[method].append(decision)
            curves[method][task.name] = runs

    budgets = [b for b in BUDGETS if b <= args.budget]
    summary: dict[str, dict[str, float]] = {m: {} for m in methods}
    bounds = {}
    for task in tasks:
        found = max(max(r[-1] for r in curves[m][task.name]) for m in methods)
        b = task.bounds
        bounds[task.name] = {"worst": b.worst, "best": max(b.best, found), "stored_best": b.best}
    for method in methods:
        for budget in budgets:
            per_task = []
            for task in tasks:
                lo, hi = bounds[task.name]["worst"], bounds[task.name]["best"]
                regrets = [(hi - r[budget - 1]) / (hi - lo) for r in curves[method][task.name]]
                per_task.append(float(np.mean(np.clip(regrets, 0.0, 1.0))))
            summary[method][f"regret@{budget}"] = float(np.mean(per_task))
            summary[method][f"sem@{budget}"] = float(np.std(per_task, ddof=1) / np.sqrt(len(per_task)))
        summary[method]["median_decision_ms"] = 1e3 * float(np.median(decisions[method]))

    print(f"{args.suite} {args.split}: {len(tasks)} tasks x {args.seeds} seeds, budget {args.budget}")
    print(f"{'method':>8} " + " ".join(f"{'regret@' + str(b):>16}" for b in budgets) + "  decision")
    for method in methods:
        stats = summary[method]
        cells = " ".join(f"{stats[f'regret@{b}']:.3f} ± {stats[f'sem@{b}']:.3f}".rjust(16) for b in budgets)
        print(f"{method:>8} {cells}  {summary[method]['median_decision_ms']:.2f} ms")
    result = {
        "command": " ".join(shlex.quote(a) for a in ["python", *sys.argv]),
        "suite": args.suite,
        "split": args.split,
        "seeds": args.seeds,
        "budget": args.budget,
        "ppo_options": ppo_options,
        "bounds": bounds,
        "summary": summary,
        "curves": curves,
        "seconds": time.perf_counter() - start,
    }
    if "ppo" in methods:
        from rl_hpo.agents.policy_file import load_policy

        result["policy_sha256"] = load_policy(args.policy).sha256
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(result, indent=1) + "\n")
    return result


if __name__ == "__main__":
    main()
