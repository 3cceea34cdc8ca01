"""Where a noisy-objectives study's methods lose: in the search, or in picking the incumbent by noisy scores.

    python benchmarks/noisy_objectives/anatomy.py runs/noisy_objectives/noisy_mixed-10

Reads the study's ``trials.csv`` (every evaluation with its noiseless score test-side). Per method, means over
seeds, then tasks, after the budget (50 unless ``--budget``):

- ``picked``: the noiseless score of the incumbent, the configuration best by its noisy score (the report's
  "Test-side score of the incumbent");
- ``best evaluated``: the best noiseless score among the configurations evaluated, the incumbent a method would
  have had with noiseless scores; ``best evaluated - picked`` is what picking by noisy scores cost;
- ``mean after the start``: the mean noiseless score of the evaluations after the first ``--start`` (10, the
  start-up trials of Optuna's samplers), how much of its budget a method spent where scores are high.

Then ``picked`` task by task, each task's parameters by kind (F float, I integer, C categorical), so that one sees
on which spaces a method falls behind, and each method's ``picked`` against one method's (``--against``; by
default TPE's where the run has it): the mean difference over tasks, the tasks where it is higher, and the
two-sided Wilcoxon signed-rank p over the tasks' means (``rl_hpo.bench.metrics.wilcoxon_pvalue``, as the bench's
reports test).

``--seeds 0-4`` (or ``0,3,7``) counts those seeds' runs alone, to see how much a subset of seeds says.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
import noisy_tasks  # noqa: F401  (registers the task family "noisy")

from rl_hpo.bench.metrics import wilcoxon_pvalue
from rl_hpo.bench.report import read_trials
from rl_hpo.space import Categorical, Float
from rl_hpo.tasks.registry import load_task


def run_statistics(trials: pd.DataFrame, budget: int, start: int) -> pd.DataFrame:
    """One row per run (method, task, seed): its picked, best evaluated and mean-after-start noiseless scores."""
    rows = []
    for (method, task, seed), run in trials.groupby(["method", "task", "seed"], sort=False):
        run = run.sort_values("trial").head(budget)
        noisy = run.score.to_numpy(dtype=float)
        true = run.test_score.to_numpy(dtype=float)
        if np.isnan(noisy).all():  # every trial failed: no incumbent
            continue
        rows.append(
            {
                "method": method,
                "task": task,
                "seed": seed,
                "picked": true[np.nanargmax(noisy)],  # the first trial of the best noisy score, as the report's
                "best evaluated": np.nanmax(true),
                "mean after the start": np.nanmean(true[start:]) if len(true) > start else np.nan,
            }
        )
    return pd.DataFrame(rows)


def method_table(runs: pd.DataFrame) -> pd.DataFrame:
    """Per method: the means over seeds, then tasks, of each statistic."""
    per_task = runs.groupby(["method", "task"], sort=False).mean(numeric_only=True).drop(columns="seed")
    table = per_task.groupby(level="method", sort=False).mean()
    return table.assign(**{"best evaluated - picked": table["best evaluated"] - table["picked"]})


def parameter_kinds(task: str) -> str:
    """The task's parameters by kind, e.g. ``FFIC``: float, integer, categorical."""
    kinds = {Float: "F", Categorical: "C"}
    return "".join(kinds.get(type(param), "I") for param in load_task(task).space.values())


def picked_by_task(runs: pd.DataFrame) -> pd.DataFrame:
    """``picked``, mean over seeds, per task (rows) and method (columns, in the run's order)."""
    table = runs.pivot_table(index="task", columns="method", values="picked", aggfunc="mean", sort=False)
    return table[list(runs.method.unique())]


def task_table(runs: pd.DataFrame) -> pd.DataFrame:
    """``picked`` per task (rows) and method (columns), with the task's parameter kinds."""
    table = picked_by_task(runs)
    table.insert(0, "parameters", [parameter_kinds(task) for task in table.index])
    return table


def against_table(runs: pd.DataFrame, reference: str) -> pd.DataFrame:
    """Each other method's ``picked`` against ``reference``'s, over the tasks' means: the mean difference, the tasks
    where it is higher, and the Wilcoxon p."""
    table = picked_by_task(runs)
    rows = {}
    for method in (m for m in runs.method.unique() if m != reference):
        difference = table[method] - table[reference]
        higher = f"{int((difference > 0).sum())} of {difference.size}"
        rows[method] = [float(difference.mean()), higher, wilcoxon_pvalue(table[method], table[reference])]
    return pd.DataFrame.from_dict(rows, orient="index", columns=[f"- {reference}", "tasks higher", "Wilcoxon p"])


def _markdown(table: pd.DataFrame, index: str) -> str:
    header = [index, *map(str, table.columns)]
    lines = ["| " + " | ".join(header) + " |", "|---|" + "--:|" * len(table.columns)]
    for key, row in table.iterrows():
        cells = [f"{v:.3f}" if isinstance(v, float) else str(v) for v in row]
        lines.append("| " + " | ".join([str(key), *cells]) + " |")
    return "\n".join(lines)


def parse_seeds(text: str) -> list[int]:
    """``"0-4"`` -> [0, 1, 2, 3, 4]; ``"0,3,7"`` -> [0, 3, 7]."""
    if "-" in text:
        first, last = (int(part) for part in text.split("-", 1))
        if first > last:
            raise ValueError(f"an empty range of seeds: {text!r}")
        return list(range(first, last + 1))
    return [int(part) for part in text.split(",")]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("run", type=Path, help="the bench folder of a noisy suite (holds trials.csv)")
    parser.add_argument("--budget", type=int, default=50, help="evaluations per run counted (default 50)")
    parser.add_argument("--start", type=int, default=10, help="evaluations before 'mean after the start' (10)")
    parser.add_argument("--against", help="the method the others' picked is tested against (default tpe, if run)")
    parser.add_argument("--seeds", help="only these seeds' runs: a range FIRST-LAST or a comma-separated list")
    args = parser.parse_args(argv)
    trials = read_trials(args.run / "trials.csv")
    if args.seeds is not None:
        try:
            seeds = parse_seeds(args.seeds)
        except ValueError as error:
            parser.error(f"--seeds {args.seeds}: {error}")
        trials = trials[trials.seed.isin(seeds)]
        if trials.empty:
            parser.error(f"--seeds {args.seeds}: the run has none of these seeds")
    runs = run_statistics(trials, args.budget, args.start)
    against = args.against or ("tpe" if "tpe" in set(runs.method) else None)
    if against is not None and against not in set(runs.method):
        parser.error(f"--against {args.against}: the run has no such method (it has {', '.join(runs.method.unique())})")
    of_seeds = f", seeds {args.seeds}" if args.seeds is not None else ""
    print(
        f"{args.run.name}: noiseless scores after {args.budget} evaluations{of_seeds} (means over seeds, then tasks)\n"
    )
    print(_markdown(method_table(runs), "method"))
    print("\npicked, task by task\n")
    print(_markdown(task_table(runs), "task"))
    if against is not None:
        print(f"\npicked against {against}'s, over the tasks' means\n")
        print(_markdown(against_table(runs, against), "method"))


if __name__ == "__main__":
    main()
