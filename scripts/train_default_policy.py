"""Train the default (general) tuning policy, choose how it is used on validation, install it as package data.

The default policy scores candidate moves (``rl_hpo.envs.CandidateTuningEnv``) and must tune search spaces
it never saw. It is trained on the train split of every suite the design trains on (``--suites``, default
``EVERY_TRAIN_SPLIT``: GP-prior functions, synthetic/mixed, the YAHPO suites and sklearn/all from tables); the
policy trained on ``prior/gp`` alone (``rl_hpo/data/policies/prior_gp``, ``--suites prior/gp``) is the one for
studies of spaces no policy trained on. Three steps, each reproducible from this script alone:

1. **train** with PPO (``rl_hpo.agents.candidate_training``), keeping the policy with the lowest regret on
   the training suites' validation splits (step 0 is plain expected improvement, the network's starting rule);
2. **select** on the ``validation`` splits of the training suites and synthetic/mixed (never a test split):
   ``best`` or ``final``, each picking its most likely candidate or sampling one;
   the lowest mean normalized regret at 10 / 25 / 50, averaged over the suites, wins;
3. **install** the winner into ``rl_hpo/data/policies/default`` with the chosen default in its metadata
   and a README recording the commands and the numbers (``--install-to FOLDER``: into FOLDER, without the
   README, for a study that makes a policy the way the default is made).

Usage::

    nice python scripts/train_default_policy.py --out runs/default --timesteps 300000 [--suites prior/gp]
        [--skip-train | --resume] [--install-to FOLDER] [--select-workers 2]
        [--against rl_hpo/data/policies/default [--replace-within 0.01]] [--variant sampled]
    python scripts/train_default_policy.py --readme      # rewrite the installed README from its policy.json
"""

from __future__ import annotations

import argparse
import csv
import json
import shlex
import shutil
import sys
import textwrap
import time
from pathlib import Path

import numpy as np

from rl_hpo.agents.candidate_policy_optimizer import CandidatePolicyOptimizer
from rl_hpo.agents.candidate_training import EVERY_TRAIN_SPLIT, CandidateTrainConfig, train_candidate_policy
from rl_hpo.agents.policy_file import default_policy_path, load_policy
from rl_hpo.agents.train_settings import task_sources
from rl_hpo.bench.evaluation import evaluate_method
from rl_hpo.bench.executors import InlineExecutor, ProcessExecutor
from rl_hpo.tasks.registry import Suite, load_task

#: Selection also runs on this suite, whether or not the run trained on it (a policy trained on prior/gp alone did not).
ALSO_SELECTED_ON = "synthetic/mixed"
VARIANTS = {"most likely": {"deterministic": True}, "sampled": {"deterministic": False}}
#: The selection table's name for the policy given with ``--against``.
AGAINST = "against"


def selection_suites(train_suites: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys((*train_suites, ALSO_SELECTED_ON)))  # each once


def select(
    candidates: dict[str, Path],
    *,
    suites: tuple[str, ...],
    seeds: int,
    max_tasks: int,
    budget: int = 50,
    workers: int = 1,
    variants: tuple[str, ...] = tuple(VARIANTS),
    sklearn_tabulated: bool = True,
) -> dict:
    """Every candidate policy in every one of ``variants`` on the ``suites``' validation splits (a suite without
    a validation split, such as yahpo/iaml_glmnet, or a single task adds none); ``workers`` processes score
    (candidate, variant, suite) triples side by side, each with the same seeds as alone. Scikit-learn suites are
    scored on their tables when ``sklearn_tabulated``, as training validates on them (a live task knows no score
    bounds)."""
    sources = task_sources(suites, sklearn_tabulated=sklearn_tabulated)
    loaded = {name: source for name, source in zip(suites, sources) if isinstance(source, Suite)}
    names = {name: suite.task_names("validation")[:max_tasks] for name, suite in loaded.items()}
    names = {name: tasks for name, tasks in names.items() if tasks}
    jobs = [
        (cand, str(path), variant, suite, tuple(names[suite]), loaded[suite].options, seeds, budget)
        for cand, path in candidates.items()
        for variant in variants
        for suite in names
    ]
    executor = InlineExecutor() if workers == 1 else ProcessExecutor(workers)
    regret: dict[tuple[str, str, str], dict] = {}
    for job, result in executor.imap_unordered(_score, jobs):
        if isinstance(result, BaseException):
            raise result
        regret[job[0], job[2], job[3]] = result
    table: dict[str, dict[str, dict]] = {}
    for cand in candidates:
        for variant in variants:
            per_suite = {suite: regret[cand, variant, suite] for suite in names}
            score = float(np.mean([np.mean(list(r.values())) for r in per_suite.values()]))
            table.setdefault(cand, {})[variant] = {"score": score, "regret": per_suite}
            print(f"{cand:>6} {variant:>12}: score {score:.4f}", flush=True)
    cand, variant = min(((c, v) for c in table for v in table[c]), key=lambda cv: table[cv[0]][cv[1]]["score"])
    return {"candidate": cand, "variant": variant, "suites": names, "seeds": seeds, "table": table}


def _score(job: tuple[str, str, str, str, tuple[str, ...], dict, int, int]) -> dict:
    """One candidate policy in one variant on a suite's validation tasks (named, loaded with the suite's task
    options): regret at 10 / 25 / budget."""
    _, path, variant, _, task_names, options_of_suite, seeds, budget = job
    policy, options = load_policy(path), VARIANTS[variant]
    return evaluate_method(
        lambda space, seed: CandidatePolicyOptimizer(space, seed=seed, policy=policy, **options),
        [load_task(name, **options_of_suite) for name in task_names],
        seeds=range(seeds),
        budget=budget,
    ).regret


def install(
    run: Path, selection: dict, commands: list[str], train_suites: tuple[str, ...], target: Path | None = None
) -> Path:
    """Install the selected policy of ``run`` as the package's default (or into ``target``), its validation
    curve and selection in its metadata; the package's default also gets its README, written from that metadata
    alone (``write_readme``). Another ``target`` is a policy made the way the default is, for a study."""
    default = target is None
    target = target or default_policy_path()
    policy = load_policy(run / selection["candidate"])
    variant = selection["variant"]
    with open(run / "eval.csv") as f:
        curve = [{k: float(v) for k, v in row.items()} for row in csv.DictReader(f)]
    meta = dict(policy.metadata)
    meta["defaults"] = {**meta.get("defaults", {}), **VARIANTS[variant]}
    meta["selection"] = {"split": "validation", **selection}
    meta["training"] = {**meta.get("training", {}), "commands": commands, "validation_curve": curve}
    policy.metadata = meta
    if target.exists():
        shutil.rmtree(target)  # the policy installed there before (main checks an --install-to folder)
    policy.save(target)
    if default:
        write_readme(target)
    return target


def write_readme(folder: Path) -> Path:
    """``folder/README.md`` of an installed default policy, from its ``policy.json`` only (so every number in
    it comes from the committed metadata: ``python scripts/train_default_policy.py --readme`` rewrites it). A
    folder named otherwise than ``default`` holds a general policy shipped beside it, loaded by its folder."""
    meta = json.loads((folder / "policy.json").read_text())
    training, selection = meta["training"], meta["selection"]
    train_suites = training["suites"]
    variant = selection["variant"]
    chosen = selection["table"][selection["candidate"]][variant]
    suites = list(selection["suites"])
    trained = _listing([f"`{s}`" for s in train_suites])
    only_prior = all(s.startswith("prior/") for s in train_suites)
    default = folder.name == default_policy_path().name
    where = f"rl_hpo/data/policies/{folder.name}"
    intro = (
        (
            'Loaded by `PolicyOptimizer(space, policy="default")` (method `ppo`) for every search space without a '
            "shipped specialist."
            if default
            else f'A general policy shipped beside the default, loaded by its folder (`policy="{where}"`, '
            f"`--policy {where}`)."
        )
        + " It scores candidate moves from statistics of the whole history (an in-episode GP's "
        "mean and uncertainty, expected improvement, ranks, distances; `rl_hpo.acquisition`), so the same weights "
        f"tune a space of any dimension. Trained with PPO on the **train** split of {trained}"
        + (
            " only (functions drawn from GP priors over random mixed spaces): no YAHPO, scikit-learn or "
            "synthetic/mixed task was trained on."
            if only_prior
            else "."
        )
        + f" Usage chosen on the **validation** splits of {_listing(suites)}; no test split was used."
        + (
            " The studies of search spaces that no policy trained on run it (`benchmarks/unseen_spaces/` and the "
            "others whose scripts name its folder)."
            if only_prior and not default
            else ""
        )
    )
    lines = [
        "# The default tuning policy" if default else f"# A general tuning policy trained on {trained} only",
        "",
        textwrap.fill(intro, 110, break_on_hyphens=False, break_long_words=False),
        "",
        "## How it was made",
        "",
        "```",
        *training["commands"],
        "```",
        "",
        f"## Validation during training (the validation splits of {_listing(training['validation_suites'])}"
        f"{', where a suite has one' if len(training['validation_suites']) > 1 else ''}; the first row, before PPO's"
        " first update, is plain expected improvement)",
        "",
        "| timesteps | regret@10 | regret@25 | regret@50 | minutes |",
        "|---|---|---|---|---|",
        *(
            f"| {int(r['timesteps'])} | {r['regret@10']:.4f} | {r['regret@25']:.4f} | {r['regret@50']:.4f} | "
            f"{r['minutes']:.1f} |"
            for r in training.get("validation_curve", [])
        ),
        "",
        f"## Selection (seeds 0..{selection['seeds'] - 1}, budget 50, mean normalized regret at 10 / 25 / 50)",
        "",
        "| policy | use | " + " | ".join(suites) + " | score |",
        "|---|---|" + "---|" * (len(suites) + 1),
    ]
    for cand, variants in selection["table"].items():
        for name, entry in variants.items():
            cells = " | ".join(" / ".join(f"{entry['regret'][s][b]:.3f}" for b in ("10", "25", "50")) for s in suites)
            lines.append(f"| {cand} | {name} | {cells} | {entry['score']:.4f} |")
    lines += ["", f"Installed: `{selection['candidate']}`, {variant} candidate (score {chosen['score']:.4f})."]
    served = meta.get("served")
    if served:
        changes = ", ".join(
            f"`{k}`: {old} in training, {new} when served" for k, (old, new) in served["changed"].items()
        )
        lines += [
            "",
            "## Served with other candidate settings than in training",
            "",
            textwrap.fill(
                f"{changes} (`search` in `policy.json`), chosen afterwards on validation splits and by "
                f"cross-validation inside train splits, never on a test split: `{served['study']}`.",
                110,
                break_on_hyphens=False,
                break_long_words=False,
            ),
        ]
    lines += [
        "",
        "Files: `policy.json` (metadata: features, candidate settings, defaults, training settings, versions, the",
        "sha256 of the weights) and `weights.safetensors`; loading never unpickles.",
        "",
    ]
    path = folder / "README.md"
    path.write_text("\n".join(lines))
    return path


def _within(selection: dict, fraction: float) -> dict:
    """``selection`` with the run's better row chosen instead of the policy it is against, unless that row scores
    higher than the policy by more than ``fraction`` of the policy's score."""
    rows = [(c, v) for c in selection["table"] if c != AGAINST for v in selection["table"][c]]
    if not rows:  # the run left no policy to install
        return selection
    cand, variant = min(rows, key=lambda cv: selection["table"][cv[0]][cv[1]]["score"])
    run = selection["table"][cand][variant]["score"]
    against = min(entry["score"] for entry in selection["table"][AGAINST].values())
    if run > against * (1.0 + fraction):
        return selection
    print(f"{cand} ({variant}) scores {run:.4f}, within {fraction:.0%} of the policy it is against ({against:.4f})")
    return {**selection, "candidate": cand, "variant": variant}


def _listing(items: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="runs/default")
    parser.add_argument("--timesteps", type=int, default=300_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--suites",
        default=",".join(EVERY_TRAIN_SPLIT),
        help=f"comma-separated training suites (default: {','.join(EVERY_TRAIN_SPLIT)}; --skip-train: the run's)",
    )
    parser.add_argument("--skip-train", action="store_true", help="reuse the policies already in --out")
    parser.add_argument(
        "--resume", action="store_true", help="continue the interrupted training in --out from its last checkpoint"
    )
    parser.add_argument(
        "--readme",
        nargs="?",
        const=str(default_policy_path()),
        metavar="FOLDER",
        help="only rewrite a policy folder's README from its policy.json (default folder: the installed default)",
    )
    parser.add_argument("--install", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument(
        "--install-to",
        type=Path,
        metavar="FOLDER",
        help="install the selected policy into FOLDER instead of the package's default (for studies)",
    )
    parser.add_argument("--select-seeds", type=int, default=3)
    parser.add_argument("--select-max-tasks", type=int, default=32)
    parser.add_argument("--select-budget", type=int, default=50, help="evaluations per selection run (default: 50)")
    parser.add_argument(
        "--select-workers", type=int, default=1, help="processes scoring the candidates side by side (default: 1)"
    )
    parser.add_argument(
        "--against",
        type=Path,
        metavar="FOLDER",
        help="score this policy (e.g. rl_hpo/data/policies/default) beside the run's in the selection; when one of "
        "its forms scores lowest, nothing is installed",
    )
    parser.add_argument(
        "--replace-within",
        type=float,
        metavar="FRACTION",
        help="with --against: install the run's better row unless it scores higher than the --against policy by more "
        "than this fraction of that policy's score (a rule that asks no gain of the run, only no loss beyond noise)",
    )
    parser.add_argument(
        "--variant",
        choices=list(VARIANTS),
        help="score only this form of every policy (default: both; the form of the installed default was decided "
        "on 374 tasks: sampled)",
    )
    args = parser.parse_args(argv)
    if args.install and not args.install_to and args.select_budget != 50:
        parser.error(
            "--select-budget other than 50 is for quick checks: add --no-install or --install-to FOLDER (the default's "
            "README reports 10 / 25 / 50)."
        )
    if args.replace_within is not None and not args.against:
        parser.error("--replace-within compares the run with the policy given by --against; give --against.")
    if args.install_to and args.install_to.exists() and not (args.install_to / "policy.json").is_file():
        parser.error(f"{args.install_to} exists and is not a policy folder; choose a new folder to install into.")
    if args.readme:
        print(f"written: {write_readme(Path(args.readme))}")
        return
    if args.install and not args.install_to:
        print(
            f"at the end the selected policy is installed as the package's default in {default_policy_path()}"
            f"{' unless --against scores lowest' if args.against else ''} (--no-install: select only; "
            "--install-to FOLDER: install elsewhere)",
            flush=True,
        )
    command = " ".join(shlex.quote(a) for a in ["python", *sys.argv])
    train_suites = tuple(s.strip() for s in args.suites.split(",") if s.strip())
    out = Path(args.out)
    if not args.skip_train:
        config = CandidateTrainConfig(
            out=str(out),
            timesteps=args.timesteps,
            seed=args.seed,
            suites=train_suites,
            validation_suites=train_suites,
            command=command,
            resume=args.resume,
        )
        start = time.perf_counter()
        train_candidate_policy(config)
        print(f"trained in {(time.perf_counter() - start) / 60:.1f} min", flush=True)
    saved = json.loads((out / "config.json").read_text())
    train_suites = tuple(saved.get("suites") or train_suites)  # with --skip-train: what the run trained on
    resumed = [resume["command"] for resume in saved.get("resumes", [])]  # the training's own, in order
    commands = [saved.get("command") or command, *resumed] + ([command] if args.skip_train else [])
    candidates = {name: out / name for name in ("best", "final") if (out / name / "policy.json").is_file()}
    if args.against:
        candidates[AGAINST] = args.against
    selection = select(
        candidates,
        suites=selection_suites(train_suites),
        seeds=args.select_seeds,
        max_tasks=args.select_max_tasks,
        budget=args.select_budget,
        workers=args.select_workers,
        variants=(args.variant,) if args.variant else tuple(VARIANTS),
        sklearn_tabulated=saved.get("sklearn_tabulated", True),
    )
    if args.replace_within is not None and selection["candidate"] == AGAINST:
        selection = _within(selection, args.replace_within)
    (out / "selection.json").write_text(json.dumps(selection, indent=2) + "\n")
    print(f"selected: {selection['candidate']} ({selection['variant']})")
    if selection["candidate"] == AGAINST:
        print(f"{args.against} scores lowest: nothing installed")
    elif args.install:
        print(f"installed: {install(out, selection, commands, train_suites, args.install_to)}")


if __name__ == "__main__":
    main()
