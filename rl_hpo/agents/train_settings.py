"""The settings of a per-dimension training run (``TrainConfig``) and the command-line options of any
settings dataclass, generated from its fields and their docstrings (``add_config_arguments``): ``rl-hpo train``
and both trainers' ``python -m`` entry points parse with them.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import itertools
import math
import re
import shlex
import sys
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from rl_hpo.envs.observation import ObservationLayout
from rl_hpo.tasks.base import Task
from rl_hpo.tasks.registry import Suite, load_suite, load_task

__all__ = [
    "TrainConfig",
    "add_config_arguments",
    "add_train_arguments",
    "build_config",
    "check_ppo_settings",
    "config_from_args",
    "config_values",
    "task_sources",
    "warn_of_choosing_on_training_tasks",
]


@dataclass
class TrainConfig:
    """Settings of a training run (each field's docstring is its ``rl-hpo train`` help)."""

    suites: tuple[str, ...] = ("synthetic/mixed",)
    """Suites (family/scenario) or task names to train on; an episode draws a suite evenly, then a task."""
    sklearn_tabulated: bool = True
    """Serve sklearn suites from cached tables of 256 evaluated configurations (built on first use) instead
    of training pipelines live at every step."""
    out: str = "runs/policy"
    """Output folder (policies, checkpoints, logs)."""
    split: str = "train"
    """Split of the suites to train on."""
    eval_split: str = "validation"
    """Split of the suites to select the best policy on (never test)."""
    timesteps: int = 300_000
    """Total environment steps (evaluations) of training."""
    seed: int = 0
    """Seed of everything random in the run; the same seed gives the same policy."""
    n_envs: int = 16
    """Parallel environments."""
    vec_env: str = "batched"
    """'batched' (one process, evaluations batched per task), 'subproc' (one process per environment) or 'dummy'."""
    n_task_groups: int | None = 4
    """With vec_env='batched': distinct tasks tuned at once (environments in a group share a task); None: all differ."""
    budget: int = 50
    """Evaluations per episode (initial design included)."""
    history_len: int = 5
    """Last points shown in the observation."""
    max_dim: int = 16
    """Largest search-space dimension the policy handles."""
    identity_dim: int = 8
    """Length of the per-parameter identity code of known search spaces (0: the policy sees types only)."""
    hide_identity_prob: float = 0.3
    """Share of training episodes that hide the identity codes (teaches tuning of spaces never seen)."""
    n_initial: int = 1
    """Random points at the start of an episode."""
    min_scale: float = 1e-2
    """Smallest step scale of the action."""
    max_scale: float = 1.0
    """Largest step scale of the action."""
    hidden: int = 32
    """Width of the per-dimension network."""
    log_std_init: float = -0.5
    """Initial log standard deviation of the action noise."""
    learning_rate: float = 3e-4
    """PPO learning rate."""
    n_steps: int = 256
    """PPO rollout length per environment (n_steps * n_envs samples per update)."""
    batch_size: int = 512
    """PPO minibatch size."""
    n_epochs: int = 10
    """PPO epochs per update."""
    gamma: float = 0.99
    """Discount factor."""
    gae_lambda: float = 0.95
    """GAE lambda."""
    clip_range: float = 0.2
    """PPO clip range."""
    ent_coef: float = 0.0
    """Entropy bonus."""
    eval_freq: int = 50_000
    """Steps between validations (0: no validation; the final policy is then also the best)."""
    eval_seeds: int = 3
    """Seeds per validation task."""
    eval_max_tasks: int = 8
    """At most this many validation tasks per suite (the first ones of the split)."""
    checkpoint_freq: int = 50_000
    """Steps between checkpoints (0: only at the end)."""
    resume: bool = False
    """Continue from OUT/checkpoint instead of starting afresh."""
    torch_threads: int | None = 1
    """Torch threads during training (None: torch's default); restored afterwards. The networks are small:
    one thread is fastest, and more stall when other processes hold the cores."""
    progress: bool = True
    """Show a progress bar."""
    command: str = ""
    """The command line that started the run (recorded in the policy's metadata)."""

    def __post_init__(self) -> None:
        if isinstance(self.suites, str):
            self.suites = (self.suites,)
        self.suites = tuple(self.suites)
        if not self.suites:
            raise ValueError("The 'suites' parameter must name at least one suite or task. Got () instead.")
        for name in ("timesteps", "n_envs", "budget", "n_steps", "batch_size", "n_epochs", "hidden", "eval_seeds"):
            value = getattr(self, name)
            if not (isinstance(value, int) and not isinstance(value, bool) and value >= 1):
                raise ValueError(f"The {name!r} parameter of TrainConfig must be an int >= 1. Got {value!r} instead.")
        if self.vec_env not in ("batched", "subproc", "dummy"):
            raise ValueError(
                f"The 'vec_env' parameter must be 'batched', 'subproc' or 'dummy'. Got {self.vec_env!r} instead."
            )
        if self.eval_split == "test":
            raise ValueError("The 'eval_split' parameter must not be 'test': settings are chosen on validation only.")
        if self.eval_split not in ("train", "validation"):
            raise ValueError(
                f"The 'eval_split' parameter must be 'validation' or 'train'. Got {self.eval_split!r} instead."
            )
        if self.split == "test":
            raise ValueError("The 'split' parameter must not be 'test': policies are trained on train splits only.")
        check_ppo_settings(self)

    @property
    def layout(self) -> ObservationLayout:
        return ObservationLayout(max_dim=self.max_dim, history_len=self.history_len, identity_dim=self.identity_dim)

    def task_sources(self) -> list[Suite | str]:
        """The suites (as ``Suite`` objects carrying their task options) and single task names trained on."""
        return task_sources(self.suites, sklearn_tabulated=self.sklearn_tabulated)

    def validation_tasks(self, max_tasks: int | None = None) -> dict[str, list[Task]]:
        """Suite name -> the first ``max_tasks`` (default ``eval_max_tasks``) tasks of its ``eval_split``,
        loaded as in training (sklearn suites from their tables); suites without that split and single tasks
        are left out."""
        limit = self.eval_max_tasks if max_tasks is None else max_tasks
        tasks: dict[str, list[Task]] = {}
        for suite in self.task_sources():
            if isinstance(suite, str):
                continue  # single tasks have no validation split
            names = suite.task_names(self.eval_split)[:limit] if self.eval_split in suite.splits else []
            if names:
                tasks[suite.name] = [load_task(name, **suite.options) for name in names]
        return tasks

    @functools.cached_property
    def training_spaces(self) -> dict[str, tuple[str, int]]:
        """Fingerprint -> (first task name, number of tasks) of every search space among the training
        tasks; loads every training task once, then is kept."""
        from rl_hpo.envs.tuning_env import TaskPool

        pool = TaskPool(self.task_sources(), split=self.split)
        spaces: dict[str, tuple[str, int]] = {}
        for name in pool.task_names:
            fingerprint = pool.get(name).space.fingerprint()
            first, count = spaces.get(fingerprint, (name, 0))
            spaces[fingerprint] = (first, count + 1)
        return spaces

    @property
    def known_spaces(self) -> dict[str, str]:
        """Fingerprint -> first task name of every search space shared by at least two training tasks
        (empty when ``identity_dim`` is 0).

        Identity codes pay off where datasets share a search space (their good regions are alike); a space of
        a single task (each synthetic function draws its own) would only let the policy memorize that task.
        """
        if self.identity_dim == 0:
            return {}
        return {f: name for f, (name, count) in self.training_spaces.items() if count >= 2}

    @property
    def specialty(self) -> dict[str, str] | None:
        """``{"fingerprint", "example_task"}`` of the one search space every training task shares (the
        policy is then a specialist of that space); None when the training tasks have several spaces."""
        if len(self.training_spaces) != 1:
            return None
        ((fingerprint, (name, _)),) = self.training_spaces.items()
        return {"fingerprint": fingerprint, "example_task": name}

    def env_kwargs(self) -> dict[str, Any]:
        """``TuningEnv`` arguments of the training environments."""
        return {
            "known_spaces": sorted(self.known_spaces),
            "task_sampler": self.task_sources(),
            "split": self.split,
            "budget": self.budget,
            "history_len": self.history_len,
            "max_dim": self.max_dim,
            "identity_dim": self.identity_dim,
            "hide_identity_prob": self.hide_identity_prob,
            "n_initial": self.n_initial,
            "min_scale": self.min_scale,
            "max_scale": self.max_scale,
            "config_in_info": False,
        }

    def ppo_kwargs(self) -> dict[str, Any]:
        return {
            "learning_rate": self.learning_rate,
            "n_steps": self.n_steps,
            "batch_size": self.batch_size,
            "n_epochs": self.n_epochs,
            "gamma": self.gamma,
            "gae_lambda": self.gae_lambda,
            "clip_range": self.clip_range,
            "ent_coef": self.ent_coef,
        }

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["suites"] = list(self.suites)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise ValueError(f"Unknown training settings {unknown}; known ones are {sorted(names)}.")
        values: dict[str, Any] = {k: tuple(v) if k == "suites" else v for k, v in data.items()}
        return cls(**values)


def task_sources(suites: Sequence[str], *, sklearn_tabulated: bool) -> list[Suite | str]:
    """``suites`` as a trainer's task pool takes them: suite names as ``Suite`` objects carrying their task
    options (scikit-learn suites served from their cached tables when ``sklearn_tabulated``), task names as
    they are."""
    sources: list[Suite | str] = []
    for item in suites:
        if item.strip("/").count("/") != 1:
            _refuse_a_test_task(item)
            sources.append(item)
            continue
        tabulate = sklearn_tabulated and item.strip("/").startswith("sklearn/")
        sources.append(load_suite(item, **({"tabulated": True} if tabulate else {})))
    return sources


def warn_of_choosing_on_training_tasks(
    split: str, eval_split: str, suites: Sequence[str], validation_suites: Sequence[str]
) -> None:
    """Warn where the policy kept as ``best/`` is chosen on the tasks it trains on (``eval_split``, the split that
    validates, is the training ``split`` of a suite it trains on): its validation regret is then no held-out
    estimate."""
    shared = [s for s in validation_suites if s in suites]
    if split == eval_split and shared:
        warnings.warn(
            f"Training on the {split!r} split of {', '.join(shared)} and keeping best/ by its regret on that same "
            "split: the choice is not held out. Train on 'train' (the default) to let the validation split choose.",
            stacklevel=3,
        )


def _refuse_a_test_task(name: str) -> None:
    """Raise ``ValueError`` if ``name``, a task to train on, is one its suite holds out in its test split: training
    must not reach held-out data through a task's name either (``--split test`` is refused the same way)."""
    suite_name = name.strip("/").rsplit("/", 1)[0]
    try:
        suite = load_suite(suite_name)
    except (KeyError, ValueError, FileNotFoundError):
        return  # a family without suites (a user's own task), or a bad name that loading the task will name
    if "test" in suite.splits and name.strip("/") in suite.task_names("test"):
        raise ValueError(
            f"Task {name!r} is in the test split of {suite_name!r}, which is held out: train on tasks of its train "
            f"split (rl-hpo tasks --suite {suite_name} --split train lists them)."
        )


def check_ppo_settings(config: Any) -> None:
    """Checks shared by both designs' settings, so that a bad value is refused before anything starts rather
    than by stable-baselines3 or torch in the middle of a run (``n_steps``, ``batch_size`` and the others
    are already ints >= 1 here).

    Raises:
        ValueError: naming the setting and the value.
    """
    name = type(config).__name__
    checks = [
        ("batch_size", config.batch_size >= 2, "an int >= 2 (PPO normalizes advantages over a minibatch)"),
        ("n_steps", config.n_steps * config.n_envs >= 2, "such that n_steps * n_envs >= 2"),
        ("eval_freq", config.eval_freq >= 0, "an int >= 0 (0: no validation)"),
        ("checkpoint_freq", config.checkpoint_freq >= 0, "an int >= 0 (0: only at the end)"),
        ("eval_seeds", config.eval_seeds >= 1, "an int >= 1"),
        ("eval_max_tasks", config.eval_max_tasks >= 1, "an int >= 1"),
        ("budget", config.budget >= 2, "an int >= 2 (an initial design and at least one decision)"),
        ("n_initial", 1 <= config.n_initial < config.budget, f"an int in [1, budget - 1] (budget {config.budget})"),
    ]
    threads = config.torch_threads
    checks.append(("torch_threads", threads is None or (not isinstance(threads, bool) and threads >= 1), "an int >= 1"))
    from rl_hpo.agents.policy_file import MAX_HIDDEN

    def number(value: Any) -> bool:
        return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)

    checks += [
        ("hidden", config.hidden <= MAX_HIDDEN, f"an int in [1, {MAX_HIDDEN}] (a policy file holds no wider network)"),
        ("learning_rate", number(config.learning_rate) and config.learning_rate > 0, "a number > 0"),
        ("gamma", number(config.gamma) and 0 < config.gamma <= 1, "a number in (0, 1]"),
        ("gae_lambda", number(config.gae_lambda) and 0 <= config.gae_lambda <= 1, "a number in [0, 1]"),
        ("clip_range", number(config.clip_range) and config.clip_range > 0, "a number > 0"),
        ("ent_coef", number(config.ent_coef) and config.ent_coef >= 0, "a number >= 0"),
        ("out", str(config.out).strip() != "", "a folder's path (not empty)"),
    ]
    for field_name, ok, what in checks:
        if not ok:
            value = getattr(config, field_name)
            raise ValueError(f"The {field_name!r} parameter of {name} must be {what}. Got {value!r} instead.")
    from pathlib import Path

    out = Path(config.out)
    blocker = next((p for p in (out, *out.parents) if p.exists()), None)
    if blocker is not None and not blocker.is_dir():
        raise ValueError(f"The 'out' parameter of {name} must be a folder; {str(blocker)!r} is a file.")


# -- command-line options ------------------------------------------------------------------------
# TrainConfig fields whose None means something (automatic), so "none" is a value of their option.
_OPTIONAL_INTS = ("n_task_groups", "torch_threads")
#: Fields every command line of a design must give (a training run is long: no silent default).
REQUIRED_PER_DIMENSION = ("suites", "timesteps", "out")


def _field_help(config_class: type = TrainConfig) -> dict[str, str]:
    """Field docstrings of a settings dataclass, read from its source (the CleanRL convention)."""
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(config_class))
    body = tree.body[0].body  # type: ignore[attr-defined]
    helps: dict[str, str] = {}
    for node, nxt in itertools.pairwise(body):
        if isinstance(node, ast.AnnAssign) and isinstance(nxt, ast.Expr) and isinstance(nxt.value, ast.Constant):
            helps[node.target.id] = str(nxt.value.value)  # type: ignore[union-attr]
    return helps


def add_config_arguments(
    parser: argparse.ArgumentParser,
    config_class: type,
    *,
    optional_ints: tuple[str, ...] = (),
    required: tuple[str, ...] = (),
) -> argparse.ArgumentParser:
    """One option per field of the settings dataclass ``config_class`` (but ``command``), its help the field's
    docstring: ``--field-name`` (``suites`` also ``--suite``), dest the field's name, default None (unset keeps
    the dataclass default). Tuple fields repeat or take comma-separated items (``config_values`` joins them);
    ``optional_ints`` take an int or "none"; ``required`` fields must be given."""
    helps = _field_help(config_class)
    defaults = config_class()
    for f in dataclasses.fields(config_class):
        if f.name == "command":
            continue
        flags = ["--" + f.name.replace("_", "-")] + (["--suite"] if f.name == "suites" else [])
        default = getattr(defaults, f.name)
        # the field's own default, not one __post_init__ derived from others (validation_suites: the suites)
        declared = f.default if f.default is not dataclasses.MISSING else default
        if isinstance(declared, tuple):
            declared = ",".join(map(str, declared)) or "unset"
        needed = f.name in required
        help_text = helps.get(f.name, "") + (" (required)" if needed else f" (default: {declared})")
        if isinstance(default, tuple):
            help_text += "; repeat or comma-separate"
            parser.add_argument(*flags, dest=f.name, action="append", required=needed, help=help_text)
        elif isinstance(default, bool):
            parser.add_argument(
                *flags, dest=f.name, action=argparse.BooleanOptionalAction, default=None, help=help_text
            )
        elif f.name in optional_ints:
            parser.add_argument(*flags, dest=f.name, type=_optional_int, default=argparse.SUPPRESS, help=help_text)
        else:
            parser.add_argument(*flags, dest=f.name, type=type(default), default=None, required=needed, help=help_text)
    return parser


def config_values(args: argparse.Namespace, config_class: type, optional_ints: tuple[str, ...] = ()) -> dict[str, Any]:
    """The options ``add_config_arguments`` parsed, as keyword arguments of ``config_class`` (unset ones left
    out, but an ``optional_ints`` field set to "none"; tuple fields joined from their repeated, comma-separated
    items)."""
    values: dict[str, Any] = {}
    for f in dataclasses.fields(config_class):
        if not hasattr(args, f.name) or f.name == "command":
            continue
        value = getattr(args, f.name)
        if isinstance(value, list):
            value = tuple(s.strip() for item in value for s in str(item).split(",") if s.strip())
        if value is not None or f.name in optional_ints:
            values[f.name] = value
    return values


def add_train_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Declare the per-dimension design's options on ``parser`` (one per ``TrainConfig`` field): the options of
    ``rl-hpo train --design per-dimension`` and ``python -m rl_hpo.agents.training``."""
    return add_config_arguments(parser, TrainConfig, optional_ints=_OPTIONAL_INTS, required=REQUIRED_PER_DIMENSION)


def _optional_int(text: str) -> int | None:
    return None if text.lower() in ("none", "") else int(text)


def config_from_args(args: argparse.Namespace) -> TrainConfig:
    """A ``TrainConfig`` from options parsed by ``add_train_arguments`` (unset options keep their defaults);
    ``args.command``, when set, is recorded as the command line, else this process's."""
    values = config_values(args, TrainConfig, _OPTIONAL_INTS)
    if getattr(args, "command", None):
        values["command"] = args.command
    else:
        argv = sys.argv[1:] if sys.argv[1:2] == ["train"] else ["train", *sys.argv[1:]]
        values["command"] = " ".join(shlex.quote(a) for a in ["rl-hpo", *argv])
    return build_config(TrainConfig, values)


_Config = TypeVar("_Config")
#: How a config class names a field in its errors; the command line names the option instead.
_FIELD_IN_ERROR = re.compile(r"The '(\w+)' parameter(?: of \w+)?")


def build_config(config_class: type[_Config], values: dict[str, Any]) -> _Config:
    """``config_class(**values)`` from command-line options: an invalid value's error names its option
    (``--timesteps must be ...``), not the class's field."""
    try:
        return config_class(**values)
    except ValueError as error:
        message = _FIELD_IN_ERROR.sub(lambda m: "--" + m.group(1).replace("_", "-"), str(error))
        raise ValueError(message) from None
