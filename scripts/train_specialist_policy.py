"""Train a specialist policy for one search space, cross-validate it against the default, ship it if it wins.

A specialist is trained on the train split of one suite whose tasks share a search space (e.g. the 24
lcbench datasets). ``PolicyOptimizer(policy="default")`` then uses it for that very space instead of the
general default policy (``rl_hpo.agents.shipped_policy_for``). Whether it should be shipped is decided
without the test split, and without the validation split either when that cannot tell policies apart
(lcbench's 4 validation datasets are solved to 0.4-1% regret by every policy):

1. **cross-validate**: the suite's train datasets are split into ``--folds`` folds (sorted names, every
   ``folds``-th one); for each fold a specialist is trained on the other folds and both it and the
   reference policy (the general default) tune the held-out fold's datasets (``--seeds`` seeds, budget 50,
   the policies' default usage). The reference saw those datasets in training, so the comparison favours
   it. A greedy portfolio built on the fold's training datasets is measured too, continued by TPE and by
   the fold's specialist (methods ``portfolio`` and ``portfolio_ppo``); this is reported, not used to decide;
2. **train** the specialist on the whole train split with the same settings;
3. **install** it into ``rl_hpo/data/policies/<scenario>`` if its cross-validated mean regret at
   10 / 25 / 50 is lower than the reference's (``--force`` installs regardless), with a README that
   records the commands and the table.

Usage::

    RL_HPO_YAHPO_DATA=/path/to/yahpo_data nice python scripts/train_specialist_policy.py \\
        --suite yahpo/lcbench --out runs/lcbench_specialist [--timesteps 300000] [--folds 4] [--seeds 10]

Fold and full runs already in ``--out`` are reused when finished and resumed from their last checkpoint when
interrupted or shorter than ``--timesteps``; ``--continue-from DIR`` starts them from an earlier, shorter
run's folders (copied, not changed). ``--jobs N`` trains N runs at a time (one core each); the runs do not
depend on it. ``--out/commands.json`` keeps the commands that made the run (those of the run it continues
first); the installed README and ``policy.json`` record them. ``--readme FOLDER`` only rewrites an installed
specialist's README from its ``policy.json``.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import shlex
import shutil
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from rl_hpo.agents.policy_file import default_policy_path, load_policy
from rl_hpo.agents.policy_optimizer import PolicyOptimizer
from rl_hpo.agents.portfolio_policy import PortfolioThenPolicy
from rl_hpo.agents.train_settings import TrainConfig
from rl_hpo.agents.training import train
from rl_hpo.baselines.portfolio import Portfolio
from rl_hpo.baselines.portfolio_building import build_portfolio
from rl_hpo.bench.evaluation import evaluate_method
from rl_hpo.tasks import load_suite, load_task

BUDGETS = (10, 25, 50)
#: What the cross-validation compares (see ``cross_validate``).
METHODS = ("specialist", "reference", "portfolio", "portfolio_ppo")


def _steps_done(out: Path) -> int | None:
    """Environment steps of the run's last checkpoint (None: no checkpoint)."""
    state = out / "checkpoint" / "state.json"
    return int(json.loads(state.read_text())["num_timesteps"]) if state.is_file() else None


def _train(suites: tuple[str, ...], out: Path, args: argparse.Namespace, command: str) -> Path:
    """Train a specialist into ``out``; a finished run is reused, a shorter or interrupted one resumed."""
    final = out / "final"
    done = _steps_done(out)
    if (final / "policy.json").is_file() and (done is None or done >= args.timesteps):
        print(f"reusing {final}", flush=True)
        return final
    config = TrainConfig(
        suites=suites,
        out=str(out),
        timesteps=args.timesteps,
        seed=args.seed,
        hide_identity_prob=0.0,  # the space is always known to a specialist
        resume=done is not None,
        torch_threads=1,
        progress=False,
        command=command,
    )
    start = time.perf_counter()
    train(config)
    verb = f"continued from {done} steps" if done is not None else "trained"
    print(f"{verb} {out} in {(time.perf_counter() - start) / 60:.1f} min", flush=True)
    return final


def _refuse_another_run(suites: tuple[str, ...], out: Path, seed: int) -> None:
    """Exit if ``out`` holds a run of other datasets or another seed: it is not this one's to reuse or resume."""
    saved = out / "config.json"
    if not saved.is_file():
        return
    config = json.loads(saved.read_text())
    if (tuple(config.get("suites") or ()), config.get("seed")) != (suites, seed):
        raise SystemExit(
            f"{out} holds a run with other settings ({len(config.get('suites') or ())} datasets, seed "
            f"{config.get('seed')}) than this one ({len(suites)} datasets, seed {seed}); pass another --out."
        )


def train_all(names: list[str], args: argparse.Namespace, command: str) -> tuple[list[Path], Path]:
    """The fold specialists and the full one, ``--jobs`` at a time; returns their ``final`` folders."""
    out = Path(args.out)
    runs = [
        (tuple(n for n in names if n not in fold), out / "cv" / f"fold{k}")
        for k, fold in enumerate(folds_of(names, args.folds))
    ]
    runs.append(((args.suite,), out / "full"))
    if args.continue_from:
        for _, folder in runs:
            source = Path(args.continue_from) / folder.relative_to(out)
            if not folder.exists() and source.is_dir():
                shutil.copytree(source, folder)
                print(f"continuing {source} in {folder}", flush=True)
    for suites, folder in runs:  # here, before any worker starts
        _refuse_another_run(suites, folder, args.seed)
    # multiprocessing.Pool, not ProcessPoolExecutor: leaving the block (an error, Ctrl-C, or SIGTERM, turned into
    # SystemExit below) terminates the workers instead of leaving them training; checkpoints make a rerun resume.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with multiprocessing.get_context("spawn").Pool(args.jobs, maxtasksperchild=1) as pool:
        finals = pool.starmap(_train, [(suites, folder, args, command) for suites, folder in runs], chunksize=1)
    return finals[:-1], finals[-1]


def folds_of(names: list[str], n_folds: int) -> list[list[str]]:
    """Fold k holds every ``n_folds``-th of the sorted names, from the k-th on."""
    return [names[k::n_folds] for k in range(n_folds)]


def cross_validate(names: list[str], policies: list[Path], args: argparse.Namespace) -> dict:
    """Per fold: the held-out datasets and the regret of the fold's specialist and of the reference; and of
    a greedy portfolio built on the fold's training datasets, continued by TPE (``portfolio``) or by the
    fold's specialist (``portfolio_ppo``)."""
    reference = load_policy(args.reference)
    table: dict = {"folds": [], "seeds": args.seeds, "reference": str(args.reference)}
    for k, (held_out, policy) in enumerate(zip(folds_of(names, args.folds), policies)):
        train_tasks = [load_task(n) for n in names if n not in held_out]
        configs = build_portfolio(train_tasks, seed=args.seed)["configs"]
        methods = {
            "specialist": lambda space, seed, p=policy: PolicyOptimizer(space, seed=seed, policy=p),
            "reference": lambda space, seed: PolicyOptimizer(space, seed=seed, policy=reference),
            "portfolio": lambda space, seed, c=configs: Portfolio(space, seed=seed, portfolio=c),
            "portfolio_ppo": lambda space, seed, c=configs, p=policy: PortfolioThenPolicy(
                space, seed=seed, portfolio=c, then_options={"policy": p}
            ),
        }
        row: dict = {"held_out": held_out, "portfolio_size": len(configs)}
        for key, make in methods.items():
            result = evaluate_method(make, held_out, seeds=range(args.seeds), budget=50)
            row[key] = {"regret": result.regret, "per_task": result.per_task}
        table["folds"].append(row)
        print(f"fold {k}: " + ", ".join(f"{key} {_fmt(row[key]['regret'])}" for key in methods), flush=True)
    for key in METHODS:
        table[key] = {b: float(np.mean([f[key]["regret"][b] for f in table["folds"]])) for b in BUDGETS}
    return table


def _fmt(regret: dict) -> str:
    return " / ".join(f"{regret[b]:.3f}" for b in BUDGETS)


def install(source: Path, suite: str, cv: dict, commands: list[str]) -> Path:
    scenario = suite.strip("/").split("/")[-1]
    target = default_policy_path().parent / scenario
    policy = load_policy(source)
    if policy.specialty is None:
        raise SystemExit(f"{source} was trained on several search spaces; it is not a specialist.")
    policy.metadata = {**policy.metadata, "cross_validation": cv}
    policy.metadata["training"] = {**policy.metadata.get("training", {}), "commands": commands}
    if target.exists():
        shutil.rmtree(target)
    policy.save(target)
    write_readme(target)
    return target


def write_readme(folder: Path) -> Path:
    """``folder/README.md`` of an installed specialist, from its ``policy.json`` only (the cross-validation
    table and the commands are in its metadata: ``--readme FOLDER`` rewrites it)."""
    meta = json.loads((folder / "policy.json").read_text())
    cv, commands = _budget_keys(meta["cross_validation"]), meta["training"]["commands"]
    suites = meta["training"]["suites"]
    suite = suites[0] if len(suites) == 1 else ", ".join(suites)
    scenario = folder.name
    specialty = meta["specialty"]["fingerprint"]
    lines = [
        f"# The {scenario} specialist policy",
        "",
        '`PolicyOptimizer(space, policy="default")` uses this policy instead of the general default when `space`',
        f"is {suite}'s search space (fingerprint `{specialty}`; `rl_hpo.agents.shipped_policy_for`).",
        f"Trained on the **train** split of {suite} only; the test split was not used.",
        "",
        "## How it was made",
        "",
        "```",
        *commands,
        "```",
        "",
        f"## Cross-validation on the train split ({len(cv['folds'])} folds, {cv['seeds']} seeds, budget 50)",
        "",
        "Each fold's specialist was trained on the other folds' datasets; the reference (the general default",
        "policy when this one was trained) was trained on all of them, the held-out fold included; the default",
        "shipped now is compared on the same folds by `scripts/check_specialists.py` (`benchmarks/specialist_check/`).",
        "Mean normalized regret:",
        "",
        "| fold (held-out datasets) | specialist @10 / 25 / 50 | reference @10 / 25 / 50 |",
        "|---|---|---|",
    ]
    lines += _fold_rows(
        cv,
        ("specialist", "reference"),
        lambda k, fold: f"{k} ({', '.join(name.rsplit('/', 1)[-1] for name in fold['held_out'])})",
        "mean",
    )
    lines += [
        "",
        "### Warm-started by a portfolio",
        "",
        "A greedy portfolio (`rl_hpo.baselines.portfolio_building.build_portfolio`) built on each fold's training",
        "datasets, evaluated first, then continued by TPE (method `portfolio`) or by the fold's specialist",
        "(method `portfolio_ppo`):",
        "",
        "| fold | portfolio size | portfolio, then TPE @10 / 25 / 50 | portfolio, then the specialist @10 / 25 / 50 |",
        "|---|---|---|---|",
    ]
    lines += _fold_rows(cv, ("portfolio", "portfolio_ppo"), lambda k, fold: f"{k} | {fold['portfolio_size']}", "mean |")
    if len(commands) > 1:
        lines += [
            "",
            "## Training length",
            "",
            "The commands above continue shorter runs; each length was cross-validated the same way and the longer one",
            "shipped where its mean over the three budgets was lower. Those comparisons are not kept in a committed",
            "result file, so their numbers are not shown here.",
        ]
    lines += [
        "",
        "Files: `policy.json` (metadata, including `specialty` and the cross-validation table) and",
        "`weights.safetensors`; loading never unpickles.",
        "",
    ]
    path = folder / "README.md"
    path.write_text("\n".join(lines))
    return path


def _budget_keys(value: Any) -> Any:
    """``value`` with the budget keys JSON turned into strings ("10") made ints again."""
    if isinstance(value, dict):
        return {int(k) if isinstance(k, str) and k.isdigit() else k: _budget_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_budget_keys(v) for v in value]
    return value


def _fold_rows(cv: dict, keys: tuple[str, ...], first: Callable[[int, dict], str], mean_first: str) -> list[str]:
    """Markdown rows of the cross-validation table: one per fold (``first`` gives its leading cells), then the
    means in bold."""
    rows = [
        f"| {first(k, fold)} | " + " | ".join(_fmt(fold[key]["regret"]) for key in keys) + " |"
        for k, fold in enumerate(cv["folds"])
    ]
    means = [" / ".join(f"**{cv[key][b]:.3f}**" for b in BUDGETS) for key in keys]
    return [*rows, f"| {mean_first} | " + " | ".join(means) + " |"]


def recipe(args: argparse.Namespace, command: str) -> list[str]:
    """The commands that made ``--out``: those of the run it continues (its ``commands.json``), then this one;
    recorded in ``--out/commands.json``."""
    commands = []
    if args.continue_from:
        earlier = Path(args.continue_from) / "commands.json"
        if not earlier.is_file():
            raise SystemExit(f"{earlier} is missing: write the commands that made {args.continue_from} there.")
        commands = json.loads(earlier.read_text())
    commands = [c for c in commands if c != command] + [command]
    Path(args.out).mkdir(parents=True, exist_ok=True)
    (Path(args.out) / "commands.json").write_text(json.dumps(commands, indent=1) + "\n")
    return commands


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", default="yahpo/lcbench")
    parser.add_argument("--out", default="runs/lcbench_specialist")
    parser.add_argument("--timesteps", type=int, default=300_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--folds", type=int, default=4)
    parser.add_argument("--seeds", type=int, default=10, help="seeds per held-out dataset")
    parser.add_argument("--reference", default=str(default_policy_path()), help="policy to beat (the default)")
    parser.add_argument("--jobs", type=int, default=1, help="training runs at a time (one core each)")
    parser.add_argument(
        "--continue-from",
        metavar="DIR",
        help="an earlier --out of fewer --timesteps: its runs are copied into --out and trained on to --timesteps",
    )
    parser.add_argument("--max-datasets", type=int, help="use only the first N train datasets (a quick smoke run)")
    parser.add_argument("--install", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--force", action="store_true", help="install even if the specialist does not win")
    parser.add_argument(
        "--readme", metavar="FOLDER", help="only rewrite an installed specialist's README from its policy.json"
    )
    args = parser.parse_args(argv)
    if args.readme:
        print(f"written: {write_readme(Path(args.readme))}")
        return
    command = " ".join(shlex.quote(a) for a in ["python", *sys.argv])
    if os.environ.get("RL_HPO_YAHPO_DATA"):
        command = f"RL_HPO_YAHPO_DATA={shlex.quote(os.environ['RL_HPO_YAHPO_DATA'])} {command}"
    commands = recipe(args, command)
    names = sorted(load_suite(args.suite).task_names("train"))[: args.max_datasets]
    fold_policies, final = train_all(names, args, command)
    cv = cross_validate(names, fold_policies, args)
    wins = np.mean(list(cv["specialist"].values())) < np.mean(list(cv["reference"].values()))
    summary = {k: " / ".join(f"{cv[k][b]:.4f}" for b in BUDGETS) for k in ("specialist", "reference")}
    print(f"cross-validated regret: specialist {summary['specialist']}, reference {summary['reference']}")
    (Path(args.out) / "cross_validation.json").write_text(json.dumps(cv, indent=1) + "\n")
    if args.install and (wins or args.force):
        print(f"installed {install(final, args.suite, cv, commands)}")
    elif args.install:
        print("not installed: the specialist does not beat the reference in cross-validation")


if __name__ == "__main__":
    main()
