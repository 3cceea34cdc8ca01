"""The ``rl-hpo`` command: list tasks, train a policy, tune, run and report a head-to-head benchmark.

Every subcommand fails with one line on standard error and a non-zero exit status for bad input; a
traceback means a bug (``RL_HPO_DEBUG=1`` shows tracebacks for every error).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shlex
import signal
import sys
import threading
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rl_hpo.exceptions import RLHPOError, TuningInterrupted
from rl_hpo.optimizer import available_optimizers, optimizer_class
from rl_hpo.tune import FAIL_FAST

if TYPE_CHECKING:
    from rl_hpo.history import History

__all__ = ["build_parser", "main"]

EXIT_USAGE = 2
EXIT_ERROR = 1
#: The exit status of a command stopped by Ctrl-C (128 + SIGINT) and by SIGTERM (128 + SIGTERM), as a shell gives it.
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143


class _Terminated(KeyboardInterrupt):
    """SIGTERM (kill, a CI timeout), raised where the signal lands so that a command stops as on Ctrl-C: journals
    close, worker processes stop and the finished work is reported; the exit status is then ``EXIT_TERMINATED``."""


def _interrupted_status(interrupt: BaseException) -> int:
    """``EXIT_TERMINATED`` where SIGTERM stopped the command (``interrupt`` or an exception it was raised from), else
    ``EXIT_INTERRUPTED``."""
    seen: set[int] = set()
    cause: BaseException | None = interrupt
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, _Terminated):
            return EXIT_TERMINATED
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return EXIT_INTERRUPTED


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (the usage is in --help)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {text!r}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return value


def _add_data_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--yahpo-data",
        metavar="PATH",
        help="YAHPO Gym v1 data folder (default: the environment variable RL_HPO_YAHPO_DATA)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="rl-hpo",
        description="Hyperparameter optimization by reinforcement learning, with Bayesian and bandit baselines.",
    )
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    p = sub.add_parser(
        "tasks",
        help="list task families, suites and tasks",
        description="List task families and suites; with --suite, its tasks and their split.",
    )
    p.add_argument("--suite", metavar="S", help="a suite such as yahpo/lcbench or synthetic/branin")
    p.add_argument("--split", default="all", help="train, validation, test or all (default: all)")
    _add_data_option(p)
    _add_plugins_option(p)

    # rl-hpo train takes its options from the chosen design's own parser (_cmd_train), the parser of
    # python -m rl_hpo.agents.candidate_training / rl_hpo.agents.training; --help shows that design's options.
    p = sub.add_parser("train", help="train a PPO tuning policy on suites' train splits", add_help=False)
    p.add_argument("--design", choices=list(_TRAIN_DESIGNS), default="candidate", help=_DESIGN_HELP)
    _add_data_option(p)

    p = sub.add_parser(
        "tune",
        help="tune one task and print the best configuration",
        description="Tune a task (or a CSV data set) with one method and print the best configuration and score.",
    )
    src = p.add_mutually_exclusive_group()  # one of them is required: _cmd_tune says so after unknown options
    src.add_argument("--task", metavar="T", help="task name family/scenario/instance, e.g. synthetic/branin/0")
    src.add_argument(
        "--csv",
        metavar="PATH",
        help="tune a scikit-learn pipeline on a CSV file (UTF-8; commas, semicolons or tabs; needs --target)",
    )
    p.add_argument("--target", metavar="COLUMN", help="target column of --csv")
    p.add_argument("--pipeline", help="scikit-learn pipeline for --csv (default: random_forest)")
    p.add_argument(
        "--task-type",
        choices=["classification", "regression"],
        help="what --target is (default: inferred; whole numbers with at most 20 values are classes)",
    )
    p.add_argument(
        "--cv", type=_positive_int, default=3, metavar="K", help="cross-validation folds for --csv (default: 3)"
    )
    p.add_argument(
        "--drop",
        action="append",
        metavar="COLUMN,COLUMN",
        help="columns of --csv that are not features (e.g. identifiers); repeatable, and a column whose name holds "
        "a comma is dropped by its whole name",
    )
    _add_plugins_option(p)
    p.add_argument(
        "--fidelity",
        choices=["subsample", "iterations"],
        default=None,
        help=(
            "fidelity of scikit-learn tasks (--csv or --task sklearn/...) for multi-fidelity methods: the fraction "
            "of training rows or of boosting rounds / trees / epochs (default: subsample)"
        ),
    )
    p.add_argument(
        "--method",
        default="ppo",
        help=f"optimization method, one of: {', '.join(available_optimizers())} (default: ppo, the shipped policy)",
    )
    p.add_argument(
        "--policy",
        default="default",
        metavar="default|DIR",
        help="policy for --method ppo or portfolio_ppo (default: the shipped policy for the task's space, a specialist "
        "where one ships, which ppo starts from the space's shipped portfolio where one ships)",
    )
    p.add_argument(
        "--search",
        metavar="KEY=VALUE,...",
        help="settings of the candidate search for --method ei or ei_sampled (rl_hpo.acquisition.search."
        "SearchSettings), e.g. max_lengthscale=1.5 (default: its defaults)",
    )
    p.add_argument(
        "--portfolio",
        default="auto",
        metavar="auto|none|FILE",
        help="configurations evaluated first by --method portfolio, portfolio_ppo or ppo: a portfolio JSON file "
        "(scripts/build_portfolios.py), none (ppo only), or auto (default: the space's shipped portfolio, if any)",
    )
    p.add_argument(
        "--budget",
        type=_positive_float,
        default=50,
        metavar="N",
        help="full-fidelity evaluations (default: 50)",
    )
    p.add_argument(
        "--seed",
        type=_non_negative_int,
        default=None,
        metavar="K",
        help="random seed (default: one drawn at random, printed with the result and kept in a --journal)",
    )
    p.add_argument(
        "--workers",
        type=_positive_int,
        default=1,
        metavar="W",
        help="evaluate W trials at a time, each in a worker process; the same seed gives the same trials (default: 1)",
    )
    p.add_argument(
        "--fail-fast",
        type=_non_negative_int,
        default=FAIL_FAST,
        metavar="N",
        help=f"stop a run whose first N trials all failed; 0: run the whole budget whatever fails (default: "
        f"{FAIL_FAST})",
    )
    p.add_argument("--journal", metavar="PATH", help="record every finished trial here; with --resume, continue it")
    p.add_argument("--resume", action="store_true", help="continue the run recorded in --journal")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--plot", metavar="PNG", help="draw the best score so far against evaluations into this file")
    p.add_argument(
        "--plot-bench",
        metavar="DIR",
        help="with --plot: also draw each method of this rl-hpo bench study on the same task (mean over its seeds)",
    )
    _add_data_option(p)
    # The usage line shows the source as required, which the group leaves to _cmd_tune.
    usage = p.format_usage().removeprefix("usage: ").removeprefix(p.prog)
    p.usage = "%(prog)s" + usage.replace("[--task T | --csv PATH]", "(--task T | --csv PATH)")

    p = sub.add_parser(
        "bench",
        help="run methods head to head on a suite",
        description=(
            "Run every (method, task, seed) cell of a head-to-head benchmark and write "
            "trials.csv, summary.csv, report.md and plots."
        ),
    )
    p.add_argument("--suite", required=True, metavar="S", help="suite, e.g. yahpo/lcbench")
    p.add_argument("--split", default="test", help="split (default: test)")
    p.add_argument(
        "--methods", default="ppo,tpe,gp,random", help="comma-separated methods (default: ppo,tpe,gp,random)"
    )
    p.add_argument(
        "--budget",
        type=_positive_float,
        default=50,
        metavar="N",
        help="full-fidelity evaluations per run (default: 50)",
    )
    p.add_argument(
        "--seeds", type=_positive_int, default=10, metavar="K", help="seeds per task and method (default: 10)"
    )
    p.add_argument(
        "--batch",
        type=_positive_int,
        default=1,
        metavar="Q",
        help="trials of a run asked before the first of them is told, as Q parallel workers take them (default: 1)",
    )
    p.add_argument(
        "--out",
        required=True,
        metavar="DIR",
        help="output folder (re-running continues it; a cell stopped after 30 s goes on from its last finished trial)",
    )
    p.add_argument(
        "--tasks",
        metavar="ID,ID,...",
        help="only these tasks of the split: full names or their ends (167190 in yahpo/lcbench, svc/digits in "
        "sklearn/all)",
    )
    p.add_argument(
        "--workers",
        type=_positive_int,
        default=None,
        metavar="W",
        help="parallel workers (default: all cores)",
    )
    p.add_argument(
        "--executor",
        choices=["local", "ray", "inline"],
        default="local",
        help="local process pool, a Ray cluster, or inline (this process, one cell at a time: for debugging)",
    )
    _add_plugins_option(p)
    p.add_argument(
        "--policy",
        default="default",
        metavar="default|DIR",
        help="policy for the ppo and portfolio_ppo methods (default: the shipped policy for each task's space)",
    )
    p.add_argument(
        "--redo",
        metavar="M,M",
        help="discard these methods' finished cells and run them again (e.g. ppo after retraining)",
    )
    p.add_argument(
        "--allow-mixed-commits",
        action="store_true",
        help="run a method's new cells beside its cells run at another git commit (refused by default)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar (failed cells are still reported)")
    _add_data_option(p)

    p = sub.add_parser(
        "report",
        help="rebuild report.md and plots from a bench folder",
        description="Rebuild report.md, summary.csv and the plots from the trials stored in a bench folder.",
    )
    p.add_argument("dir", metavar="DIR", help="a folder written by 'rl-hpo bench'")
    return parser


def _apply_data_option(args: argparse.Namespace) -> None:
    path = getattr(args, "yahpo_data", None)
    if path:
        if not os.path.isdir(path):  # a folder given on the command line is meant to be used: never skip it
            from rl_hpo.tasks._yahpo_data import resolve_data_dir

            resolve_data_dir(path)  # raises DataNotFoundError, naming the folder and the fix
        os.environ["RL_HPO_YAHPO_DATA"] = os.path.abspath(path)


def _add_plugins_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--plugins",
        metavar="MOD,MOD",
        help="modules to import first (every process of a bench), e.g. one that registers your own method "
        "(rl_hpo.register_optimizer) or task family (rl_hpo.tasks.registry.register_family)",
    )


def _import_plugins(args: argparse.Namespace) -> None:
    from rl_hpo.bench.executors import import_plugin

    for module in (m.strip() for m in (getattr(args, "plugins", None) or "").split(",")):
        if module:
            import_plugin(module)


def _cmd_tasks(args: argparse.Namespace) -> int:
    from rl_hpo.tasks.registry import families, load_suite

    if args.suite:
        suite = load_suite(args.suite)
        names = suite.task_names(args.split)
        if not names and args.split != "all":
            raise ValueError(
                f"The {args.split} split of {suite.name} has no task (tasks per split: {suite.split_sizes()})."
            )
        print(f"{suite.name}: {len(names)} tasks" + (f" ({args.split} split)" if args.split != "all" else ""))
        for name in names:
            print(f"  {name:<40} {suite.split_of(name) or '-'}")
        return 0
    if args.split != "all":
        raise ValueError(f"--split {args.split} lists a suite's split; add --suite SUITE (e.g. --suite yahpo/lcbench).")
    for name, module in families().items():
        print(f"{name:<10} {getattr(module, 'DESCRIPTION', '')}")
        try:
            suites = module.suite_names()
        except RLHPOError as err:
            print(f"  (no suites: {err})")
            continue
        for suite_name in suites:
            print(f"  {suite_name}")
    print("\nList a suite's tasks with: rl-hpo tasks --suite SUITE")
    return 0


def _cmd_tune(args: argparse.Namespace) -> int:
    from rl_hpo.tune import tune

    if not (args.task or args.csv):
        raise ValueError("one of the arguments --task --csv is required (see 'rl-hpo tune --help')")
    options: dict[str, Any] = {}
    if args.policy != "default" and args.method not in ("ppo", "portfolio_ppo"):
        raise ValueError(f"--policy applies to --method ppo or portfolio_ppo, not {args.method!r}.")
    if args.method == "ppo":
        options["policy"] = args.policy
    if args.search is not None:
        if args.method not in ("ei", "ei_sampled"):
            raise ValueError(f"--search applies to --method ei or ei_sampled, not {args.method!r}.")
        from rl_hpo.acquisition.search import settings_with_changes

        options["settings"] = settings_with_changes(args.search)
    elif args.method == "portfolio_ppo":
        options["then_options"] = {"policy": args.policy}
    if args.portfolio != "auto":
        if args.method not in ("portfolio", "portfolio_ppo", "ppo"):
            raise ValueError(f"--portfolio applies to --method portfolio, portfolio_ppo or ppo, not {args.method!r}.")
        if args.portfolio == "none" and args.method != "ppo":
            raise ValueError(f"--method {args.method} evaluates a portfolio first; --portfolio none goes with ppo.")
        options["portfolio"] = None if args.portfolio == "none" else args.portfolio
        if args.portfolio != "none" and not os.path.isfile(args.portfolio):
            raise FileNotFoundError(
                f"--portfolio {args.portfolio!r} is not a file; give a portfolio JSON file, auto or none."
            )
    if args.csv:
        if not args.target:
            raise ValueError("--csv needs --target COLUMN, the column to predict.")
        from rl_hpo.tasks.sklearn import load_csv_task

        pipeline = args.pipeline or "random_forest"
        if args.cv < 2:
            raise ValueError(f"--cv {args.cv}: cross-validation needs at least 2 folds.")
        drop = [entry for entry in args.drop or () if entry.strip()]
        task: Any = load_csv_task(
            args.csv,
            args.target,
            pipeline=pipeline,
            fidelity=args.fidelity or "subsample",
            task_type=args.task_type,
            cv=args.cv,
            drop=drop,
        )
    else:
        for flag, given in (("--target", args.target), ("--task-type", args.task_type), ("--drop", args.drop)):
            if given:
                raise ValueError(f"{flag} only goes with --csv.")
        if args.cv != 3:
            raise ValueError("--cv only goes with --csv; a task's name fixes its folds.")
        if args.pipeline:
            raise ValueError(
                "--pipeline only goes with --csv; a task's name says its pipeline (e.g. sklearn/svc/digits)."
            )
        from rl_hpo.tasks.registry import load_task

        if args.fidelity is None:
            task = load_task(args.task)
        elif args.task.strip("/").split("/", 1)[0] == "sklearn":
            task = load_task(args.task, fidelity=args.fidelity)
        else:
            raise ValueError(
                f"--fidelity applies to scikit-learn tasks only (--csv or --task sklearn/...), not {args.task!r}; "
                "other tasks have their own fidelity."
            )
    if args.resume and not args.journal:
        raise ValueError("--resume needs --journal PATH, the journal of the run to continue.")
    if optimizer_class(args.method).multi_fidelity and task.fidelity is None:
        raise ValueError(
            f"--method {args.method} is a multi-fidelity method, and {task.name} has no fidelity (epochs, a train-set "
            "fraction); use a single-fidelity method such as tpe, or a task with a fidelity (e.g. yahpo/lcbench/...)."
        )
    if args.plot_bench and not args.plot:
        raise ValueError("--plot-bench goes with --plot PNG, the file to draw into.")
    if args.plot and not args.plot.lower().endswith(".png"):
        raise ValueError(f"--plot draws a PNG image; give a file name ending in .png, not {args.plot!r}.")
    if args.plot and not os.path.isdir(os.path.dirname(os.path.abspath(args.plot))):
        raise FileNotFoundError(f"The folder of --plot {args.plot!r} does not exist; create it first.")
    if args.plot and os.path.isdir(args.plot):  # found now, not after the run, whose result would go unprinted
        raise ValueError(f"--plot {args.plot!r} is a folder; give the PNG file to draw into.")
    baselines = _bench_curves(args.plot_bench, task.name, args.budget) if args.plot_bench else {}
    if args.journal:
        options.update(journal=args.journal, resume=args.resume)
    args.policy_used = None  # the policy folder of ppo and portfolio_ppo, in every JSON line of the run
    if args.method in ("ppo", "portfolio_ppo"):
        from rl_hpo.agents.policy_file import shipped_policy_for

        args.policy_used = str(shipped_policy_for(task.space) if args.policy == "default" else args.policy)
    try:
        history = tune(
            task,
            budget=args.budget,
            method=args.method,
            seed=args.seed,
            progress=not args.quiet,
            workers=args.workers,
            fail_fast=args.fail_fast or None,
            **options,
        )
    except TuningInterrupted as interrupt:
        _report_interrupted(interrupt, args)
        if args.json:  # a script reading the JSON line still gets one, marked as interrupted
            print(json.dumps({**_run_summary(task.name, args, interrupt.history), "interrupted": True}, default=str))
        return _interrupted_status(interrupt)
    best = history.best_record()
    assert best is not None  # tune raises AllTrialsFailedError otherwise
    if args.json:
        print(json.dumps(_run_summary(task.name, args, history), default=str))
    else:
        _print_result(task, args, history, best)
    if args.plot:  # after the result, so that a plot that cannot be written loses nothing of the run
        try:
            _plot_run(history, args, baselines)
        except OSError as err:
            print(f"rl-hpo tune: error: --plot {args.plot!r} could not be written ({err})", file=sys.stderr)
            return EXIT_ERROR
    return 0


def _print_result(task: Any, args: argparse.Namespace, history: History, best: Any) -> None:
    """The finished run of ``rl-hpo tune`` as text: the task, the method, the trials and the best configuration."""
    policy = args.policy_used
    print(f"task:        {task.name}")
    run_as = f"run as {history.method}, " if history.method != args.method else ""  # ppo with a portfolio first
    print(f"method:      {args.method} ({run_as}seed {history.seed})")
    if policy:
        print(f"policy:      {policy}")
    print(f"trials:      {history.n_trials} ({history.n_failed} failed)")
    if hasattr(task, "task_type") and hasattr(task, "metric"):  # a scikit-learn task: say what the score is
        print(f"score:       {task.metric}, {task.cv}-fold cross-validation ({task.task_type})")
    full = best.fidelity is None or task.fidelity is None or best.fidelity >= task.fidelity.high
    if full:
        print(
            f"best score:  {history.best_score:.6g}"
            + (f"   (normalized regret {task.bounds.regret(best.score):.4f})" if task.bounds else "")
        )
    else:  # no trial reached the highest fidelity: the score is of a cheaper evaluation, not comparable
        print(
            f"best score:  {history.best_score:.6g}   (at {task.fidelity.name} {best.fidelity:g} of "
            f"{task.fidelity.high:g}: no trial reached the highest fidelity; a larger --budget lets one)"
        )
    print("best config:")
    for key, value in history.best_config.items():
        print(f"  {key} = {value}")


_TRAIN_DESIGNS = {"candidate": "rl_hpo.agents.candidate_training", "per-dimension": "rl_hpo.agents.training"}
_DESIGN_HELP = (
    "candidate (default): the policy scores candidate moves from statistics of the whole history and tunes "
    "spaces of any dimension, as the shipped default does; per-dimension: a direction per coordinate with "
    "identity codes of known spaces, as the shipped specialists do"
)


def _train_parser(design: str) -> argparse.ArgumentParser:
    """``rl-hpo train --design D``: the design's own parser, with --design and --yahpo-data shown in its help."""
    import importlib

    parser = importlib.import_module(_TRAIN_DESIGNS[design]).build_parser(prog="rl-hpo train", parser_class=_Parser)
    parser.add_argument("--design", choices=list(_TRAIN_DESIGNS), default=design, help=_DESIGN_HELP)
    _add_data_option(parser)
    return parser


def _run_summary(task_name: str, args: argparse.Namespace, history: History) -> dict:
    """``rl-hpo tune --json``'s line: the run, its policy (ppo, portfolio_ppo) and its best trial (None where no trial
    succeeded)."""
    best = history.best_record()
    policy = getattr(args, "policy_used", None)
    return {
        "task": task_name,
        "method": args.method,
        "run_as": history.method,
        "seed": history.seed,  # a journaled run records the seed it drew
        **({"policy": policy} if policy else {}),
        "trials": history.n_trials,
        "failed": history.n_failed,
        "best_score": history.best_score_or_none(),
        "best_config": best.config if best is not None else None,
        "best_fidelity": best.fidelity if best is not None else None,  # None: a single-fidelity task
    }


def _report_interrupted(interrupt: TuningInterrupted, args: argparse.Namespace) -> None:
    """On Ctrl-C or SIGTERM: the best of the finished trials, and how to keep or continue them."""
    history = interrupt.history
    best = history.best_score_or_none()
    found = (
        f"the best of them: {best:.6g} at {json.dumps(history.best_config, default=str)}"
        if best is not None
        else "none succeeded"
    )
    if args.journal:
        hint = f"they are in the journal; add --resume to continue: --journal {args.journal} --resume"
    else:
        hint = "--journal PATH keeps every finished trial, and --resume continues an interrupted run"
    print(f"rl-hpo tune: {interrupt}; {found}. ({hint})", file=sys.stderr)


def _cmd_train(args: argparse.Namespace) -> int:
    """Parse the options left after --design with that design's parser and train; an option only the other
    design has is refused in one line."""
    import importlib

    parser = _train_parser(args.design)
    given = {token.split("=", 1)[0] for token in args.settings if token.startswith("--")}
    (other,) = (d for d in _TRAIN_DESIGNS if d != args.design)
    foreign = sorted(given & set(_train_parser(other)._option_string_actions) - set(parser._option_string_actions))
    if foreign:
        raise ValueError(f"{', '.join(foreign)}: not available for the {args.design} design; add --design {other}.")
    parsed = parser.parse_args(args.settings)
    parsed.command = shlex.join(["rl-hpo", *args.argv])
    try:
        return importlib.import_module(_TRAIN_DESIGNS[args.design]).train_command(parsed)
    except KeyboardInterrupt:
        from rl_hpo.agents.checkpoints import checkpoint_folder

        checkpoint = checkpoint_folder(Path(parsed.out))
        if (checkpoint / "state.json").is_file():
            print(f"rl-hpo train: the last checkpoint is in {checkpoint}; add --resume to continue.", file=sys.stderr)
        raise


def _cmd_bench(args: argparse.Namespace) -> int:
    from rl_hpo.bench import bench_command

    # recorded as typed at rl-hpo, whether it ran as rl-hpo, python -m rl_hpo.cli or main([...])
    return bench_command(args, command_line=shlex.join(["rl-hpo", *args.argv]))


def _cmd_report(args: argparse.Namespace) -> int:
    from rl_hpo.bench import report_command

    return report_command(args)


_COMMANDS = {
    "tasks": _cmd_tasks,
    "train": _cmd_train,
    "tune": _cmd_tune,
    "bench": _cmd_bench,
    "report": _cmd_report,
}


def _command_parser(parser: argparse.ArgumentParser, command: str | None) -> argparse.ArgumentParser:
    """The parser of ``command`` (``rl-hpo bench``'s errors then begin "rl-hpo bench:"), else ``parser``."""
    for action in parser._actions:  # argparse keeps the subcommands' parsers in their action's choices
        if isinstance(action, argparse._SubParsersAction) and command in action.choices:
            return action.choices[command]
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra and args.command != "train":  # argparse's own error, from the subcommand's parser; exit status 2
        _command_parser(parser, args.command).error(f"unrecognized arguments: {' '.join(extra)}")
    args.settings = extra  # rl-hpo train: any further setting of the chosen design (see _cmd_train)
    args.argv = list(sys.argv[1:] if argv is None else argv)
    if args.version:
        from rl_hpo import __version__

        print(f"rl-hpo {__version__}")
        return 0
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        _apply_data_option(args)
        with _one_line_warnings(f"rl-hpo {args.command}"), _sigterm_unwinds():
            if args.command != "bench":  # bench imports them itself, in each of its processes
                _import_plugins(args)
            return _COMMANDS[args.command](args)
    except KeyboardInterrupt as interrupt:
        if args.command == "bench":
            journaled = len(list(Path(args.out, "cells").glob("*.journal")))
            resumed = f" ({journaled} of them from the trials their journals kept)" if journaled else ""
            finished = any(Path(args.out, "cells").glob("*.json"))
            report = f"; meanwhile `rl-hpo report {shlex.quote(str(args.out))}` reports the finished ones"
            print(
                f"rl-hpo bench: interrupted; the finished cells are kept in {args.out}, and the same command runs "
                f"only the missing ones{resumed}{report if finished else ''}",
                file=sys.stderr,
            )
        else:
            print("rl-hpo: interrupted", file=sys.stderr)
        return _interrupted_status(interrupt)
    except BrokenPipeError as err:
        if not _stdout_reader_left():  # another pipe broke, e.g. to a training worker that died
            print(
                f"rl-hpo {args.command}: error: {err} (a worker process ended; see the messages above)", file=sys.stderr
            )
            return EXIT_ERROR
        # e.g. `rl-hpo tasks --suite S | head`: the reader of the output left, which is fine
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except (RLHPOError, ValueError, FileNotFoundError, PermissionError) as err:
        if _debugging():
            raise
        message = str(err.args[0]) if isinstance(err, KeyError) and err.args else str(err)
        print(f"rl-hpo {args.command}: error: {message}", file=sys.stderr)
        from rl_hpo.history import History

        history = getattr(err, "history", None)
        if getattr(args, "json", False) and isinstance(history, History):  # e.g. every trial failed: the line still
            summary = {**_run_summary(history.task, args, history), "error": message.splitlines()[0]}
            print(json.dumps(summary, default=str))
        # A missing file or data folder is bad input too (a path the user gave); other errors are 1.
        return EXIT_USAGE if isinstance(err, ValueError | KeyError | FileNotFoundError) else EXIT_ERROR


def _debugging() -> bool:
    """Whether ``RL_HPO_DEBUG`` asks for Python's tracebacks and warnings as they are (set, and not ``0``)."""
    return os.environ.get("RL_HPO_DEBUG", "").strip() not in ("", "0")


def _stdout_reader_left() -> bool:
    """Whether standard output is a pipe whose reader has closed it (poll reports an error on it)."""
    import select

    try:
        poller = select.poll()
        poller.register(sys.stdout.fileno(), select.POLLOUT)
        return any(events & select.POLLERR for _, events in poller.poll(0))
    except (AttributeError, OSError, ValueError):  # no poll (Windows) or no real stdout: assume the reader left
        return True


def _bench_curves(folder: str, task: str, budget: float) -> dict[str, tuple[Any, Any]]:
    """Mean best score so far of each method of a bench study on ``task`` (for ``tune --plot-bench``), over its
    seeds; a budget at which some seed has no full-fidelity score yet has no mean (a mean of the other seeds
    alone would favour the method there)."""
    import numpy as np

    from rl_hpo.bench.evaluation import best_score_at
    from rl_hpo.bench.report import read_trials

    path = os.path.join(folder, "trials.csv")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{folder!r} holds no trials.csv; give the folder of an rl-hpo bench study.")
    trials = read_trials(path)
    trials = trials[trials["task"] == task]
    if trials.empty:
        raise ValueError(
            f"The study in {folder!r} has no trials of {task!r}; bench that task or leave out --plot-bench."
        )
    grid = np.arange(1, int(budget) + 1, dtype=float)
    fidelity = trials["fidelity"].to_numpy(dtype=float)
    full = np.isnan(fidelity) | (fidelity >= np.nanmax(fidelity, initial=-np.inf) * (1 - 1e-9))  # as the study counts
    trials = trials.assign(full=full)
    curves = {}
    for method, rows in trials.groupby("method", sort=False):
        runs = [
            best_score_at(
                run["score"].to_numpy(dtype=float), run["budget_used"].to_numpy(), grid, run["full"].to_numpy()
            )
            for _, run in rows.groupby("seed")
        ]
        curves[f"{method} (bench, {len(runs)} seed{'' if len(runs) == 1 else 's'})"] = (grid, np.mean(runs, axis=0))
    return curves


def _plot_run(history: Any, args: argparse.Namespace, baselines: dict[str, tuple[Any, Any]]) -> None:
    import numpy as np

    from rl_hpo.bench.evaluation import best_score_at
    from rl_hpo.bench.plots import plot_best_so_far

    used = np.cumsum([r.budget_fraction for r in history.records])
    scores = np.array([r.score for r in history.records], dtype=float)
    full = np.array([r.budget_fraction >= 1.0 - 1e-9 for r in history.records])
    grid = np.arange(1, int(np.floor(used[-1] + 1e-9)) + 1, dtype=float)
    run = f"{args.method} (this run, seed {history.seed})"  # the seed drawn where none was given
    curve = best_score_at(scores, used, grid, full)
    path = plot_best_so_far({run: (grid, curve), **baselines}, args.plot, title=history.task)
    print(f"plot:        {path}", file=sys.stderr if args.json else sys.stdout)


@contextlib.contextmanager
def _sigterm_unwinds() -> Iterator[None]:
    """SIGTERM (kill, a CI timeout) stops a command as Ctrl-C does while it runs (``_Terminated``), so journals close,
    worker processes stop and ``rl-hpo tune`` reports the trials it finished (exit status ``EXIT_TERMINATED``)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def terminate(*_: Any) -> None:
        raise _Terminated

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def _one_line_warnings(prefix: str) -> Iterator[None]:
    """Show warnings as ``PREFIX: warning: MESSAGE`` lines, without Python's source line (RL_HPO_DEBUG: as usual)."""
    if _debugging():
        yield
        return
    original = warnings.showwarning

    def show(message: Warning | str, category: type[Warning], *_: Any, **__: Any) -> None:
        print(f"{prefix}: warning: {message}", file=sys.stderr)

    warnings.showwarning = show
    try:
        yield
    finally:
        warnings.showwarning = original


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
