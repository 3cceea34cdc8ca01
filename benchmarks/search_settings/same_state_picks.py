"""Two settings of the candidate search set side by side from the same states: what each would pick next, and how
good that pick is.

    python benchmarks/search_settings/same_state_picks.py --suites prior/gp-50d --max-tasks 8 --seeds 3 \\
        --variant polish_scale=cube --variant polish_scale=lengthscales [--rollout 10 --every 5]

Plain EI runs each task for 50 evaluations with the first variant's settings. At every decision after the initial
design, a copy of its state (the points, the GP, the generator of the candidate moves) is made under each variant, and
each copy picks its candidate of largest expected improvement; both picks are evaluated on the task (not told to the
run, which goes on with the first variant's pick). From the same generator state the two pools are the same up to what
the variants change, so the difference between the picks is the variant's alone.

Per suite the script prints: the share of decisions where the picks differ; among those, the mean difference (second
minus first) of the picked point's normalized regret (its own score's, not the best so far) and the share where the
second's pick scores higher; the mean difference of the picks' log expected improvement; the share where the GP
ordered the two picks (by posterior mean) as their scores do; and each pick's mean improvement on the best score so
far (normalized; 0 where it does not improve, the quantity expected improvement forecasts) with the share of picks
that improve. That is one step: it says nothing of what a pick teaches the GP for later decisions. With
``--rollout K`` each pick is also told to a copy of the run, which goes on for K evaluations by the first variant's
settings, and the script prints the mean normalized regret of the best score each copy reaches: what a pick is worth
once the decisions it informs are counted (``--every M`` sets the picks side by side at every M-th decision only, to
save time). Validation and train splits only; it makes no choice.
"""

from __future__ import annotations

import argparse
import copy
import json
from pathlib import Path
from typing import Any

import numpy as np

from rl_hpo.acquisition.search import SearchSettings, settings_with_changes
from rl_hpo.baselines.expected_improvement import ExpectedImprovement
from rl_hpo.bench.runner import script_provenance
from rl_hpo.tasks.registry import load_suite, load_task


def same_state_picks(
    task_name: str,
    seeds: list[int],
    variants: list[SearchSettings],
    budget: int,
    rollout: int = 0,
    every: int = 1,
) -> list[dict]:
    """One record per decision (every ``every``-th after the initial design) of every seed's run: per variant, the
    pick's normalized regret, improvement on the best so far, log EI and GP mean; with ``rollout``, also the
    normalized regret of the best score after the pick and ``rollout`` further evaluations by the first variant's
    settings (decisions with room for them within ``budget`` only)."""
    task = load_task(task_name)
    bounds = task.bounds
    if bounds is None or bounds.degenerate:
        raise SystemExit(f"{task_name}: the script needs score bounds that span a range.")
    span = bounds.best - bounds.worst
    records: list[dict] = []
    for seed in seeds:
        optimizer = ExpectedImprovement(task.space, seed=seed, settings=variants[0])
        optimizer.plan(budget)
        for _ in range(budget):
            search = optimizer.search_
            made = search.n_evals - optimizer.n_initial
            room = search.n_evals + 1 + rollout <= budget
            if made >= 0 and made % every == 0 and room:
                record: dict[str, Any] = {"task": task_name, "seed": seed, "known": search.n_evals, "picks": []}
                points = []
                for settings in variants:
                    fork = copy.deepcopy(search)
                    fork.settings = settings
                    proposal = fork.propose(optimizer.pending())
                    best = int(np.argmax(proposal.log_ei))
                    u = proposal.u[best]
                    score = float(task.evaluate_unit(u[None])[0][0])
                    mean = float(fork.gp.predict(*fork._rows(u[None]))[0][0])
                    pick = {
                        "regret": (bounds.best - score) / span,
                        "gain": max(0.0, score - search.best_score) / span,
                        "log_ei": float(proposal.log_ei[best]),
                        "mean": mean,
                    }
                    if rollout:
                        pick["regret_after"] = (bounds.best - _best_after(optimizer, task, u, score, rollout)) / span
                    record["picks"].append(pick)
                    points.append(u)
                record["differ"] = bool(np.any(points[0] != points[1]))
                record["rollout"] = rollout
                records.append(record)
            trial = optimizer.ask()
            optimizer.tell(trial, task.evaluate(trial.config).score)
    return records


def _best_after(optimizer: ExpectedImprovement, task: Any, u: np.ndarray, score: float, rollout: int) -> float:
    """The best score of a copy of ``optimizer`` told the pick ``u`` (scoring ``score``) and then run ``rollout`` more
    evaluations as it is set; the run itself is left as it was."""
    branch = copy.deepcopy(optimizer)
    branch.search_.add(u, score)
    best = max(optimizer.search_.best_score, score)
    for _ in range(rollout):
        trial = branch.ask()
        result = task.evaluate(trial.config).score
        branch.tell(trial, result)
        best = max(best, result)
    return best


def summary(records: list[dict]) -> str:
    differ = [r for r in records if r["differ"]]
    if not differ:
        return f"{len(records)} decisions, the picks never differ"
    keys = ("regret", "log_ei", "mean", "gain")
    first = np.array([[p[k] for k in keys] for r in differ for p in r["picks"][:1]])
    second = np.array([[p[k] for k in keys] for r in differ for p in r["picks"][1:2]])
    regret = second[:, 0] - first[:, 0]
    predicted = np.sign(second[:, 2] - first[:, 2])
    agree = np.mean(predicted[regret != 0] == np.sign(-regret[regret != 0])) if np.any(regret != 0) else float("nan")
    log_ei = np.mean(second[:, 1] - first[:, 1])
    after = ""
    if "regret_after" in differ[0]["picks"][0]:
        a, b = (np.array([r["picks"][i]["regret_after"] for r in differ]) for i in (0, 1))
        after = (
            f"; best so far after the pick and {differ[0]['rollout']} more evaluations by the first setting: regret "
            f"{a.mean():.4f} and {b.mean():.4f} (second's lower in {np.mean(b < a):.2f}, "
            f"higher in {np.mean(b > a):.2f})"
        )
    return (
        f"{len(records)} decisions, picks differ in {len(differ) / len(records):.2f}; there: regret of the pick "
        f"{regret.mean():+.4f} (second's higher-scoring in {np.mean(regret < 0):.2f}), log EI {log_ei:+.3f}, "
        f"GP's order right in {agree:.2f}; improvement on the best so far {first[:, 3].mean():.5f} and "
        f"{second[:, 3].mean():.5f} (improving in {np.mean(first[:, 3] > 0):.2f} and {np.mean(second[:, 3] > 0):.2f})"
        + after
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--suites", required=True, help="comma-separated suites")
    parser.add_argument("--split", default="validation", choices=("validation", "train"))
    parser.add_argument("--max-tasks", type=int, default=4)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--budget", type=int, default=50)
    parser.add_argument("--variant", action="append", required=True, help="settings changes; give exactly two")
    parser.add_argument(
        "--rollout",
        type=int,
        default=0,
        help="also continue each pick's run this many evaluations by the first setting and record its best score",
    )
    parser.add_argument(
        "--every", type=int, default=1, help="set the picks side by side at every this-many-th decision"
    )
    parser.add_argument("--out", type=Path, help="write every decision's record here (JSON)")
    args = parser.parse_args()
    if len(args.variant) != 2:
        parser.error("give exactly two --variant options (the run follows the first)")
    variants = [settings_with_changes(v) for v in args.variant]
    record: dict[str, Any] = {
        "command": {k: str(v) for k, v in vars(args).items()},
        "provenance": script_provenance(),
        "decisions": {},
    }
    print(f"first: {args.variant[0]}; second: {args.variant[1]}")
    for suite in args.suites.split(","):
        names = load_suite(suite).task_names(args.split)[: args.max_tasks]
        decisions = [
            d
            for name in names
            for d in same_state_picks(name, list(range(args.seeds)), variants, args.budget, args.rollout, args.every)
        ]
        record["decisions"][suite] = decisions
        print(f"{suite} {args.split} ({len(names)} tasks x {args.seeds} seeds): {summary(decisions)}", flush=True)
    if args.out:
        args.out.write_text(json.dumps(record) + "\n")


if __name__ == "__main__":
    main()
