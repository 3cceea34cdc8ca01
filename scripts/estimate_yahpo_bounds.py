"""Estimate the worst and best scores of YAHPO instances for normalized regret.

A random sample alone underestimates the best score: the best lcbench configurations lie on edges of the
space, and optimizers find configurations better than the best of 100,000 random ones
(benchmarks/README.md). Per instance, at the highest fidelity, this script therefore takes the best over
all of the following, and the worst over the first two (the space-filling ones):

1. a uniform random sample of the unit cube (``--n-random``; 100,000 by default, 50,000 for rbv2_*);
2. the corners of the space (every extreme of the numeric parameters times every categorical choice; a
   random subset of ``--max-corners`` where there are more) and points along the edges through the best
   corners (each numeric coordinate swept over ``--edge-points`` values);
3. CMA-ES runs (Hansen 2016, "The CMA Evolution Strategy: A Tutorial") on the cube, restarted from the
   ``--restarts`` best distinct points found so far, points clipped to the cube so that the search can sit
   on edges;
   then ``--global-restarts`` IPOP-style runs (wider step, doubling population) from the incumbent;
4. a coordinate-wise polish of the best point (each coordinate swept over a grid, repeated while it helps).

It writes ``rl_hpo/data/yahpo_bounds.json`` (``--out``), merging with what is there: an entry keeps the
higher best and the lower worst of the old and the new estimate. Scores are higher-is-better (minimized
outputs negated).

Usage (the shipped file; the lcbench entries merge two runs, the second with more, wider restarts):
    python scripts/estimate_yahpo_bounds.py --data-dir ../shared/benchmarks/yahpo_data \\
        --scenario lcbench --scenario rbv2_xgboost --scenario iaml_glmnet
    python scripts/estimate_yahpo_bounds.py --data-dir ../shared/benchmarks/yahpo_data --scenario lcbench \\
        --restarts 24 --cma-evals 8000 --cma-sigma 0.2 --seed 1
"""

from __future__ import annotations

import argparse
import datetime
import itertools
import json
import math
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

import rl_hpo
from rl_hpo.space import Categorical
from rl_hpo.tasks._yahpo_data import load_scenario
from rl_hpo.tasks.yahpo import YahpoTask, default_objective

_DEFAULT_OUT = Path(__file__).resolve().parents[1] / "rl_hpo" / "data" / "yahpo_bounds.json"


@dataclass
class Settings:
    scenario: list[str] = field(default_factory=lambda: ["lcbench", "rbv2_xgboost", "iaml_glmnet"])
    """Scenarios to estimate (repeat the option)."""
    objective: str | None = None
    """Output to bound; default: the scenario's default objective."""
    instances: list[str] | None = None
    """Restrict to these instance ids."""
    data_dir: str | None = None
    """YAHPO data folder; default: $RL_HPO_YAHPO_DATA."""
    out: str = str(_DEFAULT_OUT)
    """Bounds file to merge the estimates into."""
    n_random: int | None = None
    """Random configurations per instance; default 100,000 (50,000 for rbv2_*)."""
    max_corners: int = 20_000
    """Most corners evaluated per instance (a random subset where the space has more)."""
    edge_starts: int = 32
    """Best corners whose edges are swept."""
    edge_points: int = 17
    """Points per edge sweep."""
    restarts: int = 8
    """CMA-ES runs per instance, each from one of the best distinct points."""
    cma_popsize: int = 24
    """CMA-ES population size."""
    cma_sigma: float = 0.1
    """CMA-ES initial step size in the unit cube."""
    cma_evals: int = 3_600
    """Evaluations per CMA-ES run at most."""
    global_restarts: int = 2
    """CMA-ES runs from the incumbent with a wide step and a doubling population after the local ones."""
    global_sigma: float = 0.3
    """Initial step size of those runs."""
    polish_points: int = 33
    """Grid points per coordinate in the final polish."""
    seed: int = 0
    """Seed of every random choice."""
    replace: bool = False
    """Overwrite existing entries instead of merging with them."""


def _parse(argv: Sequence[str] | None) -> Settings:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    d = Settings()
    parser.add_argument("--scenario", action="append", default=None, help="repeatable; default: the three split ones")
    parser.add_argument("--objective", default=d.objective)
    parser.add_argument("--instances", nargs="*", default=d.instances)
    parser.add_argument("--data-dir", default=d.data_dir)
    parser.add_argument("--out", default=d.out)
    for name in (
        "n_random",
        "max_corners",
        "edge_starts",
        "edge_points",
        "restarts",
        "cma_popsize",
        "cma_evals",
        "global_restarts",
        "polish_points",
        "seed",
    ):
        parser.add_argument("--" + name.replace("_", "-"), type=int, default=getattr(d, name))
    parser.add_argument("--cma-sigma", type=float, default=d.cma_sigma)
    parser.add_argument("--global-sigma", type=float, default=d.global_sigma)
    parser.add_argument("--replace", action="store_true")
    args = vars(parser.parse_args(argv))
    if args["scenario"] is None:
        args["scenario"] = d.scenario
    return Settings(**args)


class _Counter:
    """The objective on cube points, counting evaluations and tracking the best and worst."""

    def __init__(self, task: YahpoTask) -> None:
        self.task = task
        self.n = 0
        self.best = -math.inf
        self.best_u: np.ndarray | None = None
        self.worst = math.inf

    def __call__(self, u: np.ndarray) -> np.ndarray:
        u = np.clip(np.atleast_2d(u), 0.0, 1.0)
        scores, _ = self.task.evaluate_unit(u)
        self.n += len(u)
        i = int(np.argmax(scores))
        if scores[i] > self.best:
            self.best, self.best_u = float(scores[i]), u[i].copy()
        self.worst = min(self.worst, float(np.min(scores)))
        return scores


def _extremes(task: YahpoTask) -> list[np.ndarray]:
    """Per coordinate, its extreme cube values: 0 and 1, or the centre of every categorical choice."""
    out = []
    for p in task.space.values():
        if isinstance(p, Categorical):
            k = len(p.choices)
            out.append((np.arange(k) + 0.5) / k)
        else:
            out.append(np.array([0.0, 1.0]))
    return out


def _corners(task: YahpoTask, max_corners: int, rng: np.random.Generator) -> np.ndarray:
    ext = _extremes(task)
    total = math.prod(len(e) for e in ext)
    if total <= max_corners:
        return np.array(list(itertools.product(*ext)), dtype=float)
    return np.column_stack([e[rng.integers(0, len(e), max_corners)] for e in ext])


def _edges(task: YahpoTask, starts: np.ndarray, n_points: int) -> np.ndarray:
    grid = np.linspace(0.0, 1.0, n_points)
    numeric = [j for j, p in enumerate(task.space.values()) if not isinstance(p, Categorical)]
    rows = []
    for s in starts:
        for j in numeric:
            block = np.repeat(s[None, :], n_points, axis=0)
            block[:, j] = grid
            rows.append(block)
    return np.vstack(rows) if rows else np.empty((0, task.space.dim))


def _distinct_best(points: np.ndarray, scores: np.ndarray, k: int, min_dist: float = 0.1) -> list[np.ndarray]:
    chosen: list[np.ndarray] = []
    for i in np.argsort(-scores):
        if all(np.max(np.abs(points[i] - c)) >= min_dist for c in chosen):
            chosen.append(points[i])
            if len(chosen) == k:
                break
    return chosen


def cma_es(
    f: Callable[[np.ndarray], np.ndarray],
    x0: np.ndarray,
    sigma: float,
    popsize: int,
    max_evals: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, float]:
    """Maximize ``f`` (batched over rows) by CMA-ES from ``x0``; returns the best point and value.

    The standard (mu/mu_w, lambda)-CMA-ES of Hansen's tutorial (2016), default weights and learning rates.
    """
    n = len(x0)
    lam = max(4, popsize)
    mu = lam // 2
    w = np.log(mu + 0.5) - np.log(np.arange(1, mu + 1))
    w /= w.sum()
    mueff = 1.0 / np.sum(w**2)
    cc = (4 + mueff / n) / (n + 4 + 2 * mueff / n)
    cs = (mueff + 2) / (n + mueff + 5)
    c1 = 2 / ((n + 1.3) ** 2 + mueff)
    cmu = min(1 - c1, 2 * (mueff - 2 + 1 / mueff) / ((n + 2) ** 2 + mueff))
    damps = 1 + 2 * max(0.0, math.sqrt((mueff - 1) / (n + 1)) - 1) + cs
    chi_n = math.sqrt(n) * (1 - 1 / (4 * n) + 1 / (21 * n**2))
    m = np.asarray(x0, dtype=float).copy()
    pc, ps = np.zeros(n), np.zeros(n)
    B, D, C = np.eye(n), np.ones(n), np.eye(n)
    best_x, best_f = m.copy(), float(f(m[None, :])[0])
    evals, gen, stale = 1, 0, 0
    while evals + lam <= max_evals:
        z = rng.standard_normal((lam, n))
        y = z @ (B * D).T
        x = m + sigma * y
        fx = f(np.clip(x, 0.0, 1.0))
        evals += lam
        gen += 1
        order = np.argsort(-fx)
        if fx[order[0]] > best_f + 1e-12:
            best_f, best_x, stale = float(fx[order[0]]), np.clip(x[order[0]], 0.0, 1.0), 0
        else:
            stale += 1
        y_sel = y[order[:mu]]
        y_w = w @ y_sel
        # The mean may leave the cube a little (points are clipped), not drift away from it.
        m = np.clip(m + sigma * y_w, -0.2, 1.2)
        inv_sqrt_c = B @ np.diag(1 / D) @ B.T
        ps = (1 - cs) * ps + math.sqrt(cs * (2 - cs) * mueff) * (inv_sqrt_c @ y_w)
        hsig = np.linalg.norm(ps) / math.sqrt(1 - (1 - cs) ** (2 * gen)) / chi_n < 1.4 + 2 / (n + 1)
        pc = (1 - cc) * pc + hsig * math.sqrt(cc * (2 - cc) * mueff) * y_w
        C = (1 - c1 - cmu) * C + c1 * (np.outer(pc, pc) + (1 - hsig) * cc * (2 - cc) * C) + cmu * (y_sel.T * w) @ y_sel
        sigma *= math.exp((cs / damps) * (np.linalg.norm(ps) / chi_n - 1))
        C = (C + C.T) / 2
        d2, B = np.linalg.eigh(C)
        D = np.sqrt(np.maximum(d2, 1e-20))
        if sigma * D.max() < 1e-6 or stale > 60 + 30 * n // lam or sigma > 10:
            break
    return best_x, best_f


def _polish(f: _Counter, u: np.ndarray, n_points: int, rounds: int = 6) -> None:
    grid = np.linspace(0.0, 1.0, n_points)
    best_u, best = u.copy(), float(f(u[None, :])[0])
    for _ in range(rounds):
        rows = []
        for j in range(len(u)):
            block = np.repeat(best_u[None, :], n_points, axis=0)
            block[:, j] = grid
            rows.append(block)
        cand = np.vstack(rows)
        scores = f(cand)
        i = int(np.argmax(scores))
        if scores[i] <= best + 1e-12:
            break
        best_u, best = cand[i].copy(), float(scores[i])


def estimate(task: YahpoTask, cfg: Settings, n_random: int, rng: np.random.Generator) -> dict[str, Any]:
    """The bounds entry of one instance (see the module docstring)."""
    f = _Counter(task)
    d = task.space.dim
    u_rand = rng.random((n_random, d))
    s_rand = f(u_rand)
    best_random = float(np.max(s_rand))
    corners = _corners(task, cfg.max_corners, rng)
    s_corners = f(corners)
    starts = corners[np.argsort(-s_corners)[: cfg.edge_starts]]
    edges = _edges(task, starts, cfg.edge_points)
    s_edges = f(edges) if len(edges) else np.empty(0)
    # The worst bound comes from the space-filling points only: CMA-ES's wide steps would make it depend on
    # the search's accidents.
    worst = f.worst
    pool = np.vstack([u_rand, corners, edges])
    pool_scores = np.concatenate([s_rand, s_corners, s_edges])
    for x0 in _distinct_best(pool, pool_scores, cfg.restarts):
        cma_es(f, x0, cfg.cma_sigma, cfg.cma_popsize, cfg.cma_evals, rng)
    # IPOP-style restarts from the incumbent: a wider step and a doubling population escape the basin
    # the local runs converged to (Auger & Hansen 2005).
    for k in range(cfg.global_restarts):
        assert f.best_u is not None
        popsize = cfg.cma_popsize * 2 ** (k + 1)
        cma_es(f, f.best_u, cfg.global_sigma, popsize, cfg.cma_evals * 2 ** (k + 1), rng)
    assert f.best_u is not None
    _polish(f, f.best_u, cfg.polish_points)
    assert f.best_u is not None
    return {
        "worst": worst,
        "best": f.best,
        "best_random": best_random,
        "n_evaluations": f.n,
        "best_config": task.space.decode(f.best_u),
    }


def _merge(old: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, Any]:
    if old is None:
        return new
    out = dict(new)
    out["worst"] = min(float(old["worst"]), new["worst"])
    if float(old["best"]) > new["best"]:
        out["best"], out["best_config"] = float(old["best"]), old.get("best_config")
    return out


def main(argv: Sequence[str] | None = None) -> None:
    cfg = _parse(argv)
    out = Path(cfg.out)
    data: dict[str, Any] = json.loads(out.read_text(encoding="utf-8")) if out.is_file() else {}
    meta = data.setdefault("_meta", {})
    meta["description"] = (
        "Score bounds (higher is better; minimized outputs negated) per scenario / objective / instance at the "
        "highest fidelity (repl 10 where the scenario has repl), for normalized regret. worst/best: over a "
        "random sample, the corners and edges of the space, CMA-ES restarts and a coordinate polish; "
        "best_random: the best of the random sample alone (of the latest run). Made by "
        "scripts/estimate_yahpo_bounds.py; runs lists every run merged into this file (an entry keeps the highest "
        "best and lowest worst of its runs)."
    )
    runs = meta.setdefault("runs", {})
    command = "python scripts/estimate_yahpo_bounds.py " + " ".join(sys.argv[1:] if argv is None else argv)
    for scenario in cfg.scenario:
        sc = load_scenario(scenario, cfg.data_dir)
        objective = cfg.objective or default_objective(scenario)
        n_random = cfg.n_random or (50_000 if scenario.startswith("rbv2_") else 100_000)
        instances = [i for i in sc.instances if cfg.instances is None or i in cfg.instances]
        table = data.setdefault(scenario, {}).setdefault(objective, {})
        start = time.perf_counter()
        gains = []
        for k, instance in enumerate(instances):
            # One child seed per instance, so a subset run reproduces the full run's entries.
            seed = np.random.SeedSequence([cfg.seed, sc.instances.index(instance)])
            task = YahpoTask(scenario, instance, data_dir=cfg.data_dir, objective=objective)
            t0 = time.perf_counter()
            entry = estimate(task, cfg, n_random, np.random.default_rng(seed))
            span = entry["best"] - entry["worst"]
            gains.append((entry["best"] - entry["best_random"]) / span if span > 0 else 0.0)
            table[instance] = entry if cfg.replace else _merge(table.get(instance), entry)
            print(
                f"{scenario}/{instance} [{k + 1}/{len(instances)}] worst {entry['worst']:.5g} best {entry['best']:.5g} "
                f"(random best {entry['best_random']:.5g}, +{gains[-1]:.1%} of range) "
                f"{entry['n_evaluations']:,} evals {time.perf_counter() - t0:.1f}s",
                flush=True,
            )
        seconds = time.perf_counter() - start
        runs.setdefault(f"{scenario}/{objective}", []).append(
            {
                "command": command,
                "date": datetime.date.today().isoformat(),
                "rl_hpo_version": rl_hpo.__version__,
                "settings": {k: v for k, v in asdict(cfg).items() if k not in ("scenario", "out", "data_dir")}
                | {"n_random": n_random},
                "instances": len(instances),
                "seconds": round(seconds, 1),
                "mean_gain_over_random": round(float(np.mean(gains)), 4) if gains else None,
                "max_gain_over_random": round(float(np.max(gains)), 4) if gains else None,
            }
        )
        print(
            f"{scenario}: {len(instances)} instances in {seconds:.0f}s; best beyond random: "
            f"mean {np.mean(gains):.1%}, max {np.max(gains):.1%} of the range",
            flush=True,
        )
        out.write_text(json.dumps(data, indent=1, default=_json_default) + "\n", encoding="utf-8")


def _json_default(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"Cannot write {value!r} of type {type(value).__name__} to JSON.")


if __name__ == "__main__":
    main()
