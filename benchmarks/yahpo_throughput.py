"""Throughput of the YAHPO surrogate tasks: configurations per second by batch size, and one evaluate() call.

Measures ``YahpoTask.evaluate_unit`` (cube points in, scores and costs out: decoding, input encoding and
the onnxruntime call) on one core (``n_threads=1``) for batch sizes 1, 100, 1,000 and 10,000, and the
latency of a single ``evaluate(config)`` (validation included).

Usage:
    RL_HPO_YAHPO_DATA=../shared/benchmarks/yahpo_data python benchmarks/yahpo_throughput.py
    python benchmarks/yahpo_throughput.py --scenario rbv2_xgboost --instance 6 --data-dir PATH

Recorded on the 2-core shared development machine (onnxruntime CPU, one thread, yahpo_data v1.0.2), with
``python benchmarks/yahpo_throughput.py --data-dir ../shared/benchmarks/yahpo_data [--scenario rbv2_xgboost]``;
other jobs shared the cores, so rates vary by up to a factor 2 between runs:

    configs/s by batch size      1        100      1,000    10,000   single evaluate()
    lcbench (3945)               5,200    66,000   69,000   63,000   250 us
    rbv2_xgboost (16)            2,600    38,000   50,000   47,000   235 us

A single row costs far more per configuration (decoding and the onnxruntime call have a fixed cost of
about 100 us each): batch across environments or seeds where possible.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from dataclasses import dataclass

import numpy as np

from rl_hpo.tasks._yahpo_data import load_scenario
from rl_hpo.tasks.yahpo import YahpoTask


@dataclass
class Settings:
    scenario: str = "lcbench"
    """YAHPO scenario."""
    instance: str | None = None
    """Instance id; default: the scenario's first instance."""
    data_dir: str | None = None
    """YAHPO data folder; default: $RL_HPO_YAHPO_DATA."""
    n_threads: int = 1
    """onnxruntime threads."""
    seconds: float = 1.0
    """Minimum measuring time per batch size."""
    seed: int = 0
    """Seed of the random cube points."""


def _parse() -> Settings:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    defaults = Settings()
    parser.add_argument("--scenario", default=defaults.scenario)
    parser.add_argument("--instance", default=defaults.instance)
    parser.add_argument("--data-dir", default=defaults.data_dir)
    parser.add_argument("--n-threads", type=int, default=defaults.n_threads)
    parser.add_argument("--seconds", type=float, default=defaults.seconds)
    parser.add_argument("--seed", type=int, default=defaults.seed)
    return Settings(**vars(parser.parse_args()))


def _rate(task: YahpoTask, u: np.ndarray, seconds: float) -> float:
    """Configurations per second: the median of repeated timed passes over ``u``."""
    task.evaluate_unit(u)  # warm-up: session creation, first-call allocations
    rates: list[float] = []
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline or len(rates) < 3:
        start = time.perf_counter()
        task.evaluate_unit(u)
        rates.append(len(u) / (time.perf_counter() - start))
    return statistics.median(rates)


def main() -> None:
    cfg = _parse()
    instance = cfg.instance or load_scenario(cfg.scenario, cfg.data_dir).instances[0]
    task = YahpoTask(cfg.scenario, instance, data_dir=cfg.data_dir, n_threads=cfg.n_threads)
    rng = np.random.default_rng(cfg.seed)
    print(f"# {task.name}, {task.space.dim} parameters, n_threads={cfg.n_threads}, pid {os.getpid()}")
    print(f"{'batch':>8} {'configs/s':>12} {'us/config':>10}")
    for batch in (1, 100, 1_000, 10_000):
        rate = _rate(task, rng.random((batch, task.space.dim)), cfg.seconds)
        print(f"{batch:>8} {rate:>12,.0f} {1e6 / rate:>10.1f}")

    configs = task.space.sample(200, seed=cfg.seed)
    task.evaluate(configs[0])
    times = []
    for config in configs:
        start = time.perf_counter()
        task.evaluate(config)
        times.append(time.perf_counter() - start)
    print(f"single evaluate(config): median {statistics.median(times) * 1e6:.0f} us over {len(times)} calls")


if __name__ == "__main__":
    main()
