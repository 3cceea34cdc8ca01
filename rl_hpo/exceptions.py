"""The package's exception hierarchy: one base class, so callers can catch everything rl_hpo raises."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rl_hpo.history import History

__all__ = [
    "AllTrialsFailedError",
    "DataNotFoundError",
    "PluginError",
    "PolicyFileError",
    "RLHPOError",
    "TaskNotFoundError",
    "TuningInterrupted",
    "UnknownOptionError",
]


class RLHPOError(Exception):
    """Base class of every error raised on purpose by rl_hpo."""


class TaskNotFoundError(RLHPOError, KeyError):
    """A task, suite or family name that does not exist."""

    def __str__(self) -> str:  # KeyError quotes its message; show it plainly
        return str(self.args[0]) if self.args else ""


class DataNotFoundError(RLHPOError, FileNotFoundError):
    """Benchmark data (e.g. the YAHPO data folder) that is missing or incomplete."""


class UnknownOptionError(RLHPOError, ValueError):
    """A keyword option that the chosen method does not take: ``option``, refused by ``method``, whose options are
    ``options`` (empty where its signature does not tell them)."""

    def __init__(self, message: str, *, method: str = "", option: str = "", options: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.method, self.option, self.options = method, option, options


class PluginError(RLHPOError, RuntimeError):
    """A plugin module (``--plugins``) that was found but raised while it was imported."""


class PolicyFileError(RLHPOError, ValueError):
    """A policy file that is missing, truncated, corrupted, tampered with or of an unknown format."""


class AllTrialsFailedError(RLHPOError, RuntimeError):
    """Every trial of a run failed, so there is no best configuration to return. ``history`` holds the
    failed trials (each one's error in ``History.to_dataframe()``), where the run gave it."""

    def __init__(self, message: str, history: History | None = None) -> None:
        super().__init__(message)
        self.history = history


class TuningInterrupted(KeyboardInterrupt):
    """A run stopped by Ctrl-C (or SIGTERM where the CLI turns it into one): a ``KeyboardInterrupt`` that keeps
    the trials finished before it as ``history``."""

    def __init__(self, history: History) -> None:
        super().__init__(f"interrupted after {history.n_trials} finished trial{'' if history.n_trials == 1 else 's'}")
        self.history = history
