"""Durable runs: a journal that records every finished trial, and resuming from it.

The journal is an SQLite file. Each finished trial is committed in its own transaction with
``synchronous=FULL``, so a trial that was told survives a crash or ``kill -9`` of the process.

Resuming replays the journal: a new optimizer with the run's seed is asked for its trials again, and
each one that the journal holds is told its recorded result instead of being evaluated. Every method in
rl_hpo is deterministic given its seed, so the replayed trials are the recorded ones; a run started
without a seed records the seed it drew. If a replayed trial ever differs from the journal (a method
that is not deterministic, or code that changed in between), resuming stops with an error rather than
mixing two runs. A trial that was asked but not finished when the run died is evaluated again. A run that
evaluated several trials at a time (``tune(..., workers=N)``) records N and each session's budget, and is replayed
in the same rounds; the trials of a round it stopped in before telling them are evaluated first when it goes on.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import math
import os
import secrets
import socket
import sqlite3
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

from rl_hpo.exceptions import RLHPOError
from rl_hpo.history import History, TrialRecord
from rl_hpo.optimizer import Optimizer, Trial
from rl_hpo.tasks.base import Result, Task

__all__ = ["Journal", "JournalBusyError", "JournalError", "remove_journal"]

_FORMAT = 1


#: The columns of a journal's trials table.
_TRIAL_COLUMNS = {"trial", "config", "fidelity", "score", "cost", "decision_s", "budget_fraction", "error", "info"}


class JournalError(RLHPOError, ValueError):
    """A journal that cannot be used for this run (exists already, other settings, diverging replay)."""


class JournalBusyError(JournalError):
    """A journal another process is using (its lock is held): a second run on it is refused."""


#: What a difference in a run's key means, where its values alone do not say (a hash).
_MEANING = {
    "task_fingerprint": "the task's data or a setting that decides its scores differs; for a CSV file: its "
    "contents, the columns dropped, the folds, the task type or the fidelity",
    "method": "resume with the journal's method: --method NAME, tune(..., method=NAME); without one, tune and "
    "rl-hpo tune now use ppo (random in earlier versions)",
    "workers": "the trials evaluated at a time (None: one at a time), whose rounds a resumed run repeats; resume "
    "with the journal's number: --workers N, tune(..., workers=N)",
}


def _difference(key: str, stored: str | None, expected: str | None) -> str:
    """One run setting's difference between the journal and this run, for the refusal's message: the two
    values, or for two JSON objects (a search space, options) the names of the entries that differ."""
    text = f"{key}: journal has {stored}, this run has {expected}"
    try:
        old, new = json.loads(stored or "null"), json.loads(expected or "null")
    except ValueError:
        old = new = None
    if isinstance(old, dict) and isinstance(new, dict):
        parts = [
            f"{what} {', '.join(map(repr, sorted(names)[:8]))}{' ...' if len(names) > 8 else ''}"
            for what, names in (
                ("only in the journal:", old.keys() - new.keys()),
                ("only in this run:", new.keys() - old.keys()),
                ("different:", {k for k in old.keys() & new.keys() if old[k] != new[k]}),
            )
            if names
        ]
        text = f"{key} differs, {'; '.join(parts)}"
    return f"{text} ({_MEANING[key]})" if key in _MEANING else text


class Journal:
    """An append-only record of one tuning run.

    Args:
        path: the SQLite file.
        run: what identifies the run (task, method, seed, space, direction); resuming checks it.
        resume: continue the run recorded at ``path``; where there is no journal yet, a new run starts there,
            with a warning (so one command both starts a run and resumes it, and a mistyped path is noticed).
            Without it, an existing journal is an error, so a finished run is never overwritten by accident.
        equivalent: for a key of ``run``, other values that identify the same run when a journal records them
            (e.g. the spelling of options that earlier versions recorded); a new journal records ``run``'s.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        run: Mapping[str, Any],
        *,
        resume: bool = False,
        equivalent: Mapping[str, Sequence[Any]] | None = None,
    ) -> None:
        if not os.fspath(path).strip():  # Path("") is the current folder
            raise JournalError("The journal path is empty; a journal is a file (e.g. 'run.db').")
        self.path = Path(path)
        if self.path.is_dir():
            raise JournalError(
                f"The journal path {str(self.path)!r} is a folder; a journal is a file (e.g. "
                f"{str(self.path / 'run.db')!r})."
            )
        exists = self.path.exists() and self.path.stat().st_size > 0
        if exists and not _is_sqlite(self.path):
            raise JournalError(
                f"{str(self.path)!r} exists and is not an rl_hpo journal (not an SQLite file); choose another path."
            )
        if exists and not resume:
            raise JournalError(
                f"The journal {str(self.path)!r} exists already; resume it to continue that run (--resume; in "
                "Python, resume=True), or choose another path."
            )
        if resume and not exists:
            # stacklevel 4: the caller of rl_hpo.tune (tune -> _run -> Journal)
            warnings.warn(f"There is no journal at {str(self.path)!r} to resume: a new run starts there.", stacklevel=4)
        try:
            expected = {"format": json.dumps(_FORMAT), **{k: _dumps(v, sort_keys=True) for k, v in run.items()}}
            self._equivalent = {k: {_dumps(v, sort_keys=True) for v in vs} for k, vs in (equivalent or {}).items()}
        except TypeError as err:
            raise JournalError(
                f"This run cannot be journaled: a journal stores its settings and configurations as JSON, and {err} "
                "(is a categorical choice something other than a number, string, bool, None or a list of them?)."
            ) from None
        if not self.path.parent.is_dir():
            what = "is a file, not a folder" if self.path.parent.exists() else "does not exist; create it first"
            raise JournalError(f"The journal's folder {str(self.path.parent)!r} {what}.")
        self._lock = _OwnerLock(self.path)
        try:
            self._db = sqlite3.connect(self.path, isolation_level=None)
            if not self._lock.acquired:
                raise JournalBusyError(
                    f"The journal {str(self.path)!r} is in use by another run ({self._owner()}); wait for it to "
                    "finish or stop it, then resume."
                )
            self.run = self._open(expected)
        except sqlite3.DatabaseError as err:
            self.close()
            self._lock.discard()  # a file that is no journal keeps no lock file beside it
            raise JournalError(f"{str(self.path)!r} is not a readable rl_hpo journal ({err}).") from None
        except BaseException:
            self.close()
            raise

    def _open(self, expected: dict[str, str]) -> dict[str, Any]:
        """Create the tables or check the recorded run against ``expected`` (the run's settings as JSON);
        returns the run's settings."""
        self._db.execute("PRAGMA synchronous=FULL")
        self._check_tables()
        self._db.execute("CREATE TABLE IF NOT EXISTS run (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS trials (trial INTEGER PRIMARY KEY, config TEXT NOT NULL, fidelity REAL,"
            " score REAL, cost REAL NOT NULL, decision_s REAL NOT NULL, budget_fraction REAL NOT NULL,"
            " error TEXT, info TEXT NOT NULL)"
        )
        self._db.execute("CREATE TABLE IF NOT EXISTS owner (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        self._db.execute("CREATE TABLE IF NOT EXISTS plan (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        with self._db:
            self._db.executemany("INSERT OR REPLACE INTO owner VALUES (?, ?)", _owner().items())
        stored = dict(self._db.execute("SELECT key, value FROM run").fetchall())
        if stored:
            stored_seed = stored.get("seed")
            if expected.get("seed") == "null" and stored_seed is not None:
                expected["seed"] = stored_seed  # a resumed run without a seed takes the recorded one
            for key, values in self._equivalent.items():
                if stored.get(key) in values:
                    expected[key] = stored[key]  # recorded in another spelling of the same run
            diff = sorted(k for k in expected.keys() | stored.keys() if expected.get(k) != stored.get(k))
            if diff:
                details = "; ".join(_difference(k, stored.get(k), expected.get(k)) for k in diff)
                raise JournalError(f"The journal {str(self.path)!r} records another run ({details}).")
        else:
            if expected.get("seed") == "null":  # a journaled run always has a seed, for resuming to replay
                expected["seed"] = json.dumps(secrets.randbelow(2**31))
            with self._db:
                self._db.executemany("INSERT INTO run VALUES (?, ?)", expected.items())
        return {k: json.loads(v) for k, v in expected.items()}

    def _owner(self) -> str:
        """Who holds the journal, as its owner table says."""
        try:
            owner = dict(self._db.execute("SELECT key, value FROM owner").fetchall())
        except sqlite3.DatabaseError:
            owner = {}
        return f"process {owner.get('pid', '?')} on {owner.get('host', '?')}, since {owner.get('since', '?')}"

    @property
    def seed(self) -> int | None:
        return self.run.get("seed")

    def planned_budget(self, budget: float) -> float:
        """The budget the run planned for (``Optimizer.plan``): the one its first session recorded, so that a resumed
        run, whatever budget it is given now, replays and goes on as that session decided; ``budget`` where the
        journal records none yet (a new run, or one journaled before runs recorded it), which is then recorded."""
        row = self._db.execute("SELECT value FROM plan WHERE key = 'budget'").fetchone()
        if row is not None:
            return float(json.loads(row[0]))
        with self._db:
            self._db.execute("INSERT INTO plan VALUES ('budget', ?)", (json.dumps(float(budget)),))
        return float(budget)

    def close(self) -> None:
        if hasattr(self, "_db"):
            self._db.close()
        self._lock.release()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing ----------------------------------------------------------------------------------
    def record(self, history: History, trial: Trial, result: Result) -> None:
        """Commit the last trial of ``history`` (an ``Optimizer.optimize`` callback)."""
        self.record_all(history.records[-1:])

    def record_all(self, records: Sequence[TrialRecord]) -> None:
        """Commit finished trials in one transaction (e.g. those of a run that starts its journal midway)."""
        rows = [
            (
                r.trial,
                _dumps(r.config),
                r.fidelity,
                None if r.failed else r.score,
                r.cost,
                r.decision_s,
                r.budget_fraction,
                r.error,
                json.dumps(r.info, default=str),
            )
            for r in records
        ]
        with self._db:
            self._db.executemany("INSERT INTO trials VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)

    def _check_tables(self) -> None:
        """Refuse an SQLite database that holds anything but a journal's tables (a user's own database given as the
        journal path would otherwise gain tables, or fail in the replay), or whose pages are damaged (found now,
        before anything is written to it, rather than halfway through reading its trials), raising
        ``sqlite3.DatabaseError``."""
        tables = {name for (name,) in self._db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not tables:
            return  # an empty database: a new journal
        columns = {name for (_, name, *_) in self._db.execute("PRAGMA table_info(trials)")}
        if not ({"run", "trials"} <= tables <= {"run", "trials", "owner", "plan"} and columns >= _TRIAL_COLUMNS):
            raise sqlite3.DatabaseError(f"an SQLite database with the tables {sorted(tables)}, not a journal's")
        problems = [str(row[0]) for row in self._db.execute("PRAGMA quick_check")]  # every page read once
        if problems != ["ok"]:
            raise sqlite3.DatabaseError(f"damaged: {'; '.join(problems[:3])}")

    # -- reading ----------------------------------------------------------------------------------
    def rows(self) -> list[dict[str, Any]]:
        cursor = self._db.execute("SELECT * FROM trials ORDER BY trial")
        names = [c[0] for c in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]

    def sessions(self) -> list[tuple[float, float]]:
        """The sessions of a run in rounds (``tune(..., workers=N)``): each one's start (the evaluations used when its
        first new round was asked) and budget, in order; empty for a run one trial at a time."""
        row = self._db.execute("SELECT value FROM plan WHERE key = 'sessions'").fetchone()
        return [(float(a), float(b)) for a, b in json.loads(row[0])] if row is not None else []

    def begin_session(self, start: float, budget: float) -> None:
        """Record that a session of a run in rounds asks its first new round at ``start`` evaluations used and goes
        on to ``budget``, so that replaying cuts its rounds as it did (``replay``)."""
        sessions = [*self.sessions(), (float(start), float(budget))]
        with self._db:
            self._db.execute("INSERT OR REPLACE INTO plan VALUES ('sessions', ?)", (json.dumps(sessions),))

    def resume(self, optimizer: Optimizer, task: Task, budget: float, *, batch: int = 1) -> tuple[History, list[Trial]]:
        """Continue the journal's run with ``optimizer`` (made with the journal's seed) up to ``budget``.

        Plans the optimizer for the budget the run's first session planned for (``planned_budget``), replays the
        journal into a new history (``replay``) and, for a run in rounds of ``batch`` that goes on, records where this
        session's first new round starts (``begin_session``). Returns the history and the trials of the round the
        run stopped in that were never told: go on with ``optimizer.optimize(task, budget, history=history,
        pending=untold, batch=batch, callback=journal.record)``.
        """
        # before the replay, as optimize() does before a first trial: a plan steers a policy's decisions
        optimizer.plan(self.planned_budget(budget))
        history = History.for_task(task, method=optimizer.name, seed=self.seed)
        untold = self.replay(optimizer, task, history, batch=batch)
        if batch > 1 and history.budget_used < budget - 1e-9:  # where its first new round starts, after the untold
            self.begin_session(history.budget_used + sum(task.budget_fraction(t.fidelity) for t in untold), budget)
        return history, untold

    def replay(self, optimizer: Optimizer, task: Task, history: History, *, batch: int = 1) -> list[Trial]:
        """Bring ``optimizer`` and ``history`` to the state recorded in the journal, evaluating nothing.

        A run whose trials were asked ``batch`` at a time (``tune(..., workers=batch)``) is replayed in the same
        rounds, each session's cut at its own budget (``sessions``), as ``Optimizer.optimize`` asked them. Returns
        the trials of the last round that the run stopped before telling, asked again and left pending: the run
        goes on by evaluating them (``optimize(..., pending=...)``), as it would have without the stop.
        """
        rows = list(self.rows())
        if batch == 1:
            for row in rows:
                trial = optimizer.ask()
                if trial.id < row["trial"]:  # one trial after another: the journal's ids go 0, 1, 2, ...
                    raise JournalError(
                        f"The journal {str(self.path)!r} has no trial {trial.id}, though it holds trial {row['trial']}:"
                        " a trial was removed outside rl_hpo; start a new journal."
                    )
                self._replay_trial(optimizer, trial, row, history)
            return []
        sessions = self.sessions()
        told = 0
        untold: list[Trial] = []
        while told < len(rows):
            if untold:  # a round's trials were left untold, and yet the journal goes on
                raise JournalError(
                    f"Resuming {str(self.path)!r} diverged at trial {rows[told]['trial']}: trial {untold[0].id} of "
                    f"its round was never told. The method or its settings changed since the run was recorded; "
                    "start a new journal."
                )
            planned = history.budget_used
            cap = next((b for a, b in reversed(sessions) if a <= planned + 1e-9), None)
            asked: list[Trial] = []
            while cap is not None and len(asked) < batch and planned < cap - 1e-9:
                asked.append(optimizer.ask())
                planned += task.budget_fraction(asked[-1].fidelity)
            if not asked:
                raise JournalError(
                    f"Resuming {str(self.path)!r}: the journal holds {len(rows) - told} trials past the budgets its "
                    f"sessions recorded ({sessions}); it is not a run of this method in rounds of {batch}."
                )
            for trial in asked:
                if told < len(rows) and rows[told]["trial"] <= trial.id:
                    self._replay_trial(optimizer, trial, rows[told], history)
                    told += 1
                else:  # the recorded run stopped before telling it
                    untold.append(trial)
        return untold

    def _replay_trial(self, optimizer: Optimizer, trial: Trial, row: Mapping[str, Any], history: History) -> None:
        """Tell ``optimizer`` the recorded result of ``trial`` (journal row ``row``), after checking it is the trial
        the journal recorded."""
        config, result, decision_s, budget_fraction = self._recorded(row)
        proposed = json.loads(_dumps(trial.config))  # as JSON stores it: tuples as lists, numpy as plain numbers
        if trial.id != row["trial"] or proposed != config or _fidelity_differs(trial.fidelity, row["fidelity"]):
            raise JournalError(
                f"Resuming {str(self.path)!r} diverged at trial {row['trial']}: the method proposed "
                f"{trial.config} where the journal has {config}. The method or its settings changed since the "
                "run was recorded; start a new journal."
            )
        optimizer.tell(trial, result)
        history.add(trial, result, decision_s=decision_s, budget_fraction=budget_fraction)

    def _recorded(self, row: Mapping[str, Any]) -> tuple[Any, Result, float, float]:
        """A journal row's configuration, result, decision time and budget fraction. A row changed outside rl_hpo
        (text that is not JSON, a number that is not one) raises ``JournalError`` naming the journal and the trial."""
        try:
            config, info = json.loads(row["config"]), json.loads(row["info"])
            if not isinstance(info, dict):
                raise TypeError(f"its info is {type(info).__name__}, not an object")
            if row["error"] is not None:
                info["error"] = str(row["error"])
            score = float("nan") if row["score"] is None else float(row["score"])
            result = Result(score, float(row["cost"]), info)
            return config, result, float(row["decision_s"]), float(row["budget_fraction"])
        except (TypeError, ValueError) as err:
            raise JournalError(
                f"Trial {row['trial']} of the journal {str(self.path)!r} cannot be read ({err}): the file was changed "
                "outside rl_hpo. Start a new journal, or repair that row."
            ) from None


class _OwnerLock:
    """An exclusive ``flock`` on ``<journal>.lock`` for as long as a run uses the journal, so that a second run
    on the same journal (two ``--resume`` at once) is refused instead of writing the same trials. The operating
    system releases it when the process ends, even by ``kill -9``, so it never goes stale. A file of its own:
    closing a descriptor of the journal itself would drop SQLite's POSIX locks on it in this process. Where
    ``fcntl`` is missing (Windows) there is no lock."""

    def __init__(self, path: Path) -> None:
        self._fd: int | None = None
        self.acquired = True
        self._path = path.with_name(path.name + ".lock")
        self._created = False
        if fcntl is None:
            return
        self._created = not self._path.exists()
        self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.acquired = False
            self.release()
        except OSError as err:  # e.g. a file system without locks: run unguarded rather than not at all
            self.release()
            warnings.warn(
                f"Cannot lock the journal {str(path)!r} ({err}); two runs could use it at once.", stacklevel=3
            )

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor releases the lock
            self._fd = None

    def discard(self) -> None:
        """Remove the lock file this lock created (after ``release``), for a file that is no journal."""
        if self._created:
            with contextlib.suppress(OSError):
                self._path.unlink()
            self._created = False


def remove_journal(path: str | os.PathLike[str]) -> None:
    """Delete a journal no longer needed (its run is saved elsewhere) and the lock file beside it."""
    path = Path(path)
    for file in (path, path.with_name(path.name + ".lock")):
        file.unlink(missing_ok=True)


def _owner() -> dict[str, str]:
    return {
        "pid": str(os.getpid()),
        "host": socket.gethostname(),
        "since": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
    }


def _dumps(value: Any, **kwargs: Any) -> str:
    """``value`` as JSON, numpy scalars and arrays as plain numbers and lists."""
    return json.dumps(value, default=_plain, **kwargs)


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic | np.ndarray):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} {value!r} is not JSON serializable")


def _fidelity_differs(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return (a is None) != (b is None)
    return not math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)


def _is_sqlite(path: Path) -> bool:
    """Whether ``path`` begins with SQLite's file header (every SQLite database does, journals among them)."""
    with open(path, "rb") as f:
        return f.read(16) == b"SQLite format 3\x00"
