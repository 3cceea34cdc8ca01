"""Environment steps per second of ``TuningEnv`` on one core (target: >= 5,000 on a YAHPO lcbench task).

Measures, on one process with onnxruntime and torch limited to one thread:

- ``single``: one ``TuningEnv`` stepped with random actions (one surrogate call per step);
- ``single+config``: the same with the decoded configuration in ``info`` (the default);
- ``vec-N``: ``TuningVecEnv`` with N sub-environments on the same task, one batched call per step;
- ``vec-N-2groups``: N sub-environments in two groups, each group tuning one task of the suite's train
  split (two batched calls per step; the setting used for training);
- ``vec-N-mixed``: N sub-environments drawing tasks from the suite's train split independently.

Usage::

    RL_HPO_YAHPO_DATA=/path/to/yahpo_data nice python benchmarks/env_throughput.py \\
        [--task yahpo/lcbench/167190] [--suite yahpo/lcbench] [--steps 20000] [--n-envs 8]

Prints one line per setting: steps per second, the median of ``--repeats`` runs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np


def _rate(run: Callable[[], int], repeats: int) -> float:
    rates = []
    for _ in range(repeats):
        start = time.perf_counter()
        n = run()
        rates.append(n / (time.perf_counter() - start))
    return statistics.median(rates)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", default="yahpo/lcbench/167190", help="task for the single-task settings")
    parser.add_argument("--suite", default="yahpo/lcbench", help="suite for the mixed-task setting (train split)")
    parser.add_argument("--steps", type=int, default=20_000, help="environment steps per run")
    parser.add_argument("--n-envs", type=int, default=8, help="sub-environments of the vectorized settings")
    parser.add_argument("--repeats", type=int, default=3, help="runs per setting (the median is reported)")
    args = parser.parse_args(argv)

    import torch

    torch.set_num_threads(1)
    from rl_hpo.envs import TuningEnv, TuningVecEnv

    rng = np.random.default_rng(0)
    actions = rng.uniform(-1, 1, (args.steps, 17)).astype(np.float32)

    def single(config_in_info: bool) -> Callable[[], int]:
        env = TuningEnv([args.task], config_in_info=config_in_info)
        env.reset(seed=0)

        def run() -> int:
            for a in actions:
                *_, truncated, _ = env.step(a)
                if truncated:
                    env.reset()
            return len(actions)

        return run

    def vectorized(source: list[str] | str, groups: int | None) -> Callable[[], int]:
        venv = TuningVecEnv(args.n_envs, n_task_groups=groups, task_sampler=source, config_in_info=False)
        venv.seed(0)
        venv.reset()
        n_calls = args.steps // args.n_envs
        batch = rng.uniform(-1, 1, (n_calls, args.n_envs, 17)).astype(np.float32)

        def run() -> int:
            for a in batch:
                venv.step(a)
            return n_calls * args.n_envs

        return run

    settings: dict[str, Callable[[], int]] = {
        "single": single(False),
        "single+config": single(True),
        f"vec-{args.n_envs}": vectorized([args.task], 1),
        f"vec-{args.n_envs}-2groups": vectorized(args.suite, 2),
        f"vec-{args.n_envs}-mixed": vectorized(args.suite, None),
    }
    print(f"task={args.task} suite={args.suite} steps={args.steps} n_envs={args.n_envs} (1 thread)")
    for name, run in settings.items():
        run()  # warm up: loads tasks and fills caches
        print(f"{name:>16}: {_rate(run, args.repeats):9.0f} steps/s")


if __name__ == "__main__":
    main()
