"""Score bounds of YAHPO instances for normalized regret: shipped data, else a deterministic estimate.

Bounds are scores (higher is better, minimized outputs negated) at the highest fidelity, keyed by
``scenario / objective / instance``:

- ``rl_hpo/data/yahpo_bounds.json`` (package data, read-only): estimated by ``scripts/estimate_yahpo_bounds.py``
  from a large random sample, the corners and edges of the space and long CMA-ES runs.
- For an instance or objective the package file lacks, ``YahpoTask.estimate_bounds`` computes a
  deterministic estimate (a seeded random sample and the cube's corners). ``<cache>/yahpo_bound_estimates.json``
  (``<cache>`` = ``$RL_HPO_CACHE`` or ``~/.cache/rl_hpo``) memoizes it under its sample size and seed, so that it
  is computed once per machine; the memo holds nothing that depends on which runs came before.

A study that sees a run beat a bound raises it for that study only (``rl_hpo.bench.trials``, recorded in the
study's ``bounds.json``); nothing is written back here, so a result never depends on what ran before on the
machine.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import tempfile
import threading
import warnings
from collections.abc import Callable, Iterator, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from rl_hpo.tasks.base import ScoreBounds

__all__ = ["CACHE_ENV_VAR", "bounds_cache_file", "memoized_estimate", "shipped_bounds"]

CACHE_ENV_VAR = "RL_HPO_CACHE"
_FILE = "yahpo_bounds.json"
_ESTIMATES_FILE = "yahpo_bound_estimates.json"
_MEMO: dict[tuple[str, ...], ScoreBounds] = {}
_MEMO_LOCK = threading.Lock()


def bounds_cache_file() -> Path:
    """The memo of estimated bounds: ``$RL_HPO_CACHE/yahpo_bound_estimates.json`` or ``~/.cache/rl_hpo/...``."""
    root = os.environ.get(CACHE_ENV_VAR, "").strip() or "~/.cache/rl_hpo"
    return Path(root).expanduser() / _ESTIMATES_FILE


@functools.cache
def _packaged() -> dict[str, Any]:
    text = resources.files("rl_hpo").joinpath("data", _FILE).read_text(encoding="utf-8")
    return json.loads(text)


def _read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as err:
        warnings.warn(
            f"Ignoring the unreadable memo of estimated bounds {str(path)!r} ({err}); delete it to rebuild.",
            stacklevel=3,
        )
        return {}
    return data if isinstance(data, dict) else {}


def _entry(data: Mapping[str, Any], scenario: str, objective: str, instance: str) -> Mapping[str, Any] | None:
    entry = data.get(scenario, {}).get(objective, {}).get(instance)
    return entry if isinstance(entry, Mapping) else None


def shipped_bounds(scenario: str, objective: str, instance: str) -> ScoreBounds | None:
    """The bounds the package ships for an instance and objective, or None."""
    entry = _entry(_packaged(), scenario, objective, str(instance))
    return None if entry is None else ScoreBounds(float(entry["worst"]), float(entry["best"]))


def memoized_estimate(key: tuple[str, ...], estimate: Callable[[], ScoreBounds]) -> ScoreBounds:
    """``estimate()`` (a deterministic function of ``key``), computed once per machine: read from the memo file
    when it holds ``key``, else computed and written there (a warning, and no memo, where it cannot be written)."""
    cache = bounds_cache_file()
    name = "/".join(key)
    with _MEMO_LOCK:
        if (str(cache), *key) in _MEMO:
            return _MEMO[(str(cache), *key)]
    entry = _read(cache).get(name)
    if isinstance(entry, Mapping) and {"worst", "best"} <= set(entry):
        bounds = ScoreBounds(float(entry["worst"]), float(entry["best"]))
    else:
        bounds = estimate()
        try:
            with _locked(cache):
                data = _read(cache)
                data[name] = {"worst": bounds.worst, "best": bounds.best}
                _write_atomic(cache, data)
        except OSError as err:
            warnings.warn(
                f"Cannot write the memo of estimated bounds {str(cache)!r} ({err}); set {CACHE_ENV_VAR} to a writable "
                "folder to estimate each instance once.",
                stacklevel=3,
            )
    with _MEMO_LOCK:
        _MEMO[(str(cache), *key)] = bounds
    return bounds


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock across processes (parallel benchmark workers) where the platform has flock."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: best effort without a lock
        yield
        return
    with open(path.with_suffix(".lock"), "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _write_atomic(path: Path, data: Mapping[str, Any]) -> None:
    # A reader in another process must never see a half-written file.
    fd, tmp = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=1, default=_json_default)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _json_default(value: Any) -> Any:
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    raise TypeError(f"Cannot store {value!r} of type {type(value).__name__} in the memo of estimated bounds.")


def _forget() -> None:
    """Drop the in-process memo (tests, or after another process wrote the cache)."""
    with _MEMO_LOCK:
        _MEMO.clear()
