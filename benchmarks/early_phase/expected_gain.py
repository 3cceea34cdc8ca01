"""The policy's first choices against random search, measured without random search's own luck.

    python benchmarks/early_phase/expected_gain.py --suites yahpo/rbv2_xgboost --split train --seeds 5

Right after the initial design (5 points: random search's own first points for the seed with uniform points,
``initial_design="random"``; by default those made a Latin hypercube), a method's mean
regret curve is compared with random search's realized one: one uniform draw per run and evaluation. A draw
that lands on a good configuration moves that curve by as much as the method's whole advantage, so with tens
of tasks the comparison at evaluations 6 to 10 is mostly noise. This study measures both sides as
expectations instead, from the states of the shipped policy's own runs:

- the policy's expected one-step gain: every candidate of its shortlist is evaluated, and the gains are
  weighted by the policy's softmax over them (what it samples from);
- plain EI's from the same shortlist (its argmax);
- a uniform draw's: ``--draws`` uniform points evaluated from the same state, their mean gain.

Gain is the fall in normalized regret (the task's bounds). It also reports, per evaluation, the policy's
realized mean regret, random search's realized mean regret on the same seeds, and random search's expected
regret given the same initial design, computed from ``--draws`` uniform points per run by order statistics
(the expected best of k draws with replacement from their empirical distribution), and the runs in which a
uniform draw would have gained most over the policy. No choice is made here; train and validation splits
only.

Scikit-learn suites are served from their cached tables (256 configurations per dataset, built once on first
use), as in training; a table returns an evaluated point's score for a move near it, which understates what
local moves gain (``table_repeats.py``). ``--sklearn-live`` fits the pipelines instead, with regret normalized
by their tables' bounds; with ``--candidates K`` each state then evaluates K draws from the policy's softmax
(an estimate of its expected gain without bias) and EI's argmax rather than the whole shortlist, which live
fits would make slow.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch

from rl_hpo.acquisition.search import CandidateSearch
from rl_hpo.agents.candidate_policy_optimizer import CandidatePolicyOptimizer
from rl_hpo.agents.policy_file import Policy, load_policy
from rl_hpo.agents.train_settings import TrainConfig
from rl_hpo.baselines.random_search import RandomSearch
from rl_hpo.bench import metrics
from rl_hpo.bench.evaluation import regret_at
from rl_hpo.bench.runner import script_provenance
from rl_hpo.tasks.base import ScoreBounds, Task
from rl_hpo.tasks.registry import load_task

SUITES = "yahpo/lcbench,yahpo/rbv2_xgboost,synthetic/mixed,prior/gp"
POLICY = "rl_hpo/data/policies/prior_gp"
COLUMNS = ("policy", "ei", "uniform", "p_improve_policy", "p_improve_uniform")


class RecordingPolicyOptimizer(CandidatePolicyOptimizer):
    """The shipped policy, choosing as it does, that also records the expected one-step gains of its state."""

    task: Task
    draws: int
    candidates: int
    draw_rng: np.random.Generator
    rows: list[list[float]]

    def _choose(self, search: CandidateSearch) -> np.ndarray:
        proposal = search.propose(self.pending())
        features = torch.as_tensor(proposal.features, dtype=torch.float32).reshape(1, -1)
        with torch.no_grad():
            p = torch.softmax(self.policy_.network.logits(features)[0].double(), dim=0).numpy()
        bounds, best = self.task.bounds, search.best_score
        largest_ei = int(np.argmax(proposal.log_ei))
        if self.candidates:
            # ``candidates`` draws from the policy's softmax (and EI's argmax) are evaluated, not the whole
            # shortlist: the mean of their gains estimates the policy's expected gain without bias.
            picks = self.draw_rng.choice(p.size, size=self.candidates, p=p)
            evaluated = np.unique(np.append(picks, largest_ei))
            shortlist = np.zeros(p.size)
            shortlist[evaluated] = gains(bounds, best, self.task.evaluate_unit(proposal.u[evaluated])[0])
            expected, improves_policy = shortlist[picks].mean(), (shortlist[picks] > 0).mean()
        else:
            shortlist = gains(bounds, best, self.task.evaluate_unit(proposal.u)[0])
            expected, improves_policy = p @ shortlist, p @ (shortlist > 0)
        draws = self.task.evaluate_unit(self.draw_rng.random((self.draws, self.space.dim)))[0]
        uniform = gains(bounds, best, draws)
        improves = np.isfinite(draws) & (draws > best)
        self.rows.append([expected, shortlist[largest_ei], uniform.mean(), improves_policy, improves.mean()])
        index = self.policy_.choose(proposal.features, None if self.deterministic else search.rng)
        return proposal.u[index]


def gains(bounds: ScoreBounds, best: float, scores: np.ndarray) -> np.ndarray:
    """Fall in normalized regret from the best score ``best`` if each score were added (0 for a failure)."""
    scores = np.where(np.isfinite(scores), scores, -np.inf)
    return bounds.regret(best) - bounds.regret(np.maximum(best, scores))


def expected_best_of(regrets: np.ndarray, start: float, ks: np.ndarray) -> np.ndarray:
    """Expected ``min(start, min of k draws)`` for each k in ``ks``, the draws made with replacement from the
    empirical distribution of ``regrets``."""
    r = np.minimum(np.sort(regrets), start)  # ascending; a draw above ``start`` leaves it
    m = r.size
    above = (m - np.arange(m)) / m  # P(one draw >= r[i]) = (m - i) / m
    # P(min of k draws = r[i]) = above[i]^k - above[i + 1]^k
    upper = above[None, :] ** ks[:, None]
    lower = np.concatenate([above[1:], [0.0]])[None, :] ** ks[:, None]
    return (upper - lower) @ r


def run_task(
    task: Task, policy: Policy, seeds: list[int], evals: int, draws: int, n_initial: int, candidates: int = 0
) -> dict[str, np.ndarray]:
    """Per seed: the recorded gains (evaluations n_initial + 1 .. evals) and the three regret curves."""
    budgets = list(range(1, evals + 1))
    out: dict[str, list] = {"gains": [], "policy": [], "random": [], "random_expected": []}
    for seed in seeds:
        opt = RecordingPolicyOptimizer(task.space, seed=seed, policy=policy)
        opt.task, opt.draws, opt.candidates, opt.rows = task, draws, candidates, []
        opt.draw_rng = np.random.default_rng([seed, 2])
        curve = regret_at(opt.optimize(task, evals), task.bounds, budgets)
        out["gains"].append(opt.rows)
        out["policy"].append(curve)
        out["random"].append(regret_at(RandomSearch(task.space, seed=seed).optimize(task, evals), task.bounds, budgets))
        # Random search's expected curve given the same design (the policy's first n_initial points).
        scores = task.evaluate_unit(np.random.default_rng([seed, 1]).random((draws, task.space.dim)))[0]
        reference = np.nan_to_num(task.bounds.regret(scores), nan=1.0)  # a failed draw never becomes the incumbent
        ks = np.arange(1, evals - n_initial + 1)
        out["random_expected"].append(
            curve[:n_initial] + list(expected_best_of(np.asarray(reference), curve[n_initial - 1], ks))
        )
    return {key: np.array(value, dtype=float) for key, value in out.items()}


def summarize(results: list[dict[str, np.ndarray]], n_initial: int, evals: int) -> list[dict[str, float]]:
    """Per evaluation after the design: means over seeds, then tasks, and a Wilcoxon test over tasks of the
    policy's expected gain against a uniform draw's."""
    per_task = {key: np.array([r[key].mean(axis=0) for r in results]) for key in results[0]}
    rows = []
    for step, evaluation in enumerate(range(n_initial + 1, evals + 1)):
        g = per_task["gains"][:, step, :]  # (tasks, columns)
        row = {"evaluation": evaluation, **{c: float(g[:, i].mean()) for i, c in enumerate(COLUMNS)}}
        row["wilcoxon_p"] = metrics.wilcoxon_pvalue(g[:, 0], g[:, 2])
        for key in ("policy", "random", "random_expected"):
            row[f"regret_{key}"] = float(per_task[key][:, evaluation - 1].mean())
        rows.append(row)
    return rows


def shortfalls(results: list[dict[str, np.ndarray]], names: list[str], seeds: list[int], n: int = 3) -> list[dict]:
    """The ``n`` runs in which a uniform draw would have gained most over the policy, on average over the
    evaluations studied: where a suite's mean comes from."""
    runs = [
        {"task": name, "seed": seed, "policy": float(g[:, 0].mean()), "uniform": float(g[:, 2].mean())}
        for name, r in zip(names, results, strict=True)
        for seed, g in zip(seeds, r["gains"], strict=True)
    ]
    return sorted(runs, key=lambda run: run["policy"] - run["uniform"])[:n]


def format_rows(rows: list[dict[str, float]]) -> str:
    lines = [
        "| evaluation | gain: policy | ei | uniform draw | p | P(improve): policy / uniform "
        "| regret: policy | random | random expected |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['evaluation']} | {r['policy']:.4f} | {r['ei']:.4f} | {r['uniform']:.4f} | {r['wilcoxon_p']:.2g} "
            f"| {r['p_improve_policy']:.2f} / {r['p_improve_uniform']:.2f} | {r['regret_policy']:.4f} "
            f"| {r['regret_random']:.4f} | {r['regret_random_expected']:.4f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--suites", default=SUITES, help="comma-separated suites")
    parser.add_argument("--split", default="validation", choices=("train", "validation"))
    parser.add_argument("--seeds", type=int, default=10, help="seeds per task")
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--max-tasks", type=int, default=64, help="the first this many tasks of each suite")
    parser.add_argument("--evals", type=int, default=15, help="the last evaluation studied")
    parser.add_argument("--draws", type=int, default=256, help="uniform points per state and per run")
    parser.add_argument(
        "--candidates",
        type=int,
        default=0,
        help="evaluate this many draws from the policy's softmax per state instead of its whole shortlist (0)",
    )
    parser.add_argument(
        "--sklearn-live",
        action="store_true",
        help="fit scikit-learn pipelines live (regret normalized by the bounds of their tables) instead of "
        "serving them from their tables",
    )
    parser.add_argument("--policy", default=POLICY)
    parser.add_argument("--out", type=Path, help="write the tables as JSON here")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    policy = load_policy(args.policy)
    n_initial = int(policy.defaults["n_initial"])
    if args.evals <= n_initial:
        parser.error(f"--evals must exceed the initial design ({n_initial} points).")
    seeds = list(range(args.first_seed, args.first_seed + args.seeds))
    table = {
        "settings": {k: str(v) for k, v in vars(args).items()},
        "provenance": {**script_provenance(), "policy_sha256": policy.sha256},
        "suites": {},
    }
    # As training and compare_search_settings.py load them: scikit-learn suites from their cached tables, unless
    # --sklearn-live.
    config = TrainConfig(
        suites=tuple(args.suites.split(",")), eval_split=args.split, sklearn_tabulated=not args.sklearn_live
    )
    tasks = config.validation_tasks(args.max_tasks)
    for suite, suite_tasks in tasks.items():
        names = [task.name for task in suite_tasks]
        for task in suite_tasks:
            if task.bounds is None and task.name.startswith("sklearn/"):
                task.bounds = load_task(task.name, tabulated=True).bounds
        start = time.perf_counter()
        results = [
            run_task(task, policy, seeds, args.evals, args.draws, n_initial, args.candidates) for task in suite_tasks
        ]
        rows = summarize(results, n_initial, args.evals)
        worst = shortfalls(results, names, seeds)
        table["suites"][suite] = {"evaluations": rows, "largest_shortfalls": worst}
        print(
            f"\n{suite} {args.split}: {len(names)} tasks x {len(seeds)} seeds "
            f"({time.perf_counter() - start:.0f} s)\n{format_rows(rows)}",
            flush=True,
        )
        print("Runs where a uniform draw would gain most over the policy (mean gain over the evaluations):")
        for run in worst:
            print(f"  {run['task']} seed {run['seed']}: policy {run['policy']:.4f}, uniform draw {run['uniform']:.4f}")
    if args.out:
        args.out.write_text(json.dumps(table, indent=1) + "\n")


if __name__ == "__main__":
    main()
