"""A long cell's journal: an interrupted study resumes a cell from its last finished trial, not from its start.

A study saves a cell when it finishes (``DIR/cells/<cell>.json``), so stopping a study loses the cells that were
running. Most cells take a second or less and are not worth more; a cell that tunes a real model can take many
minutes. Once a cell has run for ``JOURNAL_AFTER_S`` seconds, its finished trials go to a journal
(``rl_hpo.journal``: one SQLite transaction per trial) beside the cells, ``DIR/cells/<cell>.journal``; when the
study runs again, the cell replays it (the optimizer, made with the same seed, is told the recorded results
instead of evaluating them again: every method here is deterministic given its seed) and goes on. The runner
deletes the journal once the cell's record is saved.

A journal is only resumed by the same cell of the same study at the same git commit, so that a cell's trials come
from one version of the code; any other journal (another commit, a replay that diverges, an unreadable file) is
deleted with a warning and the cell runs from its start, as it would have without one. A journal that cannot be
written (e.g. a worker on another machine without the study's folder, a configuration JSON cannot hold, a full disk)
leaves the cell unjournaled from then on, as is a cell whose journal another process holds (that journal is left
alone).
"""

from __future__ import annotations

import sqlite3
import time
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from rl_hpo.history import History
from rl_hpo.journal import Journal, JournalBusyError, JournalError, remove_journal
from rl_hpo.optimizer import Optimizer, Trial
from rl_hpo.tasks.base import Result, Task

__all__ = ["JOURNAL_AFTER_S", "CellJournal", "journal_path"]

#: What writing a journal may raise: a journal that cannot be opened or written (JournalError, SQLite's and the
#: file system's errors) and a configuration that JSON cannot hold (TypeError, ValueError).
_WRITE_ERRORS = (sqlite3.Error, OSError, TypeError, ValueError)

#: A cell journals its trials once it has run this long (seconds): an interrupted study loses at most this much of
#: each running cell, and the many short cells of a study write nothing.
JOURNAL_AFTER_S = 30.0


def journal_path(cell_path: Path) -> Path:
    """Where the cell whose record goes to ``cell_path`` (``DIR/cells/<cell>.json``) journals its trials."""
    return cell_path.with_suffix(".journal")


class CellJournal:
    """A cell's journal, kept from ``after_s`` seconds into the cell on (an ``Optimizer.optimize`` callback).

    Args:
        path: the journal's file.
        run: what identifies the cell's run (its key, budget, options and git commit); a journal that records
            another is not resumed.
        budget: the cell's budget, which the optimizer plans for.
        batch: the trials the cell asks at a time (``Optimizer.optimize``), whose rounds a replay repeats.
        after_s: how long the cell runs before its trials are journaled (default ``JOURNAL_AFTER_S``).
    """

    def __init__(
        self, path: Path, run: Mapping[str, Any], budget: float, *, batch: int = 1, after_s: float | None = None
    ) -> None:
        self.path, self.run, self.budget, self.batch = Path(path), dict(run), budget, batch
        self.after_s = JOURNAL_AFTER_S if after_s is None else after_s
        self.started = time.perf_counter()
        self.replayed = 0  # trials taken from an earlier session's journal
        self._log: Journal | None = None
        self._unwritable = False

    def resume(self, make: Callable[[], Optimizer], task: Task) -> tuple[Optimizer, History, list[Trial]] | None:
        """The optimizer (from ``make``) and history where an earlier session's journal of this cell left them, and
        the trials of a round it never told (to evaluate first); None where there is no journal to resume."""
        if not self.path.exists():
            return None
        optimizer = make()
        try:
            self._log = Journal(self.path, self.run, resume=True)
            history, untold = self._log.resume(optimizer, task, self.budget, batch=self.batch)
        except JournalBusyError as err:  # e.g. the same cell named twice in a study: leave that run's journal be
            self._unwritable = True
            warnings.warn(f"{err} The cell runs from its start, without a journal.", stacklevel=2)
            return None
        except (JournalError, sqlite3.Error, OSError) as err:
            self.close()
            remove_journal(self.path)
            warnings.warn(f"The cell's journal was not resumed ({err}); the cell runs from its start.", stacklevel=2)
            return None
        self.replayed = len(history.records)
        return optimizer, history, untold

    def __call__(self, history: History, trial: Trial, result: Result) -> None:
        if self._log is not None:
            try:
                self._log.record(history, trial, result)
            except _WRITE_ERRORS as err:  # what the journal holds stays a run's first trials, fit to resume
                self._stop(err)
        elif not self._unwritable and time.perf_counter() - self.started >= self.after_s:
            self._start(history)

    def _start(self, history: History) -> None:
        """Open a new journal holding the cell's trials so far, as if it had been kept from the start."""
        try:
            log = Journal(self.path, self.run)
        except _WRITE_ERRORS as err:  # another process's journal (JournalError) is left alone
            self._stop(err)
            return
        try:
            log.planned_budget(self.budget)
            if self.batch > 1:  # one session from the start: a replay cuts the rounds as this run did
                log.begin_session(0.0, self.budget)
            log.record_all(history.records)
        except _WRITE_ERRORS as err:
            log.close()
            remove_journal(self.path)
            self._stop(err)
            return
        self._log = log

    def _stop(self, err: BaseException) -> None:
        """Go on without journaling, as short cells do."""
        self.close()
        self._unwritable = True
        warnings.warn(f"The cell's trials cannot be journaled ({err}); it goes on without.", stacklevel=4)

    def close(self) -> None:
        """Close the journal (it stays on disk until the runner has saved the cell's record)."""
        if self._log is not None:
            self._log.close()
            self._log = None
