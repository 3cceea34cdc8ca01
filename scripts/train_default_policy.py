"""Train the default tuning policy, choose how it is used on validation, and install it as package data.

Three steps, each one reproducible from this script alone:

1. **train** on the ``train`` splits of yahpo/lcbench, yahpo/rbv2_xgboost, yahpo/iaml_glmnet,
   synthetic/mixed and sklearn/all (tabulated) (``rl_hpo.agents.train``), keeping the policy with the
   lowest validation regret;
2. **select** on the ``validation`` splits only: the candidate policies (``best`` and ``final``) are run
   with each usage variant (stochastic or mean actions, with or without the exploration floor) and the
   lowest mean normalized regret at 10 / 25 / 50 evaluations, averaged over suites, wins;
3. **install** the winner into ``rl_hpo/data/policies/default`` with the chosen defaults in its
   metadata and a README recording the commands and the validation numbers.

The test split is never touched here (the studies in ``benchmarks/*_head_to_head/`` report on it).

Usage::

    RL_HPO_YAHPO_DATA=/path/to/yahpo_data nice python scripts/train_default_policy.py \\
        --out runs/default --timesteps 600000 [--seed 0] [--skip-train] [--no-install]
"""

from __future__ import annotations

import argparse
import json
import shlex
import shutil
import sys
import time
from pathlib import Path

import numpy as np

from rl_hpo.agents.policy_file import default_policy_path, load_policy
from rl_hpo.agents.training import TrainConfig, evaluate_policy, train, validation_tasks

SUITES = ("yahpo/lcbench", "yahpo/rbv2_xgboost", "yahpo/iaml_glmnet", "synthetic/mixed", "sklearn/all")
VARIANTS: dict[str, dict[str, object]] = {
    "stochastic": {"deterministic": False},
    "mean": {"deterministic": True},
    "stochastic+random10%": {"deterministic": False, "random_prob": 0.1},
    "mean+patience10": {"deterministic": True, "patience": 10},
}


def select(config: TrainConfig, candidates: dict[str, Path], *, seeds: int, max_tasks: int) -> tuple[str, str, dict]:
    """Evaluate every candidate policy with every variant on the validation splits of the run's suites."""
    suites = validation_tasks(config, max_tasks)
    table: dict[str, dict[str, dict]] = {}
    for cand, path in candidates.items():
        policy = load_policy(path)
        for variant, options in VARIANTS.items():
            per_suite = {
                name: evaluate_policy(policy, tasks, seeds=range(seeds), budget=50, **options).regret
                for name, tasks in suites.items()
            }
            score = float(np.mean([np.mean(list(r.values())) for r in per_suite.values()]))
            table.setdefault(cand, {})[variant] = {"score": score, "regret": per_suite}
            print(
                f"{cand:>6} {variant:>22}: score {score:.4f}  "
                + "  ".join(f"{n.split('/')[1]} {r[50]:.3f}" for n, r in per_suite.items()),
                flush=True,
            )
    cand, variant = min(((c, v) for c in table for v in table[c]), key=lambda cv: table[cv[0]][cv[1]]["score"])
    names = {suite: [t.name for t in tasks] for suite, tasks in suites.items()}
    return cand, variant, {"suites": names, "seeds": seeds, "table": table}


def install(source: Path, variant: str, selection: dict, commands: list[str], suites: tuple[str, ...]) -> Path:
    target = default_policy_path()
    policy = load_policy(source)
    meta = dict(policy.metadata)
    meta["defaults"] = {**meta.get("defaults", {}), **VARIANTS[variant]}
    meta["selection"] = {"variant": variant, "split": "validation", **selection}
    meta["training"] = {**meta.get("training", {}), "commands": commands}
    policy.metadata = meta
    if target.exists():
        shutil.rmtree(target)
    policy.save(target)
    chosen = selection["table"][selection["candidate"]][variant]
    lines = [
        "# The default tuning policy",
        "",
        'Loaded by `PolicyOptimizer(space, policy="default")` (method `ppo`) for every search space that has no',
        "shipped specialist (a sibling folder whose policy names the space). Trained on the **train** splits of",
        f"{', '.join(suites)}; usage chosen on the **validation** splits only; the test splits were not used.",
        "",
        "## How it was made",
        "",
        "```",
        *commands,
        "```",
        "",
        f"Selected: candidate `{selection['candidate']}` used as `{variant}` ({VARIANTS[variant]}).",
        "",
        f"## Validation (mean normalized regret, seeds 0..{selection['seeds'] - 1}, budget 50)",
        "",
        "| suite | regret@10 | regret@25 | regret@50 |",
        "|---|---|---|---|",
    ]
    for suite, r in chosen["regret"].items():
        lines.append(f"| {suite} ({len(selection['suites'][suite])} tasks) | {r[10]:.4f} | {r[25]:.4f} | {r[50]:.4f} |")
    lines += [
        "",
        "Files: `policy.json` (metadata: observation layout, action mapping, defaults, training settings,",
        "versions, the sha256 of the weights) and `weights.safetensors`; loading never unpickles.",
        "",
        "",
    ]
    (target / "README.md").write_text("\n".join(lines))
    return target


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="runs/default")
    parser.add_argument("--timesteps", type=int, default=600_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--skip-train", action="store_true", help="reuse the policies already in --out")
    parser.add_argument("--install", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--select-seeds", type=int, default=5)
    parser.add_argument("--select-max-tasks", type=int, default=12)
    args = parser.parse_args(argv)
    command = " ".join(shlex.quote(a) for a in ["python", *sys.argv])
    out = Path(args.out)
    commands = []
    if not args.skip_train:
        config = TrainConfig(
            suites=SUITES, out=str(out), timesteps=args.timesteps, seed=args.seed, torch_threads=1, command=command
        )
        start = time.perf_counter()
        train(config)
        print(f"trained in {(time.perf_counter() - start) / 60:.1f} min", flush=True)
    saved = json.loads((out / "config.json").read_text())
    run_config = TrainConfig.from_dict({**saved, "resume": False})
    commands.append(saved.get("command") or command)
    if args.skip_train:
        commands.append(command)
    candidates = {name: out / name for name in ("best", "final") if (out / name / "policy.json").is_file()}
    cand, variant, selection = select(run_config, candidates, seeds=args.select_seeds, max_tasks=args.select_max_tasks)
    selection["candidate"] = cand
    print(f"selected {cand} as {variant}: {selection['table'][cand][variant]['score']:.4f}")
    (out / "selection.json").write_text(json.dumps(selection, indent=1) + "\n")
    if args.install:
        print(f"installed {install(candidates[cand], variant, selection, commands, run_config.suites)}")


if __name__ == "__main__":
    main()
