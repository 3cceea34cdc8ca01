"""What both training designs need around stable-baselines3's PPO.

- ``claim_output_folder`` and ``training_folder_lock``: the run's ``--out``, refused where it holds other work
  and held against a second run;
- ``make_vec_env``: SB3's ``SubprocVecEnv`` or ``DummyVecEnv`` over picklable environment constructors,
  seeded, with episode statistics (``VecMonitor``) and the end of the budget marked terminal;
- ``monitored``: the same seeding and wrappers around a vector environment built otherwise (the per-dimension
  design's batched one); ``budget_end_is_terminal``: the last wrapper alone;
- ``preserved_global_state``: SB3 seeds the global random generators; the caller gets its own back;
- ``progress_callback`` and ``whole_rollouts``: a progress bar over the steps PPO will really train;
- ``report_validation`` and ``write_evaluations``: each validation's line on standard error and ``eval.csv``.
"""

from __future__ import annotations

import contextlib
import csv
import json
import random
import shutil
import signal
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from rl_hpo.agents.checkpoints import checkpoint_folder

__all__ = [
    "budget_end_is_terminal",
    "claim_output_folder",
    "make_vec_env",
    "monitored",
    "preserved_global_state",
    "progress_callback",
    "report_validation",
    "stop_vec_env",
    "training_folder_lock",
    "training_lock_file",
    "whole_rollouts",
    "write_evaluations",
]


#: What a training run writes into its ``--out`` and so replaces there.
_RUN_FILES = ("best", "final", "checkpoint", "config.json", "eval.csv", "progress.csv")


def claim_output_folder(out: Path, *, resume: bool = False) -> None:
    """Create ``out`` for a new training run, refusing to replace a finished run or a resumable checkpoint.

    What an unfinished run left (``best/``, ``eval.csv``) is removed, so that nothing of it passes for the
    new run's; with ``resume`` the folder is the run to continue and is kept as it is.

    Raises:
        ValueError: if ``out`` is a policy's folder (``policy.json``: the shipped default's, say) or holds
            policy folders of its own (the package's policies, say), or, without ``resume``, holds files a run
            writes (``best/``, ``eval.csv``, ...) but no training run's settings (``config.json``: a folder of other
            work, whose files the run would replace), a finished run (``final/``) or a checkpoint.
    """
    if (out / "policy.json").is_file():
        raise ValueError(
            f"{out} is a policy's folder (it holds policy.json); a training run writes best/, final/ and its logs "
            "into --out: pass a new folder."
        )
    # A folder of policies (the package's rl_hpo/data/policies, say), whose policies a run's would sit among; a
    # run's own folders (best/, final/, checkpoint/ and the checkpoint's hidden staging ones) are not counted.
    ours = ("best", "final", "checkpoint")
    folders = [p for p in out.iterdir() if p.name not in ours and not p.name.startswith(".")] if out.is_dir() else []
    policies = sorted(p.name for p in folders if (p / "policy.json").is_file())
    if policies:
        raise ValueError(
            f"{out} holds policy folders ({', '.join(policies[:3])}{', ...' if len(policies) > 3 else ''}); a "
            "training run writes best/, final/ and its logs into --out: pass a new folder."
        )
    if not resume:
        replaced = sorted(name for name in _RUN_FILES if (out / name).exists())
        if replaced and not _holds_run_settings(out / "config.json"):
            raise ValueError(
                f"{out} holds {', '.join(replaced)} but no training run's settings (config.json of rl-hpo train): a "
                "run would replace them, so they are left as they are; pass a new folder, or one of a training run."
            )
        if (out / "final" / "policy.json").is_file():
            raise ValueError(
                f"{out} holds a finished training (final/); pass another --out, or delete the folder to train "
                "there again."
            )
        if (checkpoint_folder(out) / "state.json").is_file():  # also one a kill left mid-swap
            raise ValueError(
                f"{out} holds the checkpoint of an unfinished training; pass --resume to continue it, or another --out."
            )
        shutil.rmtree(out / "best", ignore_errors=True)
        (out / "eval.csv").unlink(missing_ok=True)
    out.mkdir(parents=True, exist_ok=True)


def training_lock_file(out: Path) -> Path:
    """The file ``training_folder_lock`` locks for ``out``: in the system's temporary folder, named by ``out``'s
    absolute path."""
    import hashlib
    import tempfile

    key = hashlib.sha256(str(out.resolve()).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"rl_hpo-train-{key}.lock"


@contextlib.contextmanager
def training_folder_lock(out: Path) -> Iterator[None]:
    """Hold ``out`` for one training run while the block runs, so that a second run on the same folder (a
    ``--resume`` while the run is still going) is refused instead of mixing its checkpoints, best policy and logs
    with the first's.

    The lock is an exclusive ``flock`` on a file in the system's temporary folder named by ``out``'s absolute path
    (so that nothing is created in or beside ``out``, which may not exist yet), removed when the run ends; the
    operating system releases the lock when the process ends, even by ``kill -9``, so it never goes stale. Where
    ``fcntl`` is missing (Windows) there is no lock.

    Raises:
        ValueError: if another process holds ``out``.
    """
    try:
        import fcntl
    except ImportError:
        yield
        return
    import os

    path = training_lock_file(out)
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            owner = os.pread(fd, 200, 0).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise ValueError(
                f"{out} is in use by another training run (process {owner}); wait for it to finish or stop it, then "
                "resume with --resume."
            ) from None
        except OSError:  # a file system without locks: train unguarded rather than not at all
            os.close(fd)
            fd = -1
            break
        # The holder before removed the file after this one opened it: lock the file now at the path instead.
        with contextlib.suppress(OSError):
            if os.fstat(fd).st_ino == os.stat(path).st_ino:
                break
        os.close(fd)
    if fd < 0:
        yield
        return
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)  # named to a second run
        yield
    finally:
        with contextlib.suppress(OSError):
            path.unlink()  # while still locked, so that a run that opened it meanwhile tries again
        os.close(fd)  # closing the descriptor releases the lock


def _holds_run_settings(path: Path) -> bool:
    """Whether ``path`` is the ``config.json`` a training run writes (``write_run_settings``)."""
    try:
        settings = json.loads(path.read_text())
    except (OSError, ValueError):
        return False
    return isinstance(settings, dict) and {"timesteps", "out"} <= settings.keys()


def make_vec_env(factories: Sequence[Callable[[], Any]], kind: str, seed: int) -> Any:
    """One environment per constructor, in worker processes (``kind="subproc"``) or in this one ("dummy")."""
    from stable_baselines3.common.vec_env import DummyVecEnv, SubprocVecEnv

    fns = list(factories)
    if kind == "subproc" and fns:
        # Build and reset one environment here first: bad settings or missing data then fail once, in this
        # process, as a clear error, instead of once per worker with a broken pipe after it.
        probe = fns[0]()
        try:
            probe.reset(seed=seed)
        finally:
            probe.close()
    venv: Any = SubprocVecEnv([_InterruptibleByParentOnly(fn) for fn in fns]) if kind == "subproc" else DummyVecEnv(fns)
    return monitored(venv, seed)


def stop_vec_env(venv: Any) -> None:
    """Stop ``venv``'s worker processes at once (after an interruption or an error), so that closing it next
    returns: a worker may be in the middle of a step, and a graceful close would wait for an answer that the
    interrupted training process no longer reads, until a second Ctrl-C. Does nothing for environments in this
    process."""
    base = getattr(venv, "unwrapped", venv)
    processes = getattr(base, "processes", None)
    if not processes or getattr(base, "closed", True):
        return
    for process in processes:
        process.terminate()
    for process in processes:
        process.join(timeout=5)
    for remote in getattr(base, "remotes", ()):
        remote.close()
    base.closed = True  # SubprocVecEnv.close() then returns without talking to the workers


class _InterruptibleByParentOnly:
    """An environment constructor that makes its worker process ignore Ctrl-C (SIGINT).

    A terminal sends SIGINT to the whole process group: the workers would each die with a traceback while the
    training process is still talking to them. Ignoring it there leaves the interruption to the training
    process, which closes its environments (and so its workers) on the way out.
    """

    def __init__(self, factory: Callable[[], Any]) -> None:
        self.factory = factory

    def __call__(self) -> Any:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        return self.factory()


def monitored(venv: Any, seed: int) -> Any:
    """``venv`` seeded, with episode statistics and the end of the budget marked terminal."""
    from stable_baselines3.common.vec_env import VecMonitor

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


@contextlib.contextmanager
def preserved_global_state(torch_threads: int | None) -> Iterator[None]:
    """SB3 seeds Python's, numpy's and torch's global generators; give the caller theirs back (and torch's
    thread count, set to ``torch_threads`` meanwhile unless None)."""
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


def whole_rollouts(steps: int, rollout: int) -> int:
    """The steps PPO trains when asked for ``steps``: it collects whole rollouts of ``rollout`` steps."""
    return -(-max(0, steps) // rollout) * rollout


def progress_callback(asked: int, start: int, rollout: int) -> Any:
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


def report_validation(timesteps: int, regret: Mapping[int, float], score: float, kept: bool, extra: str = "") -> None:
    """One line on standard error per validation (``regret`` at each budget, their mean ``score``, whether the
    policy was ``kept`` as ``best/``, ``extra`` after them), also where no progress bar shows (a log file, nohup)."""
    from tqdm.auto import tqdm

    at = " / ".join(f"{r:.4f}" for r in regret.values())
    best = ", the best so far: kept as best/" if kept else ""
    tqdm.write(f"validation at {timesteps} steps: regret {at} (mean {score:.4f}{best}){extra}", file=sys.stderr)


def write_evaluations(path: Path, rows: Sequence[Mapping[str, Any]]) -> None:
    """Write the validations so far to ``path`` (``eval.csv``): one row each, ``timesteps`` as a whole number
    (rows resumed from a run's saved state may hold it as a float)."""
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows({**row, "timesteps": int(row["timesteps"])} for row in rows)
