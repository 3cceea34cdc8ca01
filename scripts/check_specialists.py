"""Does each shipped specialist still beat the general default policy in cross-validation on its train split?

A specialist (``rl_hpo/data/policies/<scenario>``) stays shipped only while it beats the general default
(``rl_hpo/data/policies/default``) on its space's train datasets. Its ``policy.json`` records its
cross-validation: per fold, the held-out train datasets and the regret of the fold's specialist (trained on
the other folds) at 10 / 25 / 50 evaluations. This script runs the current default policy on the same
held-out datasets with the same seeds and budget, through the same evaluation as that table
(``rl_hpo.bench.evaluation.evaluate_method``), and applies the rule ``scripts/train_specialist_policy.py``
installs by: the specialist wins when its mean regret over the three budgets is lower. The default trains on
every train split, each fold's held-out datasets among them, where the fold's specialist did not: the comparison
leans towards the default, so a specialist that wins it beats the default on its space.

No validation or test dataset is used. Nothing is changed: the script reports (exit status 1 when a specialist
loses), a maintainer removes a specialist that loses (``git rm -r rl_hpo/data/policies/<scenario>``).

Usage::

    RL_HPO_YAHPO_DATA=/path/to/yahpo_data python scripts/check_specialists.py [--out runs/check_specialists.json]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from rl_hpo.agents.policy_file import default_policy_path, load_policy
from rl_hpo.agents.policy_optimizer import PolicyOptimizer
from rl_hpo.bench.evaluation import evaluate_method
from rl_hpo.bench.runner import script_provenance

BUDGETS = ("10", "25", "50")


def specialists(root: Path) -> list[Path]:
    """The shipped policy folders that record a cross-validation (the specialists)."""
    return [
        meta.parent
        for meta in sorted(root.glob("*/policy.json"))
        if "cross_validation" in json.loads(meta.read_text(encoding="utf-8"))
    ]


def check(folder: Path, default: Path, max_per_fold: int | None = None) -> dict:
    """The specialist's recorded cross-validation beside the default's regret on the same folds and seeds
    (``max_per_fold`` datasets of each fold and one seed: a quick smoke run whose verdict means nothing)."""
    cv = json.loads((folder / "policy.json").read_text(encoding="utf-8"))["cross_validation"]
    reference = load_policy(default)
    seeds = range(cv["seeds"] if max_per_fold is None else 1)
    folds = []
    for k, fold in enumerate(cv["folds"]):
        result = evaluate_method(
            lambda space, seed: PolicyOptimizer(space, seed=seed, policy=reference),
            fold["held_out"][:max_per_fold],
            seeds=seeds,
            budget=50,
        )
        regret = {str(b): v for b, v in result.regret.items()}
        folds.append({"held_out": fold["held_out"], "specialist": fold["specialist"]["regret"], "default": regret})
        print(f"{folder.name} fold {k}: specialist {_fmt(folds[-1]['specialist'])}, default {_fmt(regret)}", flush=True)
    means = {key: {b: float(np.mean([f[key][b] for f in folds])) for b in BUDGETS} for key in ("specialist", "default")}
    wins = np.mean(list(means["specialist"].values())) < np.mean(list(means["default"].values()))
    return {"seeds": cv["seeds"], "folds": folds, **means, "specialist_wins": bool(wins)}


def _fmt(regret: dict) -> str:
    return " / ".join(f"{regret[b]:.3f}" for b in BUDGETS)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--default", default=str(default_policy_path()), help="the general policy to compare with")
    parser.add_argument("--out", help="write the comparison as JSON here")
    parser.add_argument("--max-per-fold", type=int, help="smoke run: this many datasets per fold, one seed")
    args = parser.parse_args(argv)
    table = {"default": args.default, "command": " ".join(["python", *sys.argv]), "provenance": script_provenance()}
    losing = []
    for folder in specialists(default_policy_path().parent):
        table[folder.name] = row = check(folder, Path(args.default), args.max_per_fold)
        verdict = "stays" if row["specialist_wins"] else "LOSES: remove it"
        if not row["specialist_wins"] and args.max_per_fold is None:
            losing.append(folder.name)
        print(f"{folder.name}: specialist {_fmt(row['specialist'])}, default {_fmt(row['default'])}: {verdict}")
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(table, indent=1) + "\n", encoding="utf-8")
    return 1 if losing else 0  # a specialist to remove fails the check


if __name__ == "__main__":
    raise SystemExit(main())
