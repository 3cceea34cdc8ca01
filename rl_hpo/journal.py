"""Durable runs: a journal that records every finished trial, and resuming from it.

The journal is an SQLite file. Each finished trial is committed in its own transaction with
``synchronous=FULL``, so a trial that was told survives a crash or ``kill -9`` of the process.

Resuming replays the journal: a new optimizer with the run's seed is asked for its trials again, and
each one that the journal holds is told its recorded result instead of being evaluated. Every method in
rl_hpo is deterministic given its seed, so the replayed trials are the recorded ones; a run started
without a seed records the seed it drew. If a replayed trial ever differs from the journal (a method
that is not deterministic, or code that changed in between), resuming stops with an error rather than
mixing two runs. A trial that was asked but not finished when the run died is evaluated again.
"""

from __future__ import annotations

import json
import math
import os
import sqlite3
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from rl_hpo.exceptions import RLHPOError
from rl_hpo.history import History
from rl_hpo.optimizer import Optimizer, Trial
from rl_hpo.tasks.base import Result, Task

__all__ = ["Journal", "JournalError"]

_FORMAT = 1


class JournalError(RLHPOError, ValueError):
    """A journal that cannot be used for this run (exists already, other settings, diverging replay)."""


class Journal:
    """An append-only record of one tuning run.

    Args:
        path: the SQLite file.
        run: what identifies the run (task, method, seed, space, direction); resuming checks it.
        resume: continue the run recorded at ``path``. Without it, an existing journal is an error, so a
            finished run is never overwritten by accident.
    """

    def __init__(self, path: str | os.PathLike[str], run: Mapping[str, Any], *, resume: bool = False) -> None:
        self.path = Path(path)
        exists = self.path.exists() and self.path.stat().st_size > 0
        if exists and not resume:
            raise JournalError(
                f"The journal {str(self.path)!r} exists already; pass resume=True (--resume) to continue that run, "
                "or choose another path."
            )
        if self.path.parent and not self.path.parent.exists():
            raise JournalError(f"The journal's folder {str(self.path.parent)!r} does not exist; create it first.")
        try:
            self._db = sqlite3.connect(self.path, isolation_level=None)
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute("CREATE TABLE IF NOT EXISTS run (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS trials (trial INTEGER PRIMARY KEY, config TEXT NOT NULL, fidelity REAL,"
                " score REAL, cost REAL NOT NULL, decision_s REAL NOT NULL, budget_fraction REAL NOT NULL,"
                " error TEXT, info TEXT NOT NULL)"
            )
            stored = dict(self._db.execute("SELECT key, value FROM run").fetchall())
        except sqlite3.DatabaseError as err:
            raise JournalError(f"{str(self.path)!r} is not a readable rl_hpo journal ({err}).") from None
        expected = {"format": json.dumps(_FORMAT), **{k: json.dumps(v, sort_keys=True) for k, v in run.items()}}
        if stored:
            stored_seed = stored.get("seed")
            if run.get("seed") is None and stored_seed is not None:
                expected["seed"] = stored_seed  # a resumed run without a seed takes the recorded one
            diff = sorted(k for k in expected.keys() | stored.keys() if expected.get(k) != stored.get(k))
            if diff:
                details = "; ".join(f"{k}: journal has {stored.get(k)}, this run has {expected.get(k)}" for k in diff)
                raise JournalError(f"The journal {str(self.path)!r} records another run ({details}).")
        else:
            with self._db:
                self._db.executemany("INSERT INTO run VALUES (?, ?)", expected.items())
        self.run = {k: json.loads(v) for k, v in expected.items()}

    @property
    def seed(self) -> int | None:
        return self.run.get("seed")

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing ----------------------------------------------------------------------------------
    def record(self, history: History, trial: Trial, result: Result) -> None:
        """Commit the last trial of ``history`` (an ``Optimizer.optimize`` callback)."""
        r = history.records[-1]
        with self._db:
            self._db.execute(
                "INSERT INTO trials VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    r.trial,
                    json.dumps(r.config),
                    r.fidelity,
                    None if r.failed else r.score,
                    r.cost,
                    r.decision_s,
                    r.budget_fraction,
                    r.error,
                    json.dumps(r.info, default=str),
                ),
            )

    # -- reading ----------------------------------------------------------------------------------
    def rows(self) -> list[dict[str, Any]]:
        cursor = self._db.execute("SELECT * FROM trials ORDER BY trial")
        names = [c[0] for c in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]

    def replay(self, optimizer: Optimizer, task: Task, history: History) -> History:
        """Bring ``optimizer`` and ``history`` to the state recorded in the journal, evaluating nothing."""
        for row in self.rows():
            trial = optimizer.ask()
            config = json.loads(row["config"])
            if trial.id != row["trial"] or trial.config != config or _fidelity_differs(trial.fidelity, row["fidelity"]):
                raise JournalError(
                    f"Resuming {str(self.path)!r} diverged at trial {row['trial']}: the method proposed "
                    f"{trial.config} where the journal has {config}. The method or its settings changed since the "
                    "run was recorded; start a new journal."
                )
            info = json.loads(row["info"])
            if row["error"] is not None:
                info["error"] = row["error"]
            score = float("nan") if row["score"] is None else float(row["score"])
            result = Result(score, float(row["cost"]), info)
            optimizer.tell(trial, result)
            history.add(trial, result, decision_s=row["decision_s"], budget_fraction=row["budget_fraction"])
        return history


def _fidelity_differs(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return (a is None) != (b is None)
    return not math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)
