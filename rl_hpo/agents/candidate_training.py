"""Training a candidate-scoring tuning policy with PPO (stable-baselines3) in ``CandidateTuningEnv``.

``train_candidate_policy(CandidateTrainConfig(...))`` trains on the ``train`` split of the given suites
(by default the GP prior, ``prior/gp``), validates every ``eval_freq`` steps on the ``validation`` split of
the validation suites (mean normalized regret of ``CandidatePolicyOptimizer`` runs, the code path of
``rl-hpo tune``), keeps the best policy and writes::

    OUT/
      best/          the policy with the lowest validation regret (policy.json + weights.safetensors)
      final/         the policy at the end of training
      checkpoint/    the last checkpoint, every ``checkpoint_freq`` steps and at the end (``--resume``
                     continues from it; ``rl_hpo.agents.checkpoints``)
      config.json    the settings of the run (after a ``--resume``, ``command`` is the one that started it
                     and ``resumes`` lists each resume: its step, command and changed settings)
      eval.csv       one row per validation: timesteps, regret at 10 / 25 / budget, their mean (``score``,
                     lower is better: the validation keeps the lowest as ``best/``), the
                     policy's shift from its start (mean total-variation distance from sampling by
                     expected improvement on the last 1024 training states; 0 until PPO moves it) and
                     the minutes of training so far
      progress.csv   SB3's training log (after a ``--resume`` at <steps>, the log before it is
                     ``progress_until_<steps>.csv``)

The network starts as expected improvement over the candidates (``rl_hpo.agents.candidate_network``), so
the first validation, before PPO's first update (recorded at the timesteps of the first step, the number of
environments), is plain EI's regret, and training keeps the best of what it finds. A run that ends
with its policy still within a shift of ``STILL_AT_START`` of its start warns: it tunes as ``ei`` does (as
``ei_sampled`` with ``deterministic=False``).

``build_parser`` and ``train_command`` are the command line of ``rl-hpo train`` (this is its default design) and
of ``python -m rl_hpo.agents.candidate_training`` alike; ``--help`` lists the settings.
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import json
import math
import shlex
import sys
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from rl_hpo.acquisition.search import EI_TEMPERATURE, N_FEATURES, SearchSettings
from rl_hpo.agents.checkpoints import PPO_SETTINGS
from rl_hpo.agents.policy_file import Policy
from rl_hpo.agents.train_settings import check_ppo_settings, task_sources, warn_of_choosing_on_training_tasks
from rl_hpo.bench.executors import ProcessExecutor, default_workers
from rl_hpo.tasks.base import Task
from rl_hpo.tasks.registry import Suite, load_task

__all__ = [
    "EVERY_TRAIN_SPLIT",
    "CandidateTrainConfig",
    "build_parser",
    "main",
    "train_candidate_policy",
    "train_command",
]

#: The suites whose train splits the shipped default policy trains on (``scripts/train_default_policy.py``).
EVERY_TRAIN_SPLIT = (
    "prior/gp",
    "synthetic/mixed",
    "yahpo/lcbench",
    "yahpo/rbv2_xgboost",
    "yahpo/iaml_glmnet",
    "sklearn/all",
)


@dataclass
class CandidateTrainConfig:
    """Settings of a candidate-policy training run."""

    suites: tuple[str, ...] = ("prior/gp",)
    """Suites (family/scenario) to train on; an episode draws a suite evenly, then a task of its split."""
    sklearn_tabulated: bool = True
    """Serve sklearn suites from cached tables of 256 evaluated configurations (built before training, once)
    instead of fitting pipelines live at every step."""
    split: str = "train"
    """Split of the suites to train on (never test)."""
    validation_suites: tuple[str, ...] = ()
    """Suites whose validation split selects the best policy (never test); empty: the training suites."""
    out: str = "runs/candidate_policy"
    """Output folder."""
    timesteps: int = 300_000
    """Total environment steps (evaluations) of training."""
    seed: int = 0
    """Seed of everything random in the run."""
    n_envs: int = 8
    """Parallel environments."""
    vec_env: str = "subproc"
    """'subproc' (one process per environment, SB3's SubprocVecEnv) or 'dummy' (all in this process)."""
    budget: int = 50
    """Evaluations per episode (initial design included)."""
    n_initial: int = 5
    """Random points at the start of an episode."""
    n_candidates: int = 64
    """Candidates shortlisted per step (the number of actions)."""
    hidden: int = 32
    """Width of the row embeddings."""
    ei_temperature: float = EI_TEMPERATURE
    """Initial weight of log expected improvement in the logits (the policy starts as EI)."""
    learning_rate: float = 1e-4
    """PPO learning rate."""
    n_steps: int = 128
    """PPO rollout length per environment."""
    batch_size: int = 256
    """PPO minibatch size."""
    n_epochs: int = 4
    """PPO epochs per update."""
    reward: str = "area"
    """'area' (the best score's gain over the initial design after every step) or 'improvement' (each
    step's gain: with gamma 1 the return is the final gain); CandidateTuningEnv's Rewards."""
    reward_baseline: str = "none"
    """'none' or 'ei': subtract from each reward what plain EI earns at the same step of a shadow run from
    the same start (CandidateTuningEnv's Rewards); an episode then costs about twice as much."""
    gamma: float = 0.98
    """Discount factor."""
    gae_lambda: float = 0.95
    """GAE lambda."""
    clip_range: float = 0.15
    """PPO clip range."""
    ent_coef: float = 0.003
    """Entropy bonus."""
    eval_freq: int = 25_000
    """Steps between validations (0: none)."""
    eval_seeds: int = 2
    """Seeds per validation task."""
    eval_max_tasks: int = 16
    """At most this many validation tasks per suite."""
    checkpoint_freq: int = 50_000
    """Steps between checkpoints (0: only at the end)."""
    resume: bool = False
    """Continue from OUT/checkpoint instead of starting afresh (the settings that shape the policy, its data and
    its validation must be the run's own)."""
    deterministic: bool = True
    """Whether the saved policy picks its most likely candidate at tuning time (sampling otherwise)."""
    torch_threads: int = 2
    """Torch threads for the PPO updates (the environments' processes wait meanwhile)."""
    progress: bool = True
    """Show a progress bar."""
    command: str = ""
    """The command that started the run (recorded in the policy's metadata)."""

    def __post_init__(self) -> None:
        for name in ("suites", "validation_suites"):
            value = getattr(self, name)
            setattr(self, name, (value,) if isinstance(value, str) else tuple(value))
        if not self.suites:
            raise ValueError("The 'suites' parameter must name at least one suite. Got () instead.")
        self.validation_suites = self.validation_suites or self.suites
        if self.split == "test":
            raise ValueError("The 'split' parameter must not be 'test': policies are trained on train splits only.")
        for name in ("timesteps", "n_envs", "budget", "n_steps", "batch_size", "n_epochs", "hidden"):
            value = getattr(self, name)
            if not (isinstance(value, int) and not isinstance(value, bool) and value >= 1):
                raise ValueError(
                    f"The {name!r} parameter of CandidateTrainConfig must be an int >= 1. Got {value!r} instead."
                )
        from rl_hpo.envs.candidate_env import REWARD_BASELINES, REWARDS

        if self.reward not in REWARDS:
            raise ValueError(f"The 'reward' parameter must be one of {REWARDS}. Got {self.reward!r} instead.")
        if self.reward_baseline not in REWARD_BASELINES:
            raise ValueError(
                f"The 'reward_baseline' parameter must be one of {REWARD_BASELINES}. "
                f"Got {self.reward_baseline!r} instead."
            )
        if self.vec_env not in ("subproc", "dummy"):
            batched = " ('batched' is the per-dimension design's)" if self.vec_env == "batched" else ""
            raise ValueError(
                f"The 'vec_env' parameter must be 'subproc' or 'dummy'{batched}. Got {self.vec_env!r} instead."
            )
        temperature = self.ei_temperature
        if isinstance(temperature, bool) or not isinstance(temperature, int | float) or not 0 < temperature < math.inf:
            raise ValueError(
                f"The 'ei_temperature' parameter of CandidateTrainConfig must be a finite number > 0. Got "
                f"{temperature!r} instead."
            )
        live = [] if self.sklearn_tabulated or self.eval_freq == 0 else _sklearn_suites(self.validation_suites)
        if live:  # regret needs a task's score bounds, which only the tables know
            raise ValueError(
                f"The 'sklearn_tabulated' parameter of CandidateTrainConfig is off, and the run validates on "
                f"{', '.join(live)}, whose live tasks have no score bounds to measure regret by: keep the tables, "
                "validate on other suites (--validation-suites) or not at all (--eval-freq 0)."
            )
        search = SearchSettings()  # the search the policy shortlists from: its polished candidates and its pool
        least, most = search.n_polish, search.n_uniform + search.n_local + search.n_refine
        if not least <= self.n_candidates <= most:
            raise ValueError(
                f"The 'n_candidates' parameter of CandidateTrainConfig must be an int from {least} (the candidates "
                f"the search polishes) to {most} (its pool). Got {self.n_candidates!r} instead."
            )
        check_ppo_settings(self)

    @property
    def settings(self) -> SearchSettings:
        return SearchSettings(n_candidates=self.n_candidates)

    def task_sources(self, suites: Sequence[str] | None = None) -> list[Suite | str]:
        """``suites`` (default: the training suites) as the task pool takes them, scikit-learn suites from
        their tables when ``sklearn_tabulated``."""
        return task_sources(self.suites if suites is None else suites, sklearn_tabulated=self.sklearn_tabulated)

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["suites"], data["validation_suites"] = list(self.suites), list(self.validation_suites)
        return data


class _EnvFactory:
    """A picklable environment constructor (SubprocVecEnv sends it to its workers)."""

    def __init__(self, config: CandidateTrainConfig) -> None:
        self.config = config

    def __call__(self) -> Any:
        from threadpoolctl import threadpool_limits

        from rl_hpo.envs.candidate_env import CandidateTuningEnv

        # The GP's matrices are small: one BLAS thread is fastest, and several per process only contend.
        threadpool_limits(1)

        c = self.config
        return CandidateTuningEnv(
            c.task_sources(), split=c.split, budget=c.budget, n_initial=c.n_initial, settings=c.settings,
            reward=c.reward, reward_baseline=c.reward_baseline,
        )  # fmt: skip


def validation_tasks(config: CandidateTrainConfig) -> list[Task]:
    """The first ``eval_max_tasks`` validation tasks of every validation suite (a suite without a
    validation split adds none)."""
    tasks: list[Task] = []
    for suite in config.task_sources(config.validation_suites):
        if isinstance(suite, str):
            continue  # a single task name trains but does not validate
        tasks.extend(load_task(n, **suite.options) for n in suite.task_names("validation")[: config.eval_max_tasks])
    return tasks


def _snapshot(
    model: Any, config: CandidateTrainConfig, record: dict[str, Any], extra: dict[str, Any] | None = None
) -> Policy:
    """The model's network as a policy, with the run's settings as recorded (``write_run_settings``)."""
    from rl_hpo.agents.candidate_network import CandidateNetwork

    net = CandidateNetwork(model.policy.net.n_features, hidden=config.hidden)
    net.load_state_dict(model.policy.net.state_dict())
    net.eval()
    meta = {
        "defaults": {
            "n_initial": config.n_initial,
            "horizon": config.budget,
            "deterministic": config.deterministic,
        },
        "search": config.settings.to_dict(),
        "training": {
            "suites": list(config.suites),
            "split": config.split,
            "validation_suites": list(config.validation_suites),
            "timesteps": int(model.num_timesteps),
            "seed": config.seed,
            "settings": record,
            "command": record["command"],
            **({"resumes": record["resumes"]} if "resumes" in record else {}),
            **(extra or {}),
        },
    }
    return Policy(net, meta)


#: A trained policy whose mean total-variation distance from its untrained start is below this has not moved.
STILL_AT_START = 0.01
#: How many recent training states the shift is measured on.
SHIFT_STATES = 1024


def _shift_from_start(model: Any, states: Sequence[np.ndarray], config: CandidateTrainConfig) -> float:
    """Mean total-variation distance between the policy's choices and its untrained start's (sampling by
    expected improvement at ``config.ei_temperature``) on recent training ``states`` (NaN before any)."""
    import torch

    if not states:
        return float("nan")
    obs = torch.as_tensor(np.stack(states), dtype=torch.float32)
    return float(model.policy.net.shift_from_ei(obs, config.ei_temperature).mean())


#: Settings a resumed run must share with the run it continues: what shapes the policy, the episodes it
#: trains on and the validation that picks the best policy.
_FIXED_ON_RESUME = (
    "suites",
    "split",
    "validation_suites",
    "budget",
    "n_initial",
    "n_candidates",
    "hidden",
    "ei_temperature",
    "reward",
    "reward_baseline",
    "seed",
    "eval_seeds",
    "eval_max_tasks",
    *PPO_SETTINGS,
)


def _sklearn_suites(names: Sequence[str]) -> list[str]:
    return [s for s in names if s.strip("/").startswith("sklearn/")]


def _warn_of_live_tasks(config: CandidateTrainConfig) -> None:
    """Warn that scikit-learn suites served live (``sklearn_tabulated=False``) make a run slow, and that
    Ctrl-C waits for the fit under way."""
    live = _sklearn_suites(config.suites) if not config.sklearn_tabulated else []
    if live:
        warnings.warn(
            f"{', '.join(live)}: live scikit-learn tasks. Every evaluation fits a pipeline with cross-validation "
            "(seconds, minutes for some configurations), and before its first episode each task evaluates "
            "random configurations to scale its rewards, so the first steps take long; Ctrl-C takes effect once the "
            "fit under way ends. --sklearn-tabulated (the default) serves them from tables built once.",
            UserWarning,
            stacklevel=3,
        )


def _build_tables(config: CandidateTrainConfig, workers: int | None = None) -> None:
    """Build (or find in the cache) the tables of the scikit-learn training and validation tasks here, once,
    before the environments' processes start: each would otherwise build the same tables at its first episode.

    Each table is one task's own file and fits its pipelines on one core, so up to ``workers`` processes (default:
    every core) build tables side by side, with one progress bar over the tables; ``workers=1`` builds them in
    this process, each with its own bar. A table an interrupted build left half done resumes where it stopped.
    """
    if not config.sklearn_tabulated:
        return
    names: list[tuple[str, dict[str, Any]]] = []
    for suites, split, limit in (
        (config.suites, config.split, None),
        (config.validation_suites if config.eval_freq > 0 else (), "validation", config.eval_max_tasks),
    ):
        for suite in config.task_sources(_sklearn_suites(suites)):
            if isinstance(suite, str):  # a single task, not a suite: trained on as named, live
                continue
            names += [(name, suite.options) for name in suite.task_names(split)[:limit]]
    names = list({name: (name, options) for name, options in names}.values())  # suites may share tasks
    workers = min(default_workers() if workers is None else workers, len(names))
    if workers <= 1:
        for name, options in names:
            load_task(name, **options, progress=config.progress)
        return
    bar = None
    if config.progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(names), desc="scikit-learn tables", unit="table")
    try:
        for (name, _), result in ProcessExecutor(workers).imap_unordered(_build_table, names):
            if isinstance(result, BaseException):
                raise RuntimeError(f"Building the table of {name} failed: {result}") from result
            if bar is not None:
                bar.update(1)
    finally:
        if bar is not None:
            bar.close()


def _build_table(job: tuple[str, dict[str, Any]]) -> None:
    """One table, in a worker process (without a bar of its own: the caller shows one over the tables)."""
    name, options = job
    load_task(name, **options, progress=False)


def train_candidate_policy(config: CandidateTrainConfig, callbacks: Sequence[Any] = ()) -> Path:
    """Train a candidate policy with PPO; returns the output folder (see the module docstring).

    PPO collects whole rollouts of ``n_steps * n_envs`` steps, so it trains ``timesteps`` rounded up to a
    multiple of that; the policies' metadata records the steps trained. ``callbacks``: more SB3 callbacks
    (measurements of the training, e.g. ``benchmarks/what_ppo_adds/gradient_noise.py``).

    Raises:
        FileNotFoundError: with ``resume=True`` and no checkpoint in ``out``.
        ValueError: for invalid settings, an ``out`` that holds another run or is in use by one, resume settings
            that differ from the checkpoint's, or a damaged checkpoint.
    """
    from rl_hpo.agents.ppo_runtime import training_folder_lock

    with training_folder_lock(Path(config.out)):
        return _train_candidate_policy(config, callbacks)


def _train_candidate_policy(config: CandidateTrainConfig, callbacks: Sequence[Any]) -> Path:
    from stable_baselines3 import PPO
    from stable_baselines3.common.callbacks import BaseCallback, CallbackList
    from stable_baselines3.common.logger import configure

    from rl_hpo.agents.candidate_network import CandidatePolicy
    from rl_hpo.agents.candidate_policy_optimizer import CandidatePolicyOptimizer
    from rl_hpo.agents.checkpoints import (
        keep_progress_log,
        read_array,
        restore,
        resume_from,
        resume_line,
        resumed_seed,
        write_checkpoint,
        write_run_settings,
    )
    from rl_hpo.agents.ppo_runtime import (
        claim_output_folder,
        make_vec_env,
        preserved_global_state,
        progress_callback,
        report_validation,
        stop_vec_env,
        write_evaluations,
    )
    from rl_hpo.bench.evaluation import evaluate_method

    _warn_of_live_tasks(config)
    if config.eval_freq > 0:
        warn_of_choosing_on_training_tasks(config.split, "validation", config.suites, config.validation_suites)
    out = Path(config.out)
    state: dict[str, Any] = {
        "evaluations": [],
        "best_score": None,
        "last_eval": -config.eval_freq,
        "last_checkpoint": 0,
    }
    checkpoint: Path | None = None
    if config.resume:  # the run to continue must be there
        # how scikit-learn suites are served matters only to a run that has them (older runs lack the setting)
        fixed = (*_FIXED_ON_RESUME, "sklearn_tabulated") if _sklearn_suites(config.suites) else _FIXED_ON_RESUME
        widths = {"recent_states": config.n_candidates * N_FEATURES}  # one observation per row
        state, checkpoint = resume_from(out, config.to_dict(), fixed, widths)
    from rl_hpo.envs.tuning_env import TaskPool

    TaskPool(config.task_sources(), split=config.split)  # an unknown suite or task fails here, before any writing
    claim_output_folder(out, resume=config.resume)
    done = int(state.get("num_timesteps", 0))
    record = write_run_settings(out, config.to_dict(), done if checkpoint is not None else None)
    if checkpoint is not None and config.progress:
        print(resume_line(record), file=sys.stderr)
    _build_tables(config)
    val_tasks = validation_tasks(config) if config.eval_freq > 0 else []
    if config.eval_freq > 0 and not val_tasks:
        warnings.warn(
            f"No validation task in {', '.join(config.validation_suites)} (a suite without a validation split, or "
            "single tasks): nothing is validated, and best/ is the final policy.",
            stacklevel=2,
        )
    val_seeds = list(range(config.eval_seeds))
    # The last training observations (one row per environment and step): where the policy's shift is measured.
    recent_states: collections.deque[np.ndarray] = collections.deque(maxlen=SHIFT_STATES)
    saved_states = read_array(checkpoint, "recent_states") if checkpoint is not None else None
    if saved_states is not None:
        recent_states.extend(saved_states.astype(np.float32))
    minutes_before, start = float(state.get("minutes", 0.0)), time.perf_counter()

    def minutes() -> float:
        return minutes_before + (time.perf_counter() - start) / 60

    def validate(model: Any) -> None:
        policy = _snapshot(model, config, record)
        result = evaluate_method(
            lambda space, seed: CandidatePolicyOptimizer(space, seed=seed, policy=policy),
            val_tasks,
            seeds=val_seeds,
            budget=config.budget,
        )
        row = {"timesteps": int(model.num_timesteps), **{f"regret@{b}": r for b, r in result.regret.items()}}
        row["score"] = result.score
        row["shift"] = _shift_from_start(model, recent_states, config)
        row["minutes"] = minutes()
        state["evaluations"].append(row)
        write_evaluations(out / "eval.csv", state["evaluations"])
        kept = state["best_score"] is None or result.score < state["best_score"]
        if kept:
            state["best_score"] = result.score
            validation = {"tasks": [t.name for t in val_tasks], "seeds": val_seeds, "regret": result.regret}
            _snapshot(model, config, record, {"validation": validation}).save(out / "best")
        if config.progress:
            extra = f", shift {row['shift']:.4f}, {row['minutes']:.1f} min"
            report_validation(int(row["timesteps"]), result.regret, result.score, kept, extra)

    def save_checkpoint(model: Any) -> None:
        import torch

        # Building the snapshot's network draws from torch's generator: fork it, so that a run trains exactly
        # the same with checkpoints as without.
        with torch.random.fork_rng(devices=[]):
            arrays = {"recent_states": np.stack(recent_states)} if recent_states else {}
            write_checkpoint(out, _snapshot(model, config, record), model, {**state, "minutes": minutes()}, arrays)

    class Periodic(BaseCallback):
        def _on_step(self) -> bool:
            recent_states.extend(np.asarray(self.locals["new_obs"], dtype=np.float32).copy())
            t = self.model.num_timesteps
            if val_tasks and t - state["last_eval"] >= config.eval_freq:
                state["last_eval"] = t
                validate(self.model)
                self.logger.record("eval/regret", state["evaluations"][-1]["score"])
            return True

        def _on_rollout_start(self) -> None:
            # Between rollouts every step counted has been trained on: a resume loses no experience.
            t = self.model.num_timesteps
            if config.checkpoint_freq > 0 and t - state["last_checkpoint"] >= config.checkpoint_freq:
                state["last_checkpoint"] = t
                save_checkpoint(self.model)

    with preserved_global_state(config.torch_threads):
        seed = resumed_seed(config.seed, done)
        venv = make_vec_env([_EnvFactory(config) for _ in range(config.n_envs)], config.vec_env, seed)
        if checkpoint is not None:
            keep_progress_log(out, done)
        logger = configure(str(out), ["csv"])
        try:
            model = PPO(
                CandidatePolicy,
                venv,
                policy_kwargs={"hidden": config.hidden, "ei_temperature": config.ei_temperature},
                learning_rate=config.learning_rate,
                n_steps=config.n_steps,
                batch_size=min(config.batch_size, config.n_steps * config.n_envs),
                n_epochs=config.n_epochs,
                gamma=config.gamma,
                gae_lambda=config.gae_lambda,
                clip_range=config.clip_range,
                ent_coef=config.ent_coef,
                seed=seed,
                device="cpu",
                verbose=0,
            )
            model.set_logger(logger)
            if checkpoint is not None:
                restore(model, checkpoint, state)
            all_callbacks: list[Any] = [Periodic(), *callbacks]
            if config.progress:
                all_callbacks.append(progress_callback(config.timesteps, done, config.n_steps * config.n_envs))
            if config.timesteps > done:
                model.learn(
                    config.timesteps - done,
                    callback=CallbackList(all_callbacks),
                    reset_num_timesteps=checkpoint is None,
                )
            if val_tasks and state["last_eval"] != model.num_timesteps:
                state["last_eval"] = model.num_timesteps
                validate(model)
            save_checkpoint(model)
            _snapshot(model, config, record).save(out / "final")
            if not (out / "best").is_dir():
                _snapshot(model, config, record).save(out / "best")
            shift = _shift_from_start(model, recent_states, config)
            if shift < STILL_AT_START:
                warnings.warn(
                    f"PPO left the policy where it started: on its last {len(recent_states)} training states its "
                    f"choices are within a total-variation distance of {shift:.4f} of sampling by expected improvement "
                    f"(the untrained policy). It tunes as `{'ei' if config.deterministic else 'ei_sampled'}` does "
                    f"({'--deterministic' if config.deterministic else '--no-deterministic'}); a larger "
                    f"--learning-rate (now {config.learning_rate}) or more --timesteps may move it.",
                    stacklevel=2,
                )
        except BaseException:
            stop_vec_env(venv)  # interrupted or failed: a graceful close could wait on a worker mid-step
            raise
        finally:
            venv.close()
            logger.close()
    return out


#: Fields every command line must give (a training run is long: no silent default).
REQUIRED = ("timesteps", "out")


def build_parser(
    prog: str = "python -m rl_hpo.agents.candidate_training",
    parser_class: type[argparse.ArgumentParser] = argparse.ArgumentParser,
) -> argparse.ArgumentParser:
    """The candidate design's command line, the same for ``rl-hpo train`` (which passes its ``prog`` and
    one-line-error parser class) and ``python -m rl_hpo.agents.candidate_training``: one option per
    ``CandidateTrainConfig`` field."""
    from rl_hpo.agents.train_settings import add_config_arguments

    description = "Train a candidate-scoring tuning policy with PPO in CandidateTuningEnv (the default design)."
    return add_config_arguments(
        parser_class(prog=prog, description=description), CandidateTrainConfig, required=REQUIRED
    )


def train_command(args: argparse.Namespace) -> int:
    """Train with the options ``build_parser`` parsed (``args.command``: the command line to record)."""
    from rl_hpo.agents.train_settings import build_config, config_values

    values = config_values(args, CandidateTrainConfig)
    values["command"] = getattr(args, "command", "") or ""
    start = time.perf_counter()
    out = train_candidate_policy(build_config(CandidateTrainConfig, values))
    steps = json.loads((out / "final" / "policy.json").read_text())["training"]["timesteps"]
    minutes = (time.perf_counter() - start) / 60
    print(f"trained to {steps} steps (whole PPO rollouts); this session took {minutes:.1f} min")
    print(f"best policy: {out / 'best'}")
    print(f"final policy: {out / 'final'}")
    print(f"use it: rl-hpo tune --task TASK --method ppo --policy {out / 'best'} (or rl-hpo bench ... --policy)")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m rl_hpo.agents.candidate_training``: the same options as ``rl-hpo train``."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    args.command = " ".join(shlex.quote(a) for a in ["python", "-m", "rl_hpo.agents.candidate_training", *argv])
    return train_command(args)


if __name__ == "__main__":
    sys.exit(main())
