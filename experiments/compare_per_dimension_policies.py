"""Compare trained policies on the validation splits, with and without their identity codes.

Every policy runs with stochastic actions (the default usage) on the first ``--max-tasks`` validation tasks
of each suite, ``--seeds`` seeds per task, budget 50; sklearn suites are served from their tables as in
training. The score is the mean normalized regret at 10 / 25 / 50 averaged over the suites (lower is
better). "anonymous" runs the same policy with ``use_identity=False``, as on a search space it never saw.
The test splits are never touched.

Usage::

    RL_HPO_YAHPO_DATA=/path/to/yahpo_data python experiments/compare_per_dimension_policies.py \\
        runs/a/best runs/b/final [--suites yahpo/lcbench,yahpo/rbv2_xgboost,synthetic/mixed,sklearn/all] \\
        [--out comparison.json]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from rl_hpo.agents.policy_file import load_policy
from rl_hpo.agents.policy_optimizer import evaluate_policy
from rl_hpo.agents.train_settings import TrainConfig

SUITES = "yahpo/lcbench,yahpo/rbv2_xgboost,synthetic/mixed,sklearn/all"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("policies", nargs="+", help="policy folders")
    parser.add_argument("--suites", default=SUITES, help=f"comma-separated suites (default: {SUITES})")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--max-tasks", type=int, default=12)
    parser.add_argument("--out", help="write the table as JSON here")
    args = parser.parse_args(argv)

    tasks = TrainConfig(suites=tuple(args.suites.split(","))).validation_tasks(args.max_tasks)
    table = {}
    for folder in args.policies:
        policy = load_policy(folder)
        regret = {}
        for name, suite_tasks in tasks.items():
            for identity in (True, False):
                key = name if identity else f"{name} (anonymous)"
                regret[key] = evaluate_policy(
                    policy, suite_tasks, seeds=range(args.seeds), budget=50, use_identity=identity
                ).regret
        score = float(np.mean([np.mean(list(regret[n].values())) for n in tasks]))
        table[folder] = {"score": score, "regret": regret}
        print(f"{folder}: score {score:.4f}  " + "  ".join(f"{k} {v[50]:.3f}" for k, v in regret.items()), flush=True)
    if args.out:
        Path(args.out).write_text(json.dumps(table, indent=1) + "\n")


if __name__ == "__main__":
    main()
