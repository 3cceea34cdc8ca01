"""Checkpoints of a PPO training run, and resuming from one; shared by both training designs.

A checkpoint is a folder ``OUT/checkpoint/``: the policy at that step (``policy.json`` +
``weights.safetensors``, loaded without unpickling), the optimizer's state (``optimizer.pt``, read by torch
with ``weights_only=True``), the trainer's bookkeeping (``state.json``: validations so far, the best score,
steps done) and any arrays the trainer keeps (``<name>.npy``, read without pickles). It is written whole into
a staging folder and then swapped in, so a run killed at any moment leaves the previous checkpoint or the new
one, never a mix.

A resumed run continues with the checkpoint's weights, optimizer state and step count; its environments and
PPO draw fresh episodes, seeded from (seed, steps done), so a resumed run is reproducible but not the
run that was interrupted.
"""

from __future__ import annotations

import json
import math
import pickle  # only for its exception: torch.load(weights_only=True) raises UnpicklingError
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from rl_hpo.agents.policy_file import Policy, load_policy

__all__ = [
    "PPO_SETTINGS",
    "checkpoint_folder",
    "keep_progress_log",
    "read_array",
    "restore",
    "resume_from",
    "resume_line",
    "resumed_seed",
    "write_checkpoint",
    "write_run_settings",
]

_STAGING, _PREVIOUS = ".checkpoint.new", ".checkpoint.old"


def write_checkpoint(
    out: Path, policy: Policy, model: Any, state: Mapping[str, Any], arrays: Mapping[str, np.ndarray] | None = None
) -> None:
    """Write ``OUT/checkpoint``: ``policy`` (the model's network as a policy file), the model's optimizer state
    and step counters, the JSON-able ``state``, ``arrays`` and a copy of the best policy so far (``OUT/best``);
    staged, then swapped in."""
    import torch

    staging, previous = out / _STAGING, out / _PREVIOUS
    shutil.rmtree(staging, ignore_errors=True)
    policy.save(staging)
    torch.save(model.policy.optimizer.state_dict(), staging / "optimizer.pt")
    for name, array in (arrays or {}).items():
        np.save(staging / f"{name}.npy", np.asarray(array), allow_pickle=False)
    best = (out / "best" / "policy.json").is_file()
    if best:
        shutil.copytree(out / "best", staging / "best")
    counters = {"num_timesteps": int(model.num_timesteps), "n_updates": int(model._n_updates), "has_best": best}
    (staging / "state.json").write_text(json.dumps({**state, **counters}, indent=2) + "\n")
    folder = out / "checkpoint"
    shutil.rmtree(previous, ignore_errors=True)
    if folder.exists():
        folder.rename(previous)
    staging.rename(folder)
    shutil.rmtree(previous, ignore_errors=True)


def checkpoint_folder(out: Path) -> Path:
    """The run's checkpoint: ``checkpoint/``, or the previous one where a kill came between the two renames
    of ``write_checkpoint``."""
    folder = out / "checkpoint"
    previous = out / _PREVIOUS
    return previous if not folder.exists() and (previous / "state.json").is_file() else folder


#: PPO's hyperparameters: a resumed run must keep them (each design's fixed settings include them).
PPO_SETTINGS = ("learning_rate", "n_steps", "batch_size", "n_epochs", "gamma", "gae_lambda", "clip_range", "ent_coef")


def resume_from(
    out: Path, settings: Mapping[str, Any], fixed: Sequence[str], arrays: Mapping[str, int] | None = None
) -> tuple[dict[str, Any], Path]:
    """Prepare ``out`` for a run resumed with ``settings`` (a ``to_dict()`` of its config) and return the state
    of its checkpoint and the checkpoint's folder. The ``fixed`` settings must be those the run started with
    (``OUT/config.json``). The checkpoint's best policy is put back as ``OUT/best``: one validated after the
    checkpoint belongs to steps the resumed run trains anew (a checkpoint written before checkpoints kept the
    best policy, without ``has_best`` in its state, leaves ``OUT/best`` as it is). Every file of the checkpoint
    is read first (its policies, optimizer state, bookkeeping and the ``arrays`` the trainer keeps, each name with
    the width of its rows), so that a damaged checkpoint is refused with ``OUT/best`` as it was: after a refused
    resume it may be all that is left of a long run.

    Raises:
        FileNotFoundError: if ``out`` holds no checkpoint.
        ValueError: if a fixed setting differs, or the checkpoint's ``state.json``, ``optimizer.pt``, arrays or
            ``config.json`` are damaged.
        PolicyFileError: if the checkpoint's policy files are.
    """
    folder = checkpoint_folder(out)
    if not (folder / "state.json").is_file():
        raise FileNotFoundError(
            f"--resume: no checkpoint in {folder}; start without --resume or point --out at a previous run."
        )
    saved = _read_json(out / "config.json")
    changed = [k for k in fixed if saved.get(k) != settings.get(k)]
    if changed:
        absent = [k for k in changed if k not in saved]  # settings of the other design (or of a newer rl_hpo)
        design = (
            f" (its config.json has no {absent}: was it started with the other --design?)"
            if len(absent) * 2 > len(changed)
            else ""
        )
        raise ValueError(
            f"--resume: the settings {changed} differ from the checkpoint's ({[saved.get(k) for k in changed]})"
            f"{design}; resume with the same settings or start a new run in another folder."
        )
    state = _read_json(folder / "state.json")
    _check_state(folder / "state.json", state)
    trained = _finished_steps(out)
    if trained is not None and trained >= int(settings.get("timesteps", 0)):
        raise ValueError(
            f"--resume: the training in {out} is finished: final/ holds its policy of {trained} steps, "
            f"{'as many as' if trained == int(settings.get('timesteps', 0)) else 'more than'} "
            f"--timesteps {settings.get('timesteps')}; nothing to resume. Give a larger --timesteps to train on from "
            "its last checkpoint."
        )
    load_policy(folder)
    if state.get("has_best"):
        load_policy(folder / "best")
    _read_optimizer_state(folder)
    for name, width in (arrays or {}).items():
        array = read_array(folder, name)
        if array is not None and (array.ndim != 2 or array.shape[1] != width):
            raise ValueError(
                f"--resume: the checkpoint's {folder / (name + '.npy')} is damaged (shape {array.shape}, not rows of "
                f"{width})."
            )
    if "has_best" in state:  # copied beside OUT/best first, so that a failed copy leaves it as it was
        staging = out / ".best.new"
        shutil.rmtree(staging, ignore_errors=True)
        if state["has_best"]:
            shutil.copytree(folder / "best", staging)
        shutil.rmtree(out / "best", ignore_errors=True)
        if state["has_best"]:
            staging.rename(out / "best")
    return state, folder


def _check_state(path: Path, state: Mapping[str, Any]) -> None:
    """Refuse a checkpoint's bookkeeping whose values are not of their kinds (a file edited or damaged by hand)."""

    def count(value: Any) -> bool:
        return isinstance(value, int) and not isinstance(value, bool) and value >= 0

    def number(value: Any) -> bool:
        return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)

    checks = {
        "num_timesteps": count,
        "n_updates": count,
        "last_eval": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "last_checkpoint": count,
        "best_timesteps": count,
        "has_best": lambda v: isinstance(v, bool),
        "best_score": lambda v: v is None or number(v),
        "minutes": lambda v: number(v) and v >= 0,
        "evaluations": lambda v: isinstance(v, list) and all(isinstance(row, dict) for row in v),
    }
    bad = [f"{key} {state[key]!r}" for key, fits in checks.items() if key in state and not fits(state[key])]
    if bad:
        raise ValueError(f"--resume: the checkpoint's {path} is damaged ({'; '.join(bad)}).")


#: Settings of a session that say nothing of the run: how it was started and shown.
_SESSION_ONLY = ("command", "resume", "progress", "resumes")


def write_run_settings(out: Path, settings: Mapping[str, Any], resumed_at: int | None = None) -> dict[str, Any]:
    """Write ``OUT/config.json``, the run's settings (``settings``: a ``to_dict()`` of its config), and return
    them as recorded. A resumed run (``resumed_at``: the checkpoint's steps) keeps the command that started it as
    ``command`` and adds the resume to ``resumes``: the step it resumed at, its command and the settings it
    changed from the session before, as ``[before, now]`` (a resume may change ``timesteps``, ``n_envs`` and
    the other settings that ``resume_from`` does not hold fixed). A resume from the checkpoint the last one
    started from replaces it: the steps that one trained are trained anew, so its settings shaped nothing kept."""
    record = dict(settings)
    if resumed_at is not None:
        saved = _read_json(out / "config.json")
        resumes, before = list(saved.get("resumes", [])), dict(saved)
        if resumes and resumes[-1].get("at_step") == resumed_at:
            before.update({k: old for k, (old, _) in resumes.pop().get("changed", {}).items()})
        changed = {k: [before.get(k), v] for k, v in settings.items() if k not in _SESSION_ONLY and before.get(k) != v}
        record["command"] = saved.get("command", "")
        resumes.append({"at_step": resumed_at, "command": settings.get("command", ""), "changed": changed})
        record["resumes"] = resumes
    (out / "config.json").write_text(json.dumps(record, indent=2) + "\n")
    return record


def resume_line(record: Mapping[str, Any]) -> str:
    """One line on the last resume of a run's ``record`` (``write_run_settings``'s): its step and the settings
    it changed, such as ``n_envs 8 -> 4`` (which changes the steps per PPO update, ``n_steps * n_envs``)."""
    last = record["resumes"][-1]
    changed = ", ".join(f"{k} {before} -> {now}" for k, (before, now) in last["changed"].items())
    return f"resuming at step {last['at_step']} ({'settings changed: ' + changed if changed else 'same settings'})"


def _finished_steps(out: Path) -> int | None:
    """The steps the finished policy in ``out/final`` was trained for (None: no readable one)."""
    try:
        steps = json.loads((out / "final" / "policy.json").read_text())["training"]["timesteps"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return steps if isinstance(steps, int) else None


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as err:
        raise ValueError(f"--resume: the checkpoint's {path} is damaged or missing ({err}).") from None
    if not isinstance(data, dict):
        raise ValueError(f"--resume: the checkpoint's {path} is damaged (not a JSON object).")
    return data


def restore(model: Any, folder: Path, state: Mapping[str, Any]) -> None:
    """Load the checkpoint in ``folder`` into ``model``: network weights, optimizer state and step counters.

    Raises:
        PolicyFileError: if the checkpoint's policy files are damaged or do not fit the network.
        ValueError: if its ``optimizer.pt`` is damaged.
    """
    model.policy.net.load_state_dict(load_policy(folder).network.state_dict())
    try:
        model.policy.optimizer.load_state_dict(_read_optimizer_state(folder))
    except (RuntimeError, ValueError, KeyError) as err:
        raise ValueError(f"--resume: the checkpoint's {folder / 'optimizer.pt'} is damaged ({err}).") from None
    model.num_timesteps = int(state.get("num_timesteps", 0))
    model._n_updates = int(state.get("n_updates", 0))


def _read_optimizer_state(folder: Path) -> Any:
    """The optimizer's state that the checkpoint in ``folder`` holds, read by torch without unpickling objects.

    Raises:
        ValueError: if ``optimizer.pt`` is damaged or missing.
    """
    import torch

    try:
        return torch.load(folder / "optimizer.pt", weights_only=True)
    except (OSError, RuntimeError, EOFError, ValueError, KeyError, pickle.UnpicklingError) as err:
        raise ValueError(f"--resume: the checkpoint's {folder / 'optimizer.pt'} is damaged ({err}).") from None


def read_array(folder: Path, name: str) -> np.ndarray | None:
    """The array ``name`` a checkpoint holds (None if it holds none).

    Raises:
        ValueError: if the file is damaged.
    """
    path = folder / f"{name}.npy"
    if not path.is_file():
        return None
    try:
        return np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError) as err:
        raise ValueError(f"--resume: the checkpoint's {path} is damaged ({err}).") from None


def resumed_seed(seed: int, done: int) -> int:
    """The seed of a run's environments and PPO after ``done`` steps: ``seed`` itself at the start, else one
    drawn from (seed, done), so that a resumed run draws fresh episodes."""
    return seed if done == 0 else int(np.random.SeedSequence([seed, done]).generate_state(1)[0] >> 1)


def keep_progress_log(out: Path, done: int) -> None:
    """SB3's logger starts ``progress.csv`` afresh: keep the log of the ``done`` steps before a resume beside it,
    as ``progress_until_<done>.csv`` (``progress_until_<done>_<n>.csv`` where that is taken)."""
    log = out / "progress.csv"
    if log.is_file() and log.stat().st_size > 0:
        kept, n = out / f"progress_until_{done}.csv", 1
        while kept.exists():  # resumed from the same checkpoint before: keep that log too
            kept, n = out / f"progress_until_{done}_{n}.csv", n + 1
        log.replace(kept)
