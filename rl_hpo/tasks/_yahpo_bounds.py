"""Score bounds of YAHPO instances for normalized regret: shipped estimates plus a per-user cache.

Bounds are scores (higher is better, minimized outputs negated) at the highest fidelity, keyed by
``scenario / objective / instance``. Two JSON files of the same layout hold them:

- ``rl_hpo/data/yahpo_bounds.json`` (package data): estimated by ``scripts/estimate_yahpo_bounds.py`` from
  a large random sample, the corners and edges of the space and long CMA-ES runs.
- ``<cache>/yahpo_bounds.json`` with ``<cache>`` = ``$RL_HPO_CACHE`` or ``~/.cache/rl_hpo``: bounds computed
  on first use for what the package file lacks, and bounds raised by ``update_bounds`` when a run beats them.

The bounds of an instance are the widest of both: the lower worst and the higher best.
"""

from __future__ import annotations

import contextlib
import functools
import json
import math
import os
import tempfile
import threading
import warnings
from collections.abc import Iterator, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from rl_hpo.tasks.base import ScoreBounds

__all__ = ["CACHE_ENV_VAR", "bounds_cache_file", "stored_bounds", "update_bounds"]

CACHE_ENV_VAR = "RL_HPO_CACHE"
_FILE = "yahpo_bounds.json"
_MEMO: dict[tuple[str, str, str, str], ScoreBounds | None] = {}
_MEMO_LOCK = threading.Lock()


def bounds_cache_file() -> Path:
    """The user cache file of bounds: ``$RL_HPO_CACHE/yahpo_bounds.json`` or ``~/.cache/rl_hpo/...``."""
    root = os.environ.get(CACHE_ENV_VAR, "").strip() or "~/.cache/rl_hpo"
    return Path(root).expanduser() / _FILE


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
            f"Ignoring the unreadable bounds cache {str(path)!r} ({err}); delete it to rebuild.", stacklevel=3
        )
        return {}
    return data if isinstance(data, dict) else {}


def _entry(data: Mapping[str, Any], scenario: str, objective: str, instance: str) -> Mapping[str, Any] | None:
    entry = data.get(scenario, {}).get(objective, {}).get(instance)
    return entry if isinstance(entry, Mapping) else None


def _merge(*entries: Mapping[str, Any] | None) -> ScoreBounds | None:
    worst, best = math.inf, -math.inf
    for e in entries:
        if e is None:
            continue
        worst = min(worst, float(e["worst"]))
        best = max(best, float(e["best"]))
    if not (math.isfinite(worst) and math.isfinite(best)):
        return None
    return ScoreBounds(worst, best)


def stored_bounds(scenario: str, objective: str, instance: str) -> ScoreBounds | None:
    """The stored bounds of an instance (package file and user cache merged), or None if neither has them."""
    cache = bounds_cache_file()
    key = (str(cache), scenario, objective, str(instance))
    with _MEMO_LOCK:
        if key in _MEMO and _MEMO[key] is not None:
            return _MEMO[key]
    bounds = _merge(
        _entry(_packaged(), scenario, objective, str(instance)),
        _entry(_read(cache), scenario, objective, str(instance)),
    )
    with _MEMO_LOCK:
        _MEMO[key] = bounds
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


def update_bounds(
    scenario: str,
    objective: str,
    instance: str,
    best: float,
    worst: float | None = None,
    *,
    config: Mapping[str, Any] | None = None,
) -> ScoreBounds:
    """Widen the stored bounds of an instance with a score a run reached, writing the user cache.

    A run that beats the best bound shows the bound was wrong (BENCHMARK_PROTOCOL.md): call this with its
    best score, then recompute regrets with the returned bounds. Scores are the task's (higher is better).

    Args:
        scenario, objective, instance: the key, e.g. ``("lcbench", "val_accuracy", "167190")``.
        best: a score that was reached; the best bound becomes at least this.
        worst: a score that was reached; the worst bound becomes at most this (optional).
        config: the configuration that reached ``best``, kept beside the bound for reference.

    Returns:
        The new bounds (package file and user cache merged).

    Raises:
        ValueError: for a non-finite score.
    """
    instance = str(instance)
    for label, value in (("best", best), ("worst", worst)):
        if value is not None and not math.isfinite(float(value)):
            raise ValueError(f"update_bounds needs a finite {label} score, got {label}={value!r}.")
    cache = bounds_cache_file()
    with _locked(cache):
        data = _read(cache)
        current = _merge(
            _entry(_packaged(), scenario, objective, instance), _entry(data, scenario, objective, instance)
        )
        new_best = float(best) if current is None else max(current.best, float(best))
        low = float(best) if worst is None else float(worst)
        new_worst = low if current is None else min(current.worst, low)
        entry: dict[str, Any] = {"worst": new_worst, "best": new_best}
        old = _entry(data, scenario, objective, instance) or {}
        if config is not None and (current is None or float(best) > current.best):
            entry["best_config"] = dict(config)
        elif "best_config" in old:
            entry["best_config"] = old["best_config"]
        data.setdefault(scenario, {}).setdefault(objective, {})[instance] = entry
        _write_atomic(cache, data)
    bounds = ScoreBounds(new_worst, new_best)
    with _MEMO_LOCK:
        _MEMO[(str(cache), scenario, objective, instance)] = bounds
    return bounds


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
    if hasattr(value, "item"):  # numpy scalars in configurations
        return value.item()
    raise TypeError(f"Cannot store {value!r} of type {type(value).__name__} in the bounds cache.")


def _forget() -> None:
    """Drop the in-process memo (tests, or after another process wrote the cache)."""
    with _MEMO_LOCK:
        _MEMO.clear()
