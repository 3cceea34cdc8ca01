"""The on-disk layout of a benchmark study, written so that an interrupted run loses nothing.

::

    DIR/
      run.json          settings (what makes results comparable) and provenance (one entry per session)
      cells/            one JSON file per finished (method, task, seed) cell: the run's evaluations; and
                        while a long cell runs, its journal (rl_hpo.bench.cell_journal)
      bounds.json       the score bounds used for regret, per task (stored, observed, raised)
      trials.csv        every evaluation of every cell, assembled from cells/
      summary.csv       method,budget,regret_mean,regret_sem,rank_mean
      report.md, *.png  the report and its plots

Every file is written to a temporary name in the same folder and moved into place with ``os.replace``
(atomic on POSIX and Windows), so a killed run leaves either the whole file or none of it. A cell is one
file named after its key, so re-running can neither duplicate nor lose one: finished cells are skipped,
unfinished ones run again (from their journal's last finished trial where they had run long enough to keep
one). One bench process per folder at a time: ``Study.lock`` holds ``DIR/.lock`` while a bench runs, and a
second one is refused (``StudyBusyError``).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import socket
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import quote

import numpy as np

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no advisory locks there, one process per folder is on the user
    fcntl = None  # type: ignore[assignment]

from rl_hpo.exceptions import RLHPOError
from rl_hpo.journal import remove_journal

__all__ = [
    "CELL_FORMAT",
    "PLOT_FILES",
    "RUN_FORMAT",
    "CellKey",
    "Study",
    "StudyBusyError",
    "StudySettingsError",
    "atomic_open",
    "atomic_path",
    "atomic_write_text",
    "normalize",
    "to_json",
]

CELL_FORMAT = "rl_hpo.bench.cell/1"
RUN_FORMAT = "rl_hpo.bench.run/1"
#: The plots written beside report.md.
PLOT_FILES = {
    "evaluations": "regret_vs_evaluations.png",
    "time": "regret_vs_time.png",
    "rank": "rank_vs_budget.png",
}


class StudySettingsError(RLHPOError, ValueError):
    """A study folder that already holds a run with other settings (or is not a study folder)."""


class StudyBusyError(RLHPOError, RuntimeError):
    """Another bench process is running into the same study folder."""


@dataclass(frozen=True, order=True)
class CellKey:
    """One run of the study: ``method`` on ``task`` with ``seed``."""

    method: str
    task: str
    seed: int

    @property
    def filename(self) -> str:
        # Percent-encoding keeps the name unambiguous and reversible whatever a task or method is called
        # ("yahpo/lcbench/167190" -> "yahpo%2Flcbench%2F167190").
        return f"{quote(self.method, safe='')}__{quote(self.task, safe='')}__{self.seed}.json"

    def __str__(self) -> str:
        return f"{self.method} on {self.task}, seed {self.seed}"


def _plain(value: Any) -> Any:
    """JSON fallback for numpy scalars and arrays, paths and other values."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    return repr(value)


def to_json(obj: Any, *, indent: int | None = None) -> str:
    """JSON text of ``obj``; NaN is written as ``NaN`` (Python's reader takes it back exactly)."""
    return json.dumps(obj, default=_plain, indent=indent, allow_nan=True)


def normalize(obj: Any) -> Any:
    """``obj`` as it reads back from JSON (tuples become lists, numpy scalars plain numbers)."""
    return json.loads(to_json(obj))


def _new_temporary_file(path: Path) -> Path:
    """Create an empty file with a fresh name beside ``path``, its mode following the umask as ``open`` does.

    ``tempfile.mkstemp`` would create it 0600, and ``os.replace`` would carry that mode over to the result.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        tmp = path.parent / f".{path.name}.{secrets.token_hex(6)}.tmp"
        try:
            fd = os.open(tmp, flags, 0o666)  # the umask applies, as for any file the user creates
        except FileExistsError:
            continue
        os.close(fd)
        return tmp
    raise FileExistsError(f"Found no free temporary name beside {str(path)!r} in 100 tries.")


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """A temporary path beside ``path`` that replaces ``path`` when the block ends without an exception.

    Readers see the old file or the whole new one, never a part; on an exception the temporary file is
    deleted. For writers that want a file name (``savefig``); ``atomic_open`` gives a text handle.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _new_temporary_file(path)
    try:
        yield tmp
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())  # the data must be on disk before the rename makes it visible
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike[str]) -> Iterator[TextIO]:
    """Open ``path`` for writing text atomically (see ``atomic_path``)."""
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8", newline="") as f:
        yield f


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` to ``path`` atomically (see ``atomic_open``)."""
    with atomic_open(path) as f:
        f.write(text)


class Study:
    """A study folder: settings, finished cells and the files assembled from them.

    Args:
        path: the folder (created when missing).
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    @property
    def run_json(self) -> Path:
        return self.path / "run.json"

    @property
    def cells_dir(self) -> Path:
        return self.path / "cells"

    @property
    def bounds_json(self) -> Path:
        return self.path / "bounds.json"

    @property
    def trials_csv(self) -> Path:
        return self.path / "trials.csv"

    @property
    def summary_csv(self) -> Path:
        return self.path / "summary.csv"

    @property
    def report_md(self) -> Path:
        return self.path / "report.md"

    def plot_paths(self) -> list[Path]:
        """The plots of the report (``PLOT_FILES``), whether written or not."""
        return [self.path / name for name in PLOT_FILES.values()]

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the folder's lock for the block: a second process that asks for it meanwhile is refused.

        Two bench processes on one folder would run the same cells twice and write run.json over each
        other. The lock is an advisory ``flock`` on ``DIR/.lock``, released by the operating system when
        the process ends, however it ends, so a killed run never leaves the folder locked. A folder that
        the block created and left empty is removed again (a refused command leaves nothing behind).

        Raises:
            StudyBusyError: if another process holds the lock.
        """
        created = not self.path.exists()
        self.path.mkdir(parents=True, exist_ok=True)
        lock_file = self.path / ".lock"
        try:
            with open(lock_file, "a+", encoding="utf-8") as f:
                if fcntl is not None:
                    try:
                        fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                    except BlockingIOError:
                        f.seek(0)
                        holder = f.read().strip() or "another process"
                        raise StudyBusyError(
                            f"{self.path} is in use by another rl-hpo bench ({holder}); wait for it to end, "
                            "or pass another --out."
                        ) from None
                f.seek(0)
                f.truncate()
                f.write(f"pid {os.getpid()} on {socket.gethostname()}\n")
                f.flush()
                yield
        finally:
            if created and not any(p.name != ".lock" for p in self.path.iterdir()):
                lock_file.unlink(missing_ok=True)
                self.path.rmdir()

    # -- settings and provenance ------------------------------------------------------------------
    def read_run(self) -> dict[str, Any] | None:
        """The contents of ``run.json``, or None when the folder holds no study yet.

        Raises:
            StudySettingsError: if ``run.json`` is not readable JSON.
        """
        if not self.run_json.exists():
            return None
        try:
            return json.loads(self.run_json.read_text(encoding="utf-8"))
        except ValueError as err:
            raise StudySettingsError(
                f"{self.run_json} is not readable ({err}); restore it, or pass a new --out directory."
            ) from None

    def check(self, settings: Mapping[str, Any], *, redo: Iterable[str] = ()) -> None:
        """Raise ``StudySettingsError`` if ``open(settings)`` would refuse the study once the methods of
        ``redo`` are dropped; changes nothing."""
        run = self.read_run()
        if run is None:
            self._refuse_a_folder_without_a_study()
            return
        old = _without_methods(run.get("settings") or {}, set(redo))
        new = normalize(dict(settings))
        if old != new and not _extends(old, new):
            raise StudySettingsError(self._mismatch_message(old, new))

    def open(self, settings: Mapping[str, Any], session: Mapping[str, Any]) -> dict[str, Any]:
        """Start or resume the study with ``settings``; record ``session`` (provenance) in run.json.

        Raises:
            StudySettingsError: if the folder holds a study with other settings, or cells without run.json.
                Adding methods or seeds to a study is allowed: its finished cells stay, the new cells run (every
                method at the new seeds, the new methods at every seed). So is leaving a method out (one whose
                cells fail, say): its cells stay in cells/, and the study is the other methods'.
        """
        settings = normalize(dict(settings))
        run = self.read_run()
        if run is None:
            self._refuse_a_folder_without_a_study()
            run = {"format": RUN_FORMAT, "settings": settings, "sessions": []}
        elif run.get("settings") != settings:
            old = run.get("settings") or {}
            if not _extends(old, settings):
                raise StudySettingsError(self._mismatch_message(old, settings))
            # the same study with more methods or seeds: the finished cells stay valid, only the new ones run
            redone = session.get("redone_methods") or []
            added = [m for m in settings["methods"] if m not in old["methods"] and m not in redone]
            if added:
                session = {**session, "added_methods": added}
            dropped = [m for m in old["methods"] if m not in settings["methods"]]
            if dropped:
                session = {**session, "dropped_methods": dropped}
            added_seeds = [k for k in settings["seeds"] if k not in old["seeds"]]
            if added_seeds:
                session = {**session, "added_seeds": added_seeds}
            run["settings"] = settings
        run["sessions"] = [*run.get("sessions", []), normalize(dict(session))]
        self.path.mkdir(parents=True, exist_ok=True)
        atomic_write_text(self.run_json, to_json(run, indent=2) + "\n")
        return run

    def _refuse_a_folder_without_a_study(self) -> None:
        if self.cells_dir.exists() and any(self.cells_dir.glob("*.json")):
            raise StudySettingsError(
                f"{self.path} holds cells/ but no run.json, so its settings are unknown; "
                "pass a new --out directory (or restore run.json)."
            )
        others = (
            sorted(p.name for p in self.path.iterdir() if p.name not in (".lock", "cells"))
            if self.path.is_dir()
            else []
        )
        if others:  # a study writes its files over these: another tool's output, notes, a training folder
            shown = ", ".join(others[:4]) + (", ..." if len(others) > 4 else "")
            raise StudySettingsError(
                f"{self.path} holds other files ({shown}) and no study (run.json); pass a new or empty --out directory."
            )

    def drop_methods(self, methods: Iterable[str]) -> list[str]:
        """Discard the finished cells of ``methods`` and their settings, so that they run again.

        A method whose implementation or policy changed is re-run this way while the other methods' cells
        stay. Returns the methods that were in the study.
        """
        run = self.read_run()
        if run is None:
            return []
        settings = run.get("settings") or {}
        dropped = [m for m in methods if m in (settings.get("methods") or [])]
        if not dropped:
            return []
        for method in dropped:
            for cell in self.cells_dir.glob(f"{quote(method, safe='')}__*.json"):
                cell.unlink()
            for journal in self.cells_dir.glob(f"{quote(method, safe='')}__*.journal"):  # a running cell's trials
                remove_journal(journal)
        run["settings"] = _without_methods(settings, set(dropped))
        atomic_write_text(self.run_json, to_json(run, indent=2) + "\n")
        return dropped

    def _mismatch_message(self, old: Mapping[str, Any], new: Mapping[str, Any]) -> str:
        absent = {"batch": 1}  # what a setting left out of a study's identity means (run_bench leaves batch 1 out)
        diffs = [
            f"{key}: {_short(old.get(key, absent.get(key)))} there, {_short(new.get(key, absent.get(key)))} now"
            for key in sorted(set(old) | set(new))
            if old.get(key) != new.get(key)
        ]
        old_methods, new_methods = old.get("methods") or [], new.get("methods") or []
        if old_methods != new_methods and sorted(old_methods) == sorted(new_methods):
            diffs.append(f"the same methods in another order: list them as --methods {','.join(old_methods)}")
        hints = [
            "Re-run with the settings of its run.json to resume it, or pass a new --out directory for a new study."
        ]
        if {"policy_hashes", "method_options"} & {k for k in set(old) | set(new) if old.get(k) != new.get(k)}:
            hints.append(
                "After retraining a policy or changing a method's options, --redo METHOD runs that method again."
            )
        if not any(self.cells_dir.glob("*.json")):
            hints.append("No cell of it has finished: deleting the folder loses nothing.")
        return f"{self.path} already holds a study with other settings ({'; '.join(diffs)}). " + " ".join(hints)

    # -- cells --------------------------------------------------------------------------------------
    def cell_path(self, key: CellKey) -> Path:
        return self.cells_dir / key.filename

    def save_cell(self, key: CellKey, record: Mapping[str, Any]) -> None:
        """Write one finished cell atomically."""
        atomic_write_text(self.cell_path(key), to_json({"format": CELL_FORMAT, **record}))

    def finished(self, keys: Iterable[CellKey]) -> set[CellKey]:
        """Which of ``keys`` have a complete cell file."""
        return {key for key in keys if self._read_cell(key) is not None}

    def cell_commits(self, method: str | None = None) -> set[str | None]:
        """The git commits the finished cells (of ``method``, or of all) were run at (None for a cell that
        does not say)."""
        commits: set[str | None] = set()
        pattern = "*.json" if method is None else f"{quote(method, safe='')}__*.json"
        for path in self.cells_dir.glob(pattern):
            try:
                commits.add(json.loads(path.read_text(encoding="utf-8")).get("git_commit"))
            except (OSError, ValueError):
                continue  # unreadable: it runs again
        return commits

    def load_cell(self, key: CellKey) -> dict[str, Any]:
        record = self._read_cell(key)
        if record is None:
            raise FileNotFoundError(f"Cell ({key}) is not finished in {self.path}; run the bench to complete it.")
        return record

    def _read_cell(self, key: CellKey) -> dict[str, Any] | None:
        path = self.cell_path(key)
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError):  # unreadable (e.g. a disk that filled up): run the cell again
            return None
        ok = record.get("format") == CELL_FORMAT and (record.get("method"), record.get("task"), record.get("seed")) == (
            key.method,
            key.task,
            key.seed,
        )
        return record if ok else None

    def remove_temporaries(self) -> None:
        """Delete temporary files left by a killed run (they are never read)."""
        for folder in (self.path, self.cells_dir):
            if folder.exists():
                for tmp in folder.glob(".*.tmp"):
                    tmp.unlink(missing_ok=True)


def _without_methods(settings: Mapping[str, Any], methods: set[str]) -> dict[str, Any]:
    """Study settings with ``methods`` (and their options and policy hashes) taken out."""
    out = dict(settings)
    if "methods" in out:
        out["methods"] = [m for m in out["methods"] if m not in methods]
    for key in ("method_options", "policy_hashes"):
        if isinstance(out.get(key), Mapping):
            out[key] = {m: v for m, v in out[key].items() if m not in methods}
    return out


def _extends(old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
    """Whether ``new`` is the study ``old`` with methods added or left out, more seeds, or both (all else, per
    method kept too, unchanged), so that every finished cell of a method ``new`` keeps is a cell of ``new``. A
    method left out keeps its cells in cells/ (naming it again reuses them); the report is over the others."""
    per_method = ("methods", "method_options", "policy_hashes")
    if any(old.get(k) != new.get(k) for k in set(old) | set(new) if k not in (*per_method, "seeds")):
        return False
    old_methods, new_methods = set(old.get("methods") or []), set(new.get("methods") or [])
    old_seeds, new_seeds = set(old.get("seeds") or []), set(new.get("seeds") or [])
    if not old_seeds <= new_seeds or not new_methods or (old_methods, old_seeds) == (new_methods, new_seeds):
        return False
    kept = old_methods & new_methods
    return all((old.get(key) or {}).get(m) == (new.get(key) or {}).get(m) for key in per_method[1:] for m in kept)


def _short(value: Any, limit: int = 80) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= limit else text[: limit - 3] + "..."
