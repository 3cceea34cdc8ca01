"""Compare settings of the candidate search on validation (or train) splits: how candidate moves treat the
faces of the cube (``SearchSettings.edges``), or any other ``SearchSettings`` field, ``n_initial``, for the
policy ``deterministic=true|false`` and for ``ei_sampled`` its ``temperature`` (the exponent of EI).

Each variant runs plain expected improvement (``ei``), optionally its sampled form (``ei_sampled``, the
untrained policy), and a candidate policy (``ppo``, its trained weights with the variant's search) on the
first ``--max-tasks`` validation tasks of each suite (``--split train``: train tasks, to compare settings by
cross-validation inside the train split where a suite's validation split is small), ``--seeds`` seeds per task
(from ``--first-seed``, so that a choice can be confirmed on fresh seeds), budget 50, next to random search on
the same tasks and seeds. It prints the mean normalized regret at 10 / 25 / 50 per suite, method and variant,
with the budgets at which the variant is behind random search (at the largest excess with the win rate over
random search and a Wilcoxon test over tasks, so that a tie is told from a loss) and, for each variant after
the first, its paired difference from the first (win rate, Wilcoxon p over tasks: is a gap more than the noise
of its seeds?), and writes every mean curve (budgets 1 to 50), each task's mean regret at 10 / 25 / 50, those
excesses and those pairings as JSON. The regrets come from the evaluation core
(``rl_hpo.bench.evaluation.regret_at``) with the tasks' stored bounds. The test splits are never touched.

``--references tpe,gp`` also runs those methods (as ``make_optimizer`` builds them) once per suite and pairs
every variant with them. ``--heavy-tail K`` tells every method the scores through a loss spanning ``e**K``
(``rl_hpo.tasks.heavy_tail``), a monotone map that leaves the ranking, and so random search and TPE, as they
were, while the regret is still measured on each task's own scale. ``--linear-scale`` declares every log-scaled
parameter on a linear scale (``rl_hpo.tasks.linear_scale``), as a user might by mistake, for every method.
``--penalty P`` tells every method ``-P`` for the configurations of normalized regret above 0.5
(``rl_hpo.tasks.penalized``), as an objective that returns a huge penalty for a failed configuration does; the
regret is measured on each task's own scale.

Usage::

    RL_HPO_YAHPO_DATA=/path/to/yahpo_data python scripts/compare_search_settings.py \\
        --variant edges=reflect --variant edges=clip --variant edges=clip,n_initial=10 --out table.json
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from rl_hpo.acquisition.search import parse_changes
from rl_hpo.agents.candidate_policy_optimizer import CandidatePolicyOptimizer
from rl_hpo.agents.policy_file import Policy, load_policy
from rl_hpo.agents.train_settings import TrainConfig
from rl_hpo.baselines.expected_improvement import ExpectedImprovement, SampledExpectedImprovement
from rl_hpo.baselines.random_search import RandomSearch
from rl_hpo.bench import metrics
from rl_hpo.bench.evaluation import regret_at
from rl_hpo.bench.runner import cpu_kernels, source_state
from rl_hpo.optimizer import Optimizer, make_optimizer
from rl_hpo.space import SearchSpace
from rl_hpo.tasks.base import Task
from rl_hpo.tasks.heavy_tail import HeavyTailedTask, as_is
from rl_hpo.tasks.linear_scale import LinearScaleTask
from rl_hpo.tasks.penalized import PenalizedTask

SUITES = "yahpo/lcbench,yahpo/rbv2_xgboost,synthetic/mixed,prior/gp"
#: Methods that can run beside the variants (``--references``), each as ``make_optimizer`` builds it.
REFERENCES = ("tpe", "gp")
POLICY = "rl_hpo/data/policies/default"
REPORTED = (10, 25, 50)


def parse_variant(text: str) -> dict[str, Any]:
    """``"edges=clip,n_initial=10"`` -> ``{"edges": "clip", "n_initial": 10}``."""
    try:
        return parse_changes(text)
    except ValueError as error:
        raise SystemExit(str(error)) from None


def make_factory(method: str, variant: dict[str, Any], policy: Policy) -> Callable[[SearchSpace, int], Optimizer]:
    """``make(space, seed)`` of ``method`` (random, ei, ei_sampled or ppo) with the variant's search settings."""
    options = dict(variant)
    given = options.pop("n_initial", None)  # not given: each method's own (initial_design_size)
    n_initial = None if given is None else int(given)
    deterministic = options.pop("deterministic", None)  # the policy's choice: most likely (true) or sampled
    if deterministic not in (None, "true", "false"):
        raise SystemExit(f"The variant key 'deterministic' takes true or false; got {deterministic!r}.")
    temperature = options.pop("temperature", None)  # ei_sampled's exponent of EI
    if temperature is not None and method != "ei_sampled":
        raise SystemExit(f"The variant key 'temperature' applies to ei_sampled only, not to {method!r}.")
    sampled_options = {} if temperature is None else {"temperature": float(temperature)}
    settings = dataclasses.replace(policy.search_settings, **options)

    def make(space: SearchSpace, seed: int) -> Optimizer:
        if method == "random":
            return RandomSearch(space, seed=seed)
        if method in REFERENCES:
            return make_optimizer(method, space, seed=seed)
        if method == "ei":
            return ExpectedImprovement(space, seed=seed, n_initial=n_initial, settings=settings)
        if method == "ei_sampled":
            return SampledExpectedImprovement(
                space, seed=seed, n_initial=n_initial, settings=settings, **sampled_options
            )
        return CandidatePolicyOptimizer(
            space,
            seed=seed,
            policy=policy,
            n_initial=n_initial,
            settings=settings,
            deterministic=None if deterministic is None else deterministic == "true",
        )

    return make


def run_curves(
    make: Callable[[SearchSpace, int], Optimizer],
    tasks: Sequence[Task],
    seeds: Sequence[int],
    budget: int = 50,
    heavy_tail: float = 0.0,
    linear_scale: bool = False,
    penalty: float = 0.0,
) -> np.ndarray:
    """Normalized regret of the best score so far at budgets 1..``budget`` of every run, shape
    (tasks, seeds, budget). With ``heavy_tail`` k > 0 the optimizers are told each score through the
    heavy-tailed loss of ``rl_hpo.tasks.heavy_tail`` and the regret is measured on the task's own scale; with
    ``linear_scale`` they search the task's space with its log-scaled parameters on a linear scale; with ``penalty``
    P > 0 they are told -P for the task's bad configurations (``rl_hpo.tasks.penalized``), the regret measured on
    the task's own scale."""
    budgets = range(1, budget + 1)
    if linear_scale:
        tasks = [LinearScaleTask(task) for task in tasks]

    def regrets(task: Task, seed: int) -> list[float]:
        if not heavy_tail and not penalty:
            return regret_at(make(task.space, seed).optimize(task, budget), task.bounds, budgets)
        told = HeavyTailedTask(task, heavy_tail) if heavy_tail else PenalizedTask(task, penalty)
        history = make(task.space, seed).optimize(told, budget)
        return regret_at(as_is(history), task.bounds, budgets)

    return np.array([[regrets(task, seed) for seed in seeds] for task in tasks])


def behind_random(curves: np.ndarray, random_curves: np.ndarray) -> dict[str, Any]:
    """The budgets at which the mean curve (over seeds, then tasks) is above random search's and, at the largest
    excess, its size, the win rate over random search on (task, seed) pairs and the Wilcoxon p-value over tasks,
    as a study's report gives them (``rl_hpo.bench.metrics.above_reference``). With ``initial_design=random``
    random search shares the initial design, so each pair differs only in what the method chose; with the Latin
    design (the default) the first ``n_initial`` evaluations differ by draw too."""
    n_tasks, n_seeds, budget = curves.shape
    study = metrics.Curves(
        methods=("method", "random"),
        tasks=tuple(str(t) for t in range(n_tasks)),
        seeds=tuple(range(n_seeds)),
        grid=np.arange(1.0, budget + 1),
        values=np.stack([curves, random_curves]),
        ends=np.full((2, n_tasks, n_seeds), float(budget)),
    )
    row = metrics.above_reference(study).loc["method"]
    if not row["budgets"]:
        return {"budgets": []}
    p = float(row["wilcoxon_p"])
    return {
        "budgets": [int(b) for b in row["budgets"]],
        "largest": float(row["excess"]),
        "at": int(row["worst_budget"]),
        "win_rate": float(row["win_rate"]),
        "wilcoxon_p": None if np.isnan(p) else p,  # None: no test possible (JSON has no NaN)
    }


def against_first(curves: np.ndarray, first: np.ndarray, budgets: Sequence[int]) -> dict[str, dict[str, Any]]:
    """A variant's runs paired with the first variant's (same tasks and seeds) at each budget: the difference
    of mean regrets (negative: the variant is ahead), its win rate on (task, seed) pairs and the two-sided
    Wilcoxon p-value over tasks, as a study's report tests methods (``rl_hpo.bench.metrics``)."""
    out = {}
    for b in budgets:
        a, f = curves[:, :, b - 1], first[:, :, b - 1]
        p = metrics.wilcoxon_pvalue(a.mean(axis=1), f.mean(axis=1))
        out[str(b)] = {
            "difference": float(a.mean() - f.mean()),
            "win_rate": metrics.win_rate(a, f),
            "wilcoxon_p": None if np.isnan(p) else p,
        }
    return out


def _p_value(p: float | None) -> str:
    """A Wilcoxon p-value as printed: two decimals, ``-`` where no test was possible."""
    return "-" if p is None else f"{p:.2f}"


def describe_pairing(paired: dict[str, dict[str, Any]], first: str) -> str:
    """``against edges=reflect at 10 / 25 / 50: -0.0021 (win rate 0.58, p 0.31) / ...``."""
    cells = [
        f"{c['difference']:+.4f} (win rate {c['win_rate']:.2f}, p {_p_value(c['wilcoxon_p'])})" for c in paired.values()
    ]
    return f"against {first} at {' / '.join(paired)}: " + " / ".join(cells)


def describe(behind: dict[str, Any]) -> str:
    """``behind random at [8, 9] (largest +0.0007 at 8, win rate 0.55, Wilcoxon p 0.80)`` or ``... at no
    budget``."""
    if not behind["budgets"]:
        return "behind random at no budget"
    return (
        f"behind random at {behind['budgets']} (largest {behind['largest']:+.4f} at {behind['at']}, "
        f"win rate {behind['win_rate']:.2f}, Wilcoxon p {_p_value(behind['wilcoxon_p'])})"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variant", action="append", required=True, help="key=value[,key=value] (repeatable)")
    parser.add_argument(
        "--methods", default="ei,ppo", help="comma-separated, of ei, ei_sampled and ppo (default: ei,ppo)"
    )
    parser.add_argument("--policy", default=POLICY, help=f"a candidate policy folder (default: {POLICY})")
    parser.add_argument("--suites", default=SUITES, help=f"comma-separated suites (default: {SUITES})")
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument(
        "--first-seed", type=int, default=0, help="seeds first-seed .. first-seed + seeds - 1 (fresh seeds to confirm)"
    )
    parser.add_argument("--max-tasks", type=int, default=16)
    parser.add_argument(
        "--split", choices=("validation", "train"), default="validation", help="the tasks' split (never test)"
    )
    parser.add_argument("--budget", type=int, default=50)
    parser.add_argument(
        "--heavy-tail",
        type=float,
        default=0.0,
        metavar="K",
        help="tell every method the scores through the loss -expm1(K * regret) (rl_hpo.tasks.heavy_tail), "
        "regret measured on the tasks' own scale (default 0: the scores as they are)",
    )
    parser.add_argument(
        "--penalty",
        type=float,
        default=0.0,
        metavar="P",
        help="tell every method -P for the configurations of normalized regret above 0.5 (rl_hpo.tasks.penalized), "
        "regret measured on the tasks' own scale (default 0: the scores as they are)",
    )
    parser.add_argument(
        "--linear-scale",
        action="store_true",
        help="declare every log-scaled parameter on a linear scale, for every method (rl_hpo.tasks.linear_scale)",
    )
    parser.add_argument(
        "--references",
        default="",
        help=f"comma-separated methods run once beside the variants, of {', '.join(REFERENCES)}; each variant "
        "is paired with them as with the first variant",
    )
    parser.add_argument("--out", help="write every curve as JSON here")
    args = parser.parse_args(argv)
    if args.heavy_tail and args.penalty:
        parser.error("--heavy-tail and --penalty each tell the scores another way; give one of them.")
    methods = [m.strip() for m in args.methods.split(",")]
    if not set(methods) <= {"ei", "ei_sampled", "ppo"}:
        parser.error(f"--methods takes ei, ei_sampled and ppo; got {args.methods!r}.")
    variants = {text: parse_variant(text) for text in args.variant}
    references = [m.strip() for m in args.references.split(",") if m.strip()]
    if not set(references) <= set(REFERENCES):
        parser.error(f"--references takes {', '.join(REFERENCES)}; got {args.references!r}.")

    policy = load_policy(args.policy)
    tasks = TrainConfig(suites=tuple(args.suites.split(",")), eval_split=args.split).validation_tasks(args.max_tasks)
    seeds = list(range(args.first_seed, args.first_seed + args.seeds))
    reported = [b for b in REPORTED if b <= args.budget]
    table: dict[str, Any] = {
        "command": vars(args),
        **source_state(),
        "policy_sha256": policy.sha256,
        "cpu_kernels": cpu_kernels(),
        "curves": {},
        "behind_random": {},
        "against_first": {},
        "task_means": {},
        "against_references": {},
    }

    def curves_of(method: str, variant: dict[str, Any], suite_tasks: list[Task]) -> np.ndarray:
        """``run_curves`` of one method and variant on a suite's tasks, with the command's seeds and views."""
        factory = make_factory(method, variant, policy)
        return run_curves(factory, suite_tasks, seeds, args.budget, args.heavy_tail, args.linear_scale, args.penalty)

    for suite, suite_tasks in tasks.items():
        start = time.perf_counter()
        random_curves = curves_of("random", {}, suite_tasks)
        random_curve = random_curves.mean(axis=(0, 1))
        table["curves"][suite] = {"random": random_curve.tolist()}
        table["behind_random"][suite] = {}
        table["against_first"][suite] = {}
        table["task_means"][suite] = {}
        table["against_references"][suite] = {}
        at = " / ".join(f"{random_curve[b - 1]:.4f}" for b in reported)
        print(f"{suite} ({len(suite_tasks)} tasks) random: {at}", flush=True)
        reference_curves = {}
        for reference in references:
            curves = curves_of(reference, {}, suite_tasks)
            reference_curves[reference] = curves
            curve = curves.mean(axis=(0, 1))
            table["curves"][suite][reference] = curve.tolist()
            table["task_means"][suite][reference] = {
                str(b): curves[:, :, b - 1].mean(axis=1).tolist() for b in reported
            }
            at = " / ".join(f"{curve[b - 1]:.4f}" for b in reported)
            print(f"{suite} {reference}: {at}  ({time.perf_counter() - start:.0f} s)", flush=True)
        for method in methods:
            first_text, first_curves = None, None
            for text, variant in variants.items():
                curves = curves_of(method, variant, suite_tasks)
                curve = curves.mean(axis=(0, 1))
                behind = behind_random(curves, random_curves)
                table["curves"][suite][f"{method} {text}"] = curve.tolist()
                table["behind_random"][suite][f"{method} {text}"] = behind
                # Each task's mean over seeds at the reported budgets, for tests pooled over suites.
                table["task_means"][suite][f"{method} {text}"] = {
                    str(b): curves[:, :, b - 1].mean(axis=1).tolist() for b in reported
                }
                print(
                    f"{suite} {method} {text}: "
                    + " / ".join(f"{curve[b - 1]:.4f}" for b in reported)
                    + f"  {describe(behind)}  ({time.perf_counter() - start:.0f} s)",
                    flush=True,
                )
                for reference, reference_curve in reference_curves.items():
                    paired = against_first(curves, reference_curve, reported)
                    table["against_references"][suite][f"{method} {text} | {reference}"] = paired
                    print(f"    {describe_pairing(paired, reference)}", flush=True)
                if first_curves is None:
                    first_text, first_curves = text, curves
                else:
                    paired = against_first(curves, first_curves, reported)
                    table["against_first"][suite][f"{method} {text}"] = paired
                    print(f"    {describe_pairing(paired, first_text)}", flush=True)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(table) + "\n")


if __name__ == "__main__":
    main()
