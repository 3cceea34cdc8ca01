"""Training a per-dimension tuning policy with PPO (stable-baselines3) in ``TuningEnv``.

``train(TrainConfig(...))`` trains on the ``train`` split of one or more suites, evaluates the policy
on their ``validation`` split every ``eval_freq`` steps (mean normalized regret of ``PolicyOptimizer``
runs, the exact code path of ``rl-hpo tune``), keeps the best policy, writes checkpoints and can resume
from the last one. The output folder::

    OUT/
      best/          the policy with the lowest validation regret (policy.json + weights.safetensors)
      final/         the policy at the end of training
      checkpoint/    the last checkpoint: a policy folder plus optimizer.pt and state.json (for --resume)
      progress_until_<steps>.csv   the training log before a --resume at <steps> (progress.csv goes on after it)
      config.json    the settings of the run (after a ``--resume``, ``command`` is the one that started it
                     and ``resumes`` lists each resume: its step, command and changed settings)
      eval.csv       one row per validation: timesteps, regret at 10 / 25 / budget, their mean
      progress.csv   SB3's training log
      events.out.tfevents.*  the same log for TensorBoard, when tensorboard is installed

Its settings (``TrainConfig``) and their options live in ``rl_hpo.agents.train_settings``, the machinery
shared with the candidate design around SB3 in ``rl_hpo.agents.ppo_runtime``. ``build_parser`` and
``train_command`` are the command line of ``rl-hpo train --design per-dimension`` and of ``python -m
rl_hpo.agents.training`` alike.
"""

from __future__ import annotations

import argparse
import importlib.util
import shlex
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rl_hpo.agents.checkpoints import (
    PPO_SETTINGS,
    keep_progress_log,
    restore,
    resume_from,
    resume_line,
    resumed_seed,
    write_checkpoint,
    write_run_settings,
)
from rl_hpo.agents.network import PerDimensionPolicy, TuningNetwork
from rl_hpo.agents.policy_file import Policy
from rl_hpo.agents.policy_optimizer import evaluate_policy
from rl_hpo.agents.ppo_runtime import (
    claim_output_folder,
    make_vec_env,
    monitored,
    preserved_global_state,
    progress_callback,
    report_validation,
    stop_vec_env,
    training_folder_lock,
    write_evaluations,
)
from rl_hpo.agents.train_settings import (
    TrainConfig,
    add_train_arguments,
    config_from_args,
    warn_of_choosing_on_training_tasks,
)
from rl_hpo.envs.actions import ActionMapping

__all__ = ["TrainResult", "build_parser", "main", "train", "train_command"]


@dataclass
class TrainResult:
    """What ``train`` produced."""

    out: Path
    best: Path
    final: Path
    timesteps: int
    evaluations: list[dict[str, float]]
    seconds: float


# -- helpers --------------------------------------------------------------------------------------
def _metadata(
    config: TrainConfig, record: dict[str, Any], timesteps: int, extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A policy's metadata (``record``: the run's settings as ``write_run_settings`` recorded them)."""
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
            "command": record["command"],
            **({"resumes": record["resumes"]} if "resumes" in record else {}),
            **(extra or {}),
        },
    }


def _snapshot(model: Any, config: TrainConfig, record: dict[str, Any], extra: dict[str, Any] | None = None) -> Policy:
    """An inference copy of the model's current network, with metadata."""
    net = TuningNetwork(config.layout, hidden=config.hidden)
    net.load_state_dict(model.policy.net.state_dict())
    net.eval()
    meta = _metadata(config, record, model.num_timesteps, extra)
    meta["action"] = ActionMapping(config.min_scale, config.max_scale).to_dict()
    return Policy(net, meta)


def _make_vec_env(config: TrainConfig, seed: int) -> Any:
    kwargs = config.env_kwargs()
    if config.vec_env == "batched":
        from rl_hpo.envs.vec_env import TuningVecEnv

        groups = None if config.n_task_groups is None else min(config.n_task_groups, config.n_envs)
        return monitored(TuningVecEnv(config.n_envs, n_task_groups=groups, **kwargs), seed)
    return make_vec_env([_EnvFactory(kwargs) for _ in range(config.n_envs)], config.vec_env, seed)


class _EnvFactory:
    """A picklable environment constructor (SubprocVecEnv sends it to the worker processes)."""

    def __init__(self, kwargs: dict[str, Any]) -> None:
        self.kwargs = kwargs

    def __call__(self) -> Any:
        from rl_hpo.envs.tuning_env import TuningEnv

        return TuningEnv(**self.kwargs)


class _Trainer:
    """Validation, best-model keeping and checkpoints as one SB3 callback."""

    def __init__(self, config: TrainConfig, out: Path, state: dict[str, Any], record: dict[str, Any]) -> None:
        self.config = config
        self.record = record
        self.out = out
        self.state = state
        self.val_tasks = [t for ts in config.validation_tasks().values() for t in ts] if config.eval_freq > 0 else []
        self.val_seeds = list(range(config.eval_seeds))

    def validate(self, model: Any) -> dict[str, float] | None:
        if not self.val_tasks:
            return None
        policy = _snapshot(model, self.config, self.record)
        result = evaluate_policy(policy, self.val_tasks, seeds=self.val_seeds, budget=self.config.budget)
        row = {"timesteps": int(model.num_timesteps), **{f"regret@{b}": r for b, r in result.regret.items()}}
        row["score"] = result.score
        self.state["evaluations"].append(row)
        write_evaluations(self.out / "eval.csv", self.state["evaluations"])
        best = self.state.get("best_score")
        kept = best is None or result.score < best
        if self.config.progress:
            report_validation(int(model.num_timesteps), result.regret, result.score, kept)
        if kept:
            self.state["best_score"] = result.score
            self.state["best_timesteps"] = int(model.num_timesteps)
            validation = {"tasks": [t.name for t in self.val_tasks], "seeds": self.val_seeds, "regret": result.regret}
            _snapshot(model, self.config, self.record, {"validation": validation}).save(self.out / "best")
        return row

    def checkpoint(self, model: Any) -> None:
        write_checkpoint(self.out, _snapshot(model, self.config, self.record), model, self.state)

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
                # Mid-rollout, as the shipped specialists were trained (moving it would change their training's
                # random stream): after a resume, the steps of the unfinished rollout count but were not trained on.
                if config.checkpoint_freq > 0 and t - trainer.state["last_checkpoint"] >= config.checkpoint_freq:
                    trainer.state["last_checkpoint"] = t
                    trainer.checkpoint(model)
                return True

        return Periodic()


#: Settings a resumed run must share with the run it continues.
_FIXED_ON_RESUME = (
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
    *PPO_SETTINGS,
)


def _resume_state(config: TrainConfig, out: Path) -> tuple[dict[str, Any], Path | None]:
    if not config.resume:
        return {"evaluations": [], "last_eval": 0, "last_checkpoint": 0, "best_score": None}, None
    return resume_from(out, config.to_dict(), _FIXED_ON_RESUME)


def train(config: TrainConfig) -> TrainResult:
    """Train a tuning policy with PPO; see the module docstring for the output folder.

    Python's, numpy's and torch's global random states are restored afterwards (SB3 seeds them).

    Raises:
        FileNotFoundError: with ``resume=True`` and no checkpoint in ``out``.
        ValueError: for invalid settings, an ``out`` that holds another run or is in use by one, or resume settings
            that differ from the checkpoint's.
    """
    with training_folder_lock(Path(config.out)):
        return _train(config)


def _train(config: TrainConfig) -> TrainResult:
    from stable_baselines3 import PPO
    from stable_baselines3.common.callbacks import CallbackList
    from stable_baselines3.common.logger import configure

    start_time = time.perf_counter()
    if config.eval_freq > 0:
        warn_of_choosing_on_training_tasks(config.split, config.eval_split, config.suites, config.suites)
    out = Path(config.out)
    state, checkpoint = _resume_state(config, out)  # with --resume, the run to continue must be there
    claim_output_folder(out, resume=config.resume)
    done = int(state.get("num_timesteps", 0))
    record = write_run_settings(out, config.to_dict(), done if checkpoint is not None else None)
    if checkpoint is not None and config.progress:
        print(resume_line(record), file=sys.stderr)
    with preserved_global_state(config.torch_threads):
        seed = resumed_seed(config.seed, done)
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
            if checkpoint is not None:
                keep_progress_log(out, done)
            logger = configure(str(out), formats)
            model.set_logger(logger)
            if checkpoint is not None:
                restore(model, checkpoint, state)
            trainer = _Trainer(config, out, state, record)
            callbacks = [trainer.callback()]
            if config.progress:
                callbacks.append(progress_callback(config.timesteps, done, config.n_steps * config.n_envs))
            remaining = config.timesteps - done
            if remaining > 0:
                model.learn(remaining, callback=CallbackList(callbacks), reset_num_timesteps=checkpoint is None)
            if config.eval_freq > 0 and state["last_eval"] != model.num_timesteps:
                state["last_eval"] = model.num_timesteps
                trainer.validate(model)
            trainer.checkpoint(model)
            final = _snapshot(model, config, record).save(out / "final")
            if not (out / "best" / "policy.json").is_file():
                _snapshot(model, config, record).save(out / "best")
        except BaseException:
            stop_vec_env(venv)  # interrupted or failed: a graceful close could wait on a worker mid-step
            raise
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
def build_parser(
    prog: str = "python -m rl_hpo.agents.training",
    parser_class: type[argparse.ArgumentParser] = argparse.ArgumentParser,
) -> argparse.ArgumentParser:
    """The per-dimension design's command line, the same for ``rl-hpo train --design per-dimension`` (which
    passes its ``prog`` and one-line-error parser class) and ``python -m rl_hpo.agents.training``."""
    return add_train_arguments(
        parser_class(prog=prog, description="Train a per-dimension tuning policy with PPO in TuningEnv.")
    )


def train_command(args: argparse.Namespace) -> int:
    """Train with the options ``build_parser`` parsed (``args.command``: the command line to record)."""
    config = config_from_args(args)
    result = train(config)
    best = ""
    if result.evaluations:
        row = min(result.evaluations, key=lambda r: r["score"])
        best = f" (validation regret {row['score']:.4f} at {int(row['timesteps'])} steps)"
    print(f"trained to {result.timesteps} steps (whole PPO rollouts); this session took {result.seconds / 60:.1f} min")
    print(f"best policy: {result.best}{best}")
    print(f"final policy: {result.final}")
    print(f"use it: rl-hpo tune --task TASK --method ppo --policy {result.best} (or rl-hpo bench ... --policy)")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m rl_hpo.agents.training``: the same options as ``rl-hpo train --design per-dimension``."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    args.command = " ".join(shlex.quote(a) for a in ["python", "-m", "rl_hpo.agents.training", *argv])
    return train_command(args)


if __name__ == "__main__":
    sys.exit(main())
