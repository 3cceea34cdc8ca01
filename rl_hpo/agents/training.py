"""Training a tuning policy with PPO (stable-baselines3) in ``TuningEnv``, and evaluating it.

``train(TrainConfig(...))`` trains on the ``train`` split of one or more suites, evaluates the policy
on their ``validation`` split every ``eval_freq`` steps (mean normalized regret of ``PolicyOptimizer``
runs, the exact code path of ``rl-hpo tune``), keeps the best policy, writes checkpoints and can resume
from the last one. The output folder::

    OUT/
      best/          the policy with the lowest validation regret (policy.json + weights.safetensors)
      final/         the policy at the end of training
      checkpoint/    the last checkpoint: a policy folder plus optimizer.pt and state.json (for --resume)
      config.json    the settings of the run
      eval.csv       one row per validation: timesteps, regret at 10 / 25 / budget, their mean
      progress.csv   SB3's training log
      events.out.tfevents.*  the same log for TensorBoard, when tensorboard is installed

``train_command(args)`` is the ``rl-hpo train`` entry point (``add_train_arguments`` declares its
options); ``python -m rl_hpo.agents.training --help`` runs it stand-alone.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import dataclasses
import functools
import importlib.util
import itertools
import json
import random
import shlex
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from rl_hpo.agents.network import PerDimensionPolicy, TuningNetwork
from rl_hpo.agents.policy_file import Policy, load_policy
from rl_hpo.bench.evaluation import EvalResult, evaluate_method
from rl_hpo.envs.actions import ActionMapping
from rl_hpo.envs.observation import ObservationLayout
from rl_hpo.tasks.base import Task
from rl_hpo.tasks.registry import Suite, load_suite, load_task

__all__ = [
    "EvalResult",
    "TrainConfig",
    "TrainResult",
    "add_train_arguments",
    "evaluate_policy",
    "main",
    "train",
    "train_command",
    "validation_tasks",
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
        if self.split == "test":
            raise ValueError("The 'split' parameter must not be 'test': policies are trained on train splits only.")

    @property
    def layout(self) -> ObservationLayout:
        return ObservationLayout(max_dim=self.max_dim, history_len=self.history_len, identity_dim=self.identity_dim)

    def task_sources(self) -> list[Suite | str]:
        """The suites (as ``Suite`` objects carrying their task options) and single task names trained on."""
        sources: list[Suite | str] = []
        for item in self.suites:
            if item.strip("/").count("/") != 1:
                sources.append(item)
                continue
            tabulate = self.sklearn_tabulated and item.strip("/").startswith("sklearn/")
            sources.append(load_suite(item, **({"tabulated": True} if tabulate else {})))
        return sources

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
        return cls(**{k: tuple(v) if k == "suites" else v for k, v in data.items()})


@dataclass
class TrainResult:
    """What ``train`` produced."""

    out: Path
    best: Path
    final: Path
    timesteps: int
    evaluations: list[dict[str, float]]
    seconds: float


def evaluate_policy(
    policy: Policy | str | Path,
    tasks: Sequence[Task | str],
    *,
    seeds: Sequence[int] = (0, 1, 2),
    budget: int = 50,
    **optimizer_options: Any,
) -> EvalResult:
    """Run ``PolicyOptimizer`` on every task and seed and average the normalized regret.

    Args:
        policy: a ``Policy``, a policy folder or "default".
        tasks: tasks (or names) with known ``bounds``.
        seeds: seeds per task.
        budget: evaluations per run; regret is reported at 10, 25 and ``budget``.
        **optimizer_options: ``PolicyOptimizer`` options (``deterministic``, ``random_prob``, ...).

    Raises:
        ValueError: if a task has no score bounds.
    """
    from rl_hpo.agents.policy_optimizer import PolicyOptimizer

    policy = policy if isinstance(policy, Policy) else load_policy(policy)
    return evaluate_method(
        lambda space, seed: PolicyOptimizer(space, seed=seed, policy=policy, **optimizer_options),
        tasks,
        seeds=seeds,
        budget=budget,
    )


# -- helpers --------------------------------------------------------------------------------------
@contextlib.contextmanager
def _preserved_global_state(torch_threads: int | None) -> Iterator[None]:
    """SB3 seeds Python's, numpy's and torch's global generators; give the caller theirs back."""
    py_state, np_state, torch_state = random.getstate(), np.random.get_state(), torch.get_rng_state()  # noqa: NPY002
    threads = torch.get_num_threads()
    if torch_threads is not None:
        torch.set_num_threads(torch_threads)
    try:
        yield
    finally:
        random.setstate(py_state)
        np.random.set_state(np_state)  # noqa: NPY002
        torch.set_rng_state(torch_state)
        torch.set_num_threads(threads)


def validation_tasks(config: TrainConfig, max_tasks: int | None = None) -> dict[str, list[Task]]:
    """Suite name -> the first ``max_tasks`` (default ``config.eval_max_tasks``) tasks of its
    ``eval_split``, loaded as in training (sklearn suites from their tables); suites without that split
    and single tasks are left out."""
    limit = config.eval_max_tasks if max_tasks is None else max_tasks
    tasks: dict[str, list[Task]] = {}
    for suite in config.task_sources():
        if isinstance(suite, str):
            continue  # single tasks have no validation split
        names = suite.task_names(config.eval_split)[:limit] if config.eval_split in suite.splits else []
        if names:
            tasks[suite.name] = [load_task(name, **suite.options) for name in names]
    return tasks


def _metadata(config: TrainConfig, timesteps: int, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "known_spaces": config.known_spaces,
        **({"specialty": config.specialty} if config.specialty else {}),
        "defaults": {"n_initial": config.n_initial, "horizon": config.budget},
        "training": {
            "suites": list(config.suites),
            "split": config.split,
            "eval_split": config.eval_split,
            "timesteps": int(timesteps),
            "seed": config.seed,
            "n_envs": config.n_envs,
            "budget": config.budget,
            "ppo": config.ppo_kwargs(),
            "log_std_init": config.log_std_init,
            "hide_identity_prob": config.hide_identity_prob,
            "command": config.command,
            **(extra or {}),
        },
    }


def _snapshot(model: Any, config: TrainConfig, extra: dict[str, Any] | None = None) -> Policy:
    """An inference copy of the model's current network, with metadata."""
    net = TuningNetwork(config.layout, hidden=config.hidden)
    net.load_state_dict(model.policy.net.state_dict())
    net.eval()
    meta = _metadata(config, model.num_timesteps, extra)
    meta["action"] = ActionMapping(config.min_scale, config.max_scale).to_dict()
    return Policy(net, meta)


def _make_vec_env(config: TrainConfig, seed: int) -> Any:
    from stable_baselines3.common.vec_env import DummyVecEnv, SubprocVecEnv, VecMonitor

    from rl_hpo.envs.vec_env import TuningVecEnv

    kwargs = config.env_kwargs()
    if config.vec_env == "batched":
        groups = None if config.n_task_groups is None else min(config.n_task_groups, config.n_envs)
        venv: Any = TuningVecEnv(config.n_envs, n_task_groups=groups, **kwargs)
    else:
        fns = [_EnvFactory(kwargs) for _ in range(config.n_envs)]
        venv = SubprocVecEnv(fns) if config.vec_env == "subproc" else DummyVecEnv(fns)  # type: ignore[arg-type]
    venv.seed(seed)
    return budget_end_is_terminal(VecMonitor(venv))


def budget_end_is_terminal(venv: Any) -> Any:
    """``venv`` with the end of an episode's budget marked terminal, not truncated.

    The budget used is part of the observation, so the end of the budget is a true end of the process:
    PPO must not bootstrap a value beyond it (SB3 does for truncated episodes).
    """
    from stable_baselines3.common.vec_env import VecEnvWrapper

    class BudgetEndIsTerminal(VecEnvWrapper):
        def reset(self) -> Any:
            return self.venv.reset()

        def step_wait(self) -> Any:
            obs, rewards, dones, infos = self.venv.step_wait()
            for info in infos:
                info["TimeLimit.truncated"] = False
            return obs, rewards, dones, infos

    return BudgetEndIsTerminal(venv)


class _EnvFactory:
    """A picklable environment constructor (SubprocVecEnv sends it to the worker processes)."""

    def __init__(self, kwargs: dict[str, Any]) -> None:
        self.kwargs = kwargs

    def __call__(self) -> Any:
        from rl_hpo.envs.tuning_env import TuningEnv

        return TuningEnv(**self.kwargs)


def whole_rollouts(steps: int, rollout: int) -> int:
    """The steps PPO trains when asked for ``steps``: it collects whole rollouts of ``rollout`` steps."""
    return -(-max(0, steps) // rollout) * rollout


def _progress_callback(asked: int, start: int, rollout: int) -> Any:
    """One progress bar over the steps PPO will train (``asked`` from ``start``, rounded up to whole rollouts;
    a note says so when that is more than asked). Off when standard error is not a terminal."""
    from stable_baselines3.common.callbacks import BaseCallback
    from tqdm.auto import tqdm

    total = start + whole_rollouts(asked - start, rollout)

    class TqdmCallback(BaseCallback):
        """A tqdm progress bar (SB3's own needs the rich package)."""

        def _on_training_start(self) -> None:
            self.bar = tqdm(total=total, initial=start, unit="step", desc="train", dynamic_ncols=True, disable=None)
            if total != asked:
                note = f"PPO trains whole rollouts of {rollout} steps (n_steps x n_envs): {total} steps, not {asked}."
                tqdm.write(note, file=sys.stderr)

        def _on_step(self) -> bool:
            self.bar.n = min(total, self.num_timesteps)
            if self.n_calls % 64 == 0:
                self.bar.refresh()
            return True

        def _on_training_end(self) -> None:
            self.bar.n = min(total, self.num_timesteps)
            self.bar.close()

    return TqdmCallback()


class _Trainer:
    """Validation, best-model keeping and checkpoints as one SB3 callback."""

    def __init__(self, config: TrainConfig, out: Path, state: dict[str, Any]) -> None:
        self.config = config
        self.out = out
        self.state = state
        self.val_tasks = [t for ts in validation_tasks(config).values() for t in ts] if config.eval_freq > 0 else []
        self.val_seeds = list(range(config.eval_seeds))

    def validate(self, model: Any) -> dict[str, float] | None:
        if not self.val_tasks:
            return None
        policy = _snapshot(model, self.config)
        result = evaluate_policy(policy, self.val_tasks, seeds=self.val_seeds, budget=self.config.budget)
        row = {"timesteps": float(model.num_timesteps), **{f"regret@{b}": r for b, r in result.regret.items()}}
        row["score"] = result.score
        self.state["evaluations"].append(row)
        with open(self.out / "eval.csv", "w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(row))
            writer.writeheader()
            writer.writerows(self.state["evaluations"])
        best = self.state.get("best_score")
        if best is None or result.score < best:
            self.state["best_score"] = result.score
            self.state["best_timesteps"] = int(model.num_timesteps)
            validation = {"tasks": [t.name for t in self.val_tasks], "seeds": self.val_seeds, "regret": result.regret}
            _snapshot(model, self.config, {"validation": validation}).save(self.out / "best")
        return row

    def checkpoint(self, model: Any) -> None:
        folder = self.out / "checkpoint"
        _snapshot(model, self.config).save(folder)
        torch.save(model.policy.optimizer.state_dict(), folder / "optimizer.pt")
        state = {**self.state, "num_timesteps": int(model.num_timesteps), "n_updates": int(model._n_updates)}
        (folder / "state.json").write_text(json.dumps(state, indent=2) + "\n")

    def callback(self) -> Any:
        from stable_baselines3.common.callbacks import BaseCallback

        trainer = self
        config = self.config

        class Periodic(BaseCallback):
            def _on_step(self) -> bool:
                model = self.model
                t = model.num_timesteps
                if config.eval_freq > 0 and t - trainer.state["last_eval"] >= config.eval_freq:
                    trainer.state["last_eval"] = t
                    row = trainer.validate(model)
                    if row is not None:
                        self.logger.record("eval/regret", row["score"])
                if config.checkpoint_freq > 0 and t - trainer.state["last_checkpoint"] >= config.checkpoint_freq:
                    trainer.state["last_checkpoint"] = t
                    trainer.checkpoint(model)
                return True

        return Periodic()


def _resume_state(config: TrainConfig, out: Path) -> tuple[dict[str, Any], Path | None]:
    folder = out / "checkpoint"
    if not config.resume:
        return {"evaluations": [], "last_eval": 0, "last_checkpoint": 0, "best_score": None}, None
    if not (folder / "state.json").is_file():
        raise FileNotFoundError(
            f"--resume: no checkpoint in {folder}; start without --resume or point --out at a previous run."
        )
    saved = json.loads((out / "config.json").read_text())
    mine = config.to_dict()
    fixed = (
        "suites",
        "split",
        "budget",
        "history_len",
        "max_dim",
        "identity_dim",
        "sklearn_tabulated",
        "n_initial",
        "hidden",
        "min_scale",
        "max_scale",
        "seed",
    )
    changed = [k for k in fixed if saved.get(k) != mine.get(k)]
    if changed:
        raise ValueError(
            f"--resume: the settings {changed} differ from the checkpoint's ({[saved.get(k) for k in changed]}); "
            "resume with the same settings or start a new run in another folder."
        )
    return json.loads((folder / "state.json").read_text()), folder


def train(config: TrainConfig) -> TrainResult:
    """Train a tuning policy with PPO; see the module docstring for the output folder.

    Python's, numpy's and torch's global random states are restored afterwards (SB3 seeds them).

    Raises:
        FileNotFoundError: with ``resume=True`` and no checkpoint in ``out``.
        ValueError: for invalid settings, or resume settings that differ from the checkpoint's.
    """
    from stable_baselines3 import PPO
    from stable_baselines3.common.callbacks import CallbackList
    from stable_baselines3.common.logger import configure

    start_time = time.perf_counter()
    out = Path(config.out)
    out.mkdir(parents=True, exist_ok=True)
    state, checkpoint = _resume_state(config, out)
    (out / "config.json").write_text(json.dumps(config.to_dict(), indent=2) + "\n")
    with _preserved_global_state(config.torch_threads):
        done = int(state.get("num_timesteps", 0))
        # A resumed run draws fresh episodes: seed its environments and PPO from (seed, steps done).
        seed = config.seed if done == 0 else int(np.random.SeedSequence([config.seed, done]).generate_state(1)[0] >> 1)
        venv = _make_vec_env(config, seed)
        logger = None
        try:
            model = PPO(
                PerDimensionPolicy,
                venv,
                policy_kwargs={
                    "max_dim": config.max_dim,
                    "history_len": config.history_len,
                    "identity_dim": config.identity_dim,
                    "hidden": config.hidden,
                    "log_std_init": config.log_std_init,
                },
                seed=seed,
                verbose=0,
                device="cpu",
                **config.ppo_kwargs(),
            )
            formats = ["csv"] + (["tensorboard"] if importlib.util.find_spec("tensorboard") is not None else [])
            logger = configure(str(out), formats)
            model.set_logger(logger)
            if checkpoint is not None:
                weights = load_policy(checkpoint).network.state_dict()
                model.policy.net.load_state_dict(weights)
                model.policy.optimizer.load_state_dict(torch.load(checkpoint / "optimizer.pt", weights_only=True))
                model.num_timesteps = done
                model._n_updates = int(state.get("n_updates", 0))
            trainer = _Trainer(config, out, state)
            callbacks = [trainer.callback()]
            if config.progress:
                callbacks.append(_progress_callback(config.timesteps, done, config.n_steps * config.n_envs))
            remaining = config.timesteps - done
            if remaining > 0:
                model.learn(remaining, callback=CallbackList(callbacks), reset_num_timesteps=checkpoint is None)
            if config.eval_freq > 0 and state["last_eval"] != model.num_timesteps:
                trainer.validate(model)
            trainer.checkpoint(model)
            final = _snapshot(model, config).save(out / "final")
            if not (out / "best" / "policy.json").is_file():
                _snapshot(model, config).save(out / "best")
        finally:
            venv.close()
            if logger is not None:
                logger.close()
    return TrainResult(
        out=out,
        best=out / "best",
        final=final,
        timesteps=int(model.num_timesteps),
        evaluations=list(state["evaluations"]),
        seconds=time.perf_counter() - start_time,
    )


# -- the command line -----------------------------------------------------------------------------
_CLI_NAMES = {"suites": "suite"}
# TrainConfig fields whose None means something (automatic), so "none" is a value of their option.
_OPTIONAL_INTS = ("n_task_groups", "torch_threads")


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
    renames: dict[str, str] | None = None,
    optional_ints: tuple[str, ...] = (),
) -> argparse.ArgumentParser:
    """One option per field of the settings dataclass ``config_class`` (but ``command``), its help the field's
    docstring: ``--field-name`` (or ``--<renames[field]>``), dest the field's name, default None (unset keeps
    the dataclass default). Tuple fields repeat or take comma-separated items (``config_values`` joins them);
    ``optional_ints`` take an int or "none"."""
    helps = _field_help(config_class)
    defaults = config_class()
    for f in dataclasses.fields(config_class):
        if f.name == "command":
            continue
        flag = "--" + (renames or {}).get(f.name, f.name).replace("_", "-")
        default = getattr(defaults, f.name)
        help_text = f"{helps.get(f.name, '')} (default: {default})"
        if isinstance(default, tuple):
            parser.add_argument(flag, dest=f.name, action="append", help=help_text + "; repeat or comma-separate")
        elif isinstance(default, bool):
            parser.add_argument(flag, dest=f.name, action=argparse.BooleanOptionalAction, default=None, help=help_text)
        elif f.name in optional_ints:
            parser.add_argument(flag, dest=f.name, type=_optional_int, default=argparse.SUPPRESS, help=help_text)
        else:
            parser.add_argument(flag, dest=f.name, type=type(default), default=None, help=help_text)
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
    """Declare the ``rl-hpo train --design per-dimension`` options on ``parser`` (one per ``TrainConfig`` field)."""
    return add_config_arguments(parser, TrainConfig, renames=_CLI_NAMES, optional_ints=_OPTIONAL_INTS)


def _optional_int(text: str) -> int | None:
    return None if text.lower() in ("none", "") else int(text)


def config_from_args(args: argparse.Namespace) -> TrainConfig:
    """A ``TrainConfig`` from parsed options (unset or None options keep their defaults).

    Accepts the namespace of ``add_train_arguments`` and that of the ``rl-hpo train`` parser in
    ``rl_hpo.cli`` (``suite`` as a list, any subset of the other ``TrainConfig`` field names).
    """
    values = config_values(args, TrainConfig, _OPTIONAL_INTS)
    if "suites" not in values and getattr(args, "suite", None) is not None:
        # the rl-hpo CLI's own parser names it --suite (dest "suite")
        values["suites"] = tuple(s.strip() for item in args.suite for s in item.split(",") if s.strip())
    if getattr(args, "command", None):
        values["command"] = args.command
    else:
        argv = sys.argv[1:] if sys.argv[1:2] == ["train"] else ["train", *sys.argv[1:]]
        values["command"] = " ".join(shlex.quote(a) for a in ["rl-hpo", *argv])
    return TrainConfig(**values)


def train_command(args: argparse.Namespace) -> int:
    """Run ``rl-hpo train`` with options parsed by ``add_train_arguments``; prints where the policy is."""
    config = config_from_args(args)
    result = train(config)
    best = ""
    if result.evaluations:
        row = min(result.evaluations, key=lambda r: r["score"])
        best = f" (validation regret {row['score']:.4f} at {int(row['timesteps'])} steps)"
    print(f"trained {result.timesteps} steps (whole PPO rollouts) in {result.seconds / 60:.1f} min")
    print(f"best policy: {result.best}{best}")
    print(f"final policy: {result.final}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m rl_hpo.agents.training``: the same options as ``rl-hpo train``."""
    parser = add_train_arguments(
        argparse.ArgumentParser(prog="rl-hpo train", description="Train a tuning policy with PPO.")
    )
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(argv)
    if args.suites is None:
        parser.error("--suite is required (e.g. --suite synthetic/mixed)")
    args.command = " ".join(shlex.quote(a) for a in ["python", "-m", "rl_hpo.agents.training", *argv])
    return train_command(args)


if __name__ == "__main__":
    sys.exit(main())
