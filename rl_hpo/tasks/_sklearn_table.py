"""Tabulated sklearn tasks: random configurations evaluated once, cached on disk, served in microseconds.

A table holds ``n_configs`` random configurations of one pipeline (the same configurations on every dataset
of the same task type, for a given seed) and their cross-validated scores and measured costs at each of
``fidelities``. It is stored as ``<cache>/sklearn/<pipeline>__<dataset>__<key>.npz`` (arrays: ``unit``,
``scores``, ``costs``) with a ``.json`` beside it (what was evaluated, how, and with which versions), loaded
with ``allow_pickle=False``. The key hashes everything that determines the numbers (pipeline, data
fingerprint, configurations, folds, metric, fidelity kind and values, scikit-learn version), so a change
rebuilds the table instead of serving stale scores. An interrupted build resumes where it stopped.

Fidelity kind: a table is built for one kind, ``subsample`` (default) or ``iterations`` (see
``rl_hpo.tasks.sklearn``), recorded as ``"fidelity"`` in the ``.json``. An ``iterations`` table has its own
key and the file name ``<pipeline>__<dataset>__iterations__<key>``, so it is never served for a subsample
request nor the other way round; a ``subsample`` table keeps the key and name of tables written before the
kind existed, and a ``.json`` without ``"fidelity"`` is a subsample table.

Serving: a query point is mapped to the nearest tabulated configuration in the unit cube (after snapping
integers and categories to their bins and inactive parameters to 0.5), so the task is piecewise constant
and its bounds are exact: the worst and best scores of the table at the highest fidelity. A move near an
evaluated point therefore often returns that point's score: on sklearn/all's train and validation tables about
30% of the candidate design's choices at evaluations 6 to 10 land on an entry evaluated already, against 2 to 4%
of uniform draws (``benchmarks/early_phase/table_repeats.py``), so a table understates what local moves gain live.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import time
import zlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from rl_hpo.space import Categorical, Float, SearchSpace
from rl_hpo.tasks.base import Fidelity, Result, ScoreBounds, Task

__all__ = ["TabulatedSklearnTask", "build_table", "canonical_unit", "check_fidelities", "default_cache_dir"]

_FORMAT = 1
_log = logging.getLogger("rl_hpo.tasks.sklearn")


def default_cache_dir() -> Path:
    """``$RL_HPO_CACHE`` if set, else ``~/.cache/rl_hpo``."""
    env = os.environ.get("RL_HPO_CACHE")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "rl_hpo"


def canonical_unit(space: SearchSpace, u: np.ndarray) -> np.ndarray:
    """``encode(decode(u))`` for many points at once: bin centres for integers and categories, 0.5 for
    inactive parameters, clipped coordinates for floats."""
    u = np.atleast_2d(np.asarray(u, dtype=float))
    values, active = space.decode_numeric(u)
    out = np.full(u.shape, 0.5)
    for j, param in enumerate(space.values()):
        if isinstance(param, Float):
            col = np.clip(u[:, j], 0.0, 1.0)
        elif isinstance(param, Categorical):
            col = (values[:, j] + 0.5) / len(param.choices)
        else:
            uniq, inverse = np.unique(values[:, j], return_inverse=True)
            col = np.array([param.to_unit(int(v)) for v in uniq])[inverse.reshape(-1)]
        out[:, j] = np.where(active[:, j], col, 0.5)
    return out


class TabulatedSklearnTask(Task):
    """A sklearn task served from a table of evaluated configurations (nearest-configuration lookup).

    Build one with ``tabulate(...)`` or ``load_task("sklearn/<pipeline>/<dataset>", tabulated=True)``; load a
    stored table with ``TabulatedSklearnTask.load(path)``.

    Attributes:
        unit: the table's configurations as canonical cube points, shape (n, d).
        scores, costs: shape (n, n_fidelities); NaN scores mark configurations whose fit failed.
        fidelities: the tabulated fractions (of the ``fidelity_name`` kind), increasing.
        fidelity_name: the fidelity kind, "subsample" or "iterations" (``meta["fidelity"]``, default subsample).
        meta: what the table holds and how it was made (the ``.json`` side-car).
    """

    def __init__(
        self,
        name: str,
        space: SearchSpace,
        unit: np.ndarray,
        scores: np.ndarray,
        costs: np.ndarray,
        fidelities: Sequence[float],
        meta: Mapping[str, Any] | None = None,
    ) -> None:
        from scipy.spatial import cKDTree

        self.name = name
        self.space = space
        self.unit = np.asarray(unit, dtype=float)
        self.scores = np.asarray(scores, dtype=float).reshape(len(self.unit), -1)
        self.costs = np.asarray(costs, dtype=float).reshape(len(self.unit), -1)
        self.fidelities = tuple(float(f) for f in fidelities)
        if self.unit.ndim != 2 or self.unit.shape[1] != space.dim or self.scores.shape[1] != len(self.fidelities):
            raise ValueError(
                f"A table needs unit (n, {space.dim}) and scores (n, {len(self.fidelities)}); "
                f"got {self.unit.shape} and {self.scores.shape}."
            )
        self.meta = dict(meta or {})
        self.fidelity_name = str(self.meta.get("fidelity", "subsample"))
        self.fidelity = (
            Fidelity(self.fidelity_name, self.fidelities[0], self.fidelities[-1]) if len(self.fidelities) > 1 else None
        )
        top = self.scores[:, -1]
        ok = np.isfinite(top)
        if not ok.any():
            raise ValueError(f"Every configuration of the table {name!r} failed; there is nothing to serve.")
        self.bounds = ScoreBounds(worst=float(top[ok].min()), best=float(top[ok].max()))
        self._tree = cKDTree(self.unit)

    # -- persistence --------------------------------------------------------------------------------
    @classmethod
    def load(cls, path: str | Path) -> TabulatedSklearnTask:
        """Load a table from its ``.npz`` or ``.json`` path (no pickle involved)."""
        path = Path(path)
        meta = json.loads(path.with_suffix(".json").read_text())
        if meta.get("format") != _FORMAT or meta.get("n_done") != meta.get("n_configs"):
            raise ValueError(f"{str(path)!r} is not a complete table of format {_FORMAT}; rebuild it with tabulate().")
        with np.load(path.with_suffix(".npz"), allow_pickle=False) as arrays:
            unit, scores, costs = arrays["unit"], arrays["scores"], arrays["costs"]
        space = SearchSpace.from_dict(meta["space"])
        return cls(meta["name"], space, unit, scores, costs, meta["fidelities"], meta)

    # -- serving ------------------------------------------------------------------------------------
    def _column(self, fidelity: float | None) -> int:
        if fidelity is None:
            return len(self.fidelities) - 1
        if self.fidelity is None:
            raise ValueError(
                f"Task {self.name!r} was tabulated at one fidelity only, got fidelity={fidelity!r}; pass None "
                "or tabulate with several fidelities."
            )
        lo, hi = self.fidelity.low, self.fidelity.high
        if not (lo - 1e-9 <= float(fidelity) <= hi + 1e-9):
            raise ValueError(
                f"The fidelity {self.fidelity.name!r} must lie in [{lo:g}, {hi:g}]. Got {fidelity!r} instead."
            )
        # the nearest tabulated fraction on a log scale (fractions are ratios)
        return int(np.argmin(np.abs(np.log(self.fidelities) - np.log(float(fidelity)))))

    def budget_fraction(self, fidelity: float | None) -> float:
        """The share of a full evaluation that the tabulated fidelity serving ``fidelity`` (the nearest) cost: a
        request at 0.333 that the 1.0 column serves is a full evaluation, charged and counted as one."""
        try:
            served = self.fidelities[self._column(fidelity)]
        except ValueError:  # a fidelity the table refuses: its trial failed, charged as asked
            return super().budget_fraction(fidelity)
        return 1.0 if self.fidelity is None else served / self.fidelity.high

    def lookup(self, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Indices of the nearest tabulated configurations of cube points ``u`` (n, d), and the distances."""
        dist, idx = self._tree.query(canonical_unit(self.space, u), k=1)
        return np.asarray(idx, dtype=np.intp).reshape(-1), np.asarray(dist, dtype=float).reshape(-1)

    def evaluate_unit(self, u: np.ndarray, fidelity: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        col = self._column(fidelity)
        idx, _ = self.lookup(u)
        return self.scores[idx, col].copy(), self.costs[idx, col].copy()

    def evaluate(self, config: Mapping[str, Any], fidelity: float | None = None) -> Result:
        col = self._column(fidelity)
        idx, dist = self.lookup(self.space.encode(config)[None, :])
        i = int(idx[0])
        info = {"table_index": i, "distance": float(dist[0]), self.fidelity_name: self.fidelities[col]}
        score = float(self.scores[i, col])
        if not np.isfinite(score):
            return Result(float("nan"), float(self.costs[i, col]), {**info, "error": "this configuration failed"})
        return Result(score, float(self.costs[i, col]), info)

    def table_configs(self) -> list[dict[str, Any]]:
        """The tabulated configurations."""
        return self.space.decode_batch(self.unit)


def _stable_id(text: str) -> int:
    return zlib.crc32(text.encode())


def _save(stem: Path, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
    """Write the ``.npz`` and then the ``.json`` atomically (a reader never sees half a file)."""
    stem.parent.mkdir(parents=True, exist_ok=True)
    for suffix, write in (
        # numpy's stub lets a ** splat fill savez's allow_pickle flag; these arrays never take that name.
        (".npz", lambda f: np.savez(f, **arrays)),  # type: ignore[arg-type]
        (".json", lambda f: f.write(json.dumps(meta, indent=1, sort_keys=True).encode())),
    ):
        fd, tmp = tempfile.mkstemp(dir=stem.parent, prefix=stem.name, suffix=suffix + ".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                write(f)
            os.replace(tmp, stem.with_suffix(suffix))
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def check_fidelities(fidelities: Sequence[float], kind: str) -> tuple[float, ...]:
    fids = tuple(sorted({float(f) for f in fidelities}))
    if not fids or fids[0] < 0.1 or fids[-1] > 1.0:
        raise ValueError(f"fidelities must be {kind} fractions in [0.1, 1]. Got {list(fidelities)!r} instead.")
    return fids


def build_table(live: Any, n_configs: int, fids: tuple[float, ...], root: Path, progress: bool) -> TabulatedSklearnTask:
    """Evaluate (or finish evaluating) the table of the live ``SklearnTask`` ``live`` and serve it."""
    import sklearn

    space: SearchSpace = live.space
    rng = np.random.default_rng([live.seed, _stable_id(live.pipeline), _stable_id(live.task_type)])
    unit = canonical_unit(space, space.sample_unit(n_configs, rng))
    key = {
        "format": _FORMAT,
        "pipeline": live.pipeline,
        "dataset": live.data.name,
        "data": live.data.fingerprint(),
        "task_type": live.task_type,
        "n_configs": n_configs,
        "seed": live.seed,
        "cv": live.cv,
        "metric": live.metric,
        "fidelities": list(fids),
        "space": space.to_dict(),
        "sklearn": ".".join(sklearn.__version__.split(".")[:2]),
    }
    kind = live.fidelity.name
    tag = ""
    if kind != "subsample":  # a subsample table keeps the key and file name it had before kinds existed
        key["fidelity"] = kind
        tag = f"__{kind}"
    digest = hashlib.sha256(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()[:12]
    stem = root / "sklearn" / f"{live.pipeline}__{live.data.name}{tag}__{digest}"
    meta: dict[str, Any] = {**key, "fidelity": kind, "name": live.name, "n_done": 0}
    scores = np.full((n_configs, len(fids)), np.nan)
    costs = np.full((n_configs, len(fids)), np.nan)
    if stem.with_suffix(".json").is_file() and stem.with_suffix(".npz").is_file():
        try:
            old = json.loads(stem.with_suffix(".json").read_text())
            with np.load(stem.with_suffix(".npz"), allow_pickle=False) as arrays:
                if np.array_equal(arrays["unit"], unit):
                    scores, costs = arrays["scores"].copy(), arrays["costs"].copy()
                    meta["n_done"] = int(old["n_done"])
        except (OSError, ValueError, KeyError) as err:  # a damaged file is rebuilt, not trusted
            _log.warning("Ignoring the unreadable table %s (%s); rebuilding it.", stem, err)
    start_row = meta["n_done"]
    if start_row < n_configs:
        _log.warning(
            "Tabulating %d configurations of %s (from %d; once, cached in %s).", n_configs, live.name, start_row, stem
        )
        configs = space.decode_batch(unit)
        bar = None
        if progress:
            from tqdm.auto import tqdm

            bar = tqdm(total=n_configs, initial=start_row, desc=f"tabulating {live.name}", unit="config", leave=False)
        last_save = time.monotonic()
        checkpoint = max(1, n_configs // 20)
        try:
            for row in range(start_row, n_configs):
                for col, fid in enumerate(fids):
                    result = live.evaluate(configs[row], None if fid >= 1.0 else fid)
                    scores[row, col], costs[row, col] = result.score, result.cost
                meta["n_done"] = row + 1
                if bar is not None:
                    bar.update(1)
                if (row + 1) % checkpoint == 0 or time.monotonic() - last_save > 60:
                    _save(stem, meta, {"unit": unit, "scores": scores, "costs": costs})
                    last_save = time.monotonic()
        finally:
            if bar is not None:
                bar.close()
        _save(stem, meta, {"unit": unit, "scores": scores, "costs": costs})
    return TabulatedSklearnTask(live.name, space, unit, scores, costs, fids, meta)
