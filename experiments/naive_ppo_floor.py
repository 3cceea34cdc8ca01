"""Reproduce the naive PPO floor of FINDINGS.md and measure it exactly as the shipped policies are measured.

FINDINGS.md sets a floor for the shipped policy on lcbench: a deliberately naive PPO set-up, trained for
300,000 steps on the 24 lcbench train datasets, reached regret 0.062 / 0.027 / 0.019 at 10 / 25 / 50
evaluations on the test split. Its numbers used other score bounds than this project's, so they cannot be
compared one-to-one with the head-to-head studies. This script rebuilds that set-up from its description
and scores it with this project's bounds:

- observation: the incumbent (unit-cube coordinates and its score), the last 5 points and their scores,
  the fraction of the budget used; scores standardized within the episode (zeros pad a short history);
- action: a direction in [-1, 1]^d plus one step-scale coordinate mapped log-uniformly to 10^-2 .. 10^0;
  the next point is clip(incumbent + scale * direction, 0, 1);
- reward: the improvement of the best score so far divided by the task's score range (training only);
- SB3 PPO with its default MlpPolicy and settings except n_steps 512 and batch_size 512; 8 environments;
  episodes of 50 evaluations from one random start.

The environment is written here, not taken from ``rl_hpo.envs``: the point is to measure that exact
baseline set-up, not this project's environment.

Two measurements:

- ``cv``: the cross-validation of ``scripts/train_specialist_policy.py`` (train split only, the same
  folds, seeds and bounds), so the naive set-up and a specialist can be compared without the test split;
- ``test``: one naive policy per ``--train-seeds`` seed, trained on the whole train split, tunes the test
  split beside the methods of a recorded ``rl-hpo bench`` study (``--study``, its raw folder). Every run
  is scored under two conventions: the study's bounds (raised where a naive run beats them) and
  FINDINGS.md's (worst and best of 100,000 random configurations, the best raised to the best score any
  run found), so the naive set-up, the study's methods and FINDINGS.md's table can be read side by side.
  For reporting only; nothing is chosen on it.

Usage::

    RL_HPO_YAHPO_DATA=/path/to/yahpo_data python experiments/naive_ppo_floor.py cv --out runs/naive_floor
    benchmarks/head_to_head.sh yahpo/lcbench      # the study it is compared with, in runs/lcbench_head_to_head
    RL_HPO_YAHPO_DATA=/path/to/yahpo_data python experiments/naive_ppo_floor.py test --out runs/naive_floor \\
        --study runs/lcbench_head_to_head --train-seeds 0,1,2

The trained policies' weights are kept as ``policy.pt`` under ``--out`` (loaded with ``weights_only``), so
an interrupted or repeated run reuses them.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path

import gymnasium as gym
import numpy as np
import torch
from gymnasium import spaces
from stable_baselines3 import PPO
from stable_baselines3.common.vec_env import DummyVecEnv

from rl_hpo.tasks import load_suite, load_task
from rl_hpo.tasks.base import ScoreBounds, Task

BUDGETS = (10, 25, 50)
HISTORY = 5


class NaiveTuningEnv(gym.Env[np.ndarray, np.ndarray]):
    """FINDINGS.md's naive tuning environment over tasks that share one search space."""

    def __init__(self, tasks: list[Task], budget: int = 50, min_scale: float = 1e-2, max_scale: float = 1.0) -> None:
        super().__init__()
        self.tasks = tasks
        self.dim = tasks[0].space.dim
        if any(t.space.dim != self.dim for t in tasks):
            raise ValueError("The naive set-up needs tasks of one search space.")
        self.budget = budget
        self.log_min, self.log_ratio = math.log(min_scale), math.log(max_scale / min_scale)
        size = (self.dim + 1) * (1 + HISTORY) + 1
        self.observation_space = spaces.Box(-np.inf, np.inf, (size,), np.float32)
        self.action_space = spaces.Box(-1.0, 1.0, (self.dim + 1,), np.float32)

    def _observation(self) -> np.ndarray:
        y = np.asarray(self.scores)
        z = (y - y.mean()) / y.std() if y.size > 1 and y.std() > 0 else np.zeros_like(y)
        best = int(np.argmax(y))
        parts = [self.points[best], [z[best]]]
        recent = list(range(max(0, len(y) - HISTORY), len(y)))
        for i in recent:
            parts += [self.points[i], [z[i]]]
        parts.append(np.zeros((self.dim + 1) * (HISTORY - len(recent))))
        parts.append([len(y) / self.budget])
        return np.concatenate(parts).astype(np.float32)

    def _evaluate(self, u: np.ndarray) -> None:
        score = float(self.task.evaluate_unit(u[None, :])[0][0])
        self.points.append(u)
        self.scores.append(score if math.isfinite(score) else min(self.scores, default=0.0))

    def reset(self, *, seed: int | None = None, options: dict | None = None) -> tuple[np.ndarray, dict]:
        super().reset(seed=seed)
        self.task = (options or {}).get("task") or self.tasks[int(self.np_random.integers(len(self.tasks)))]
        assert self.task.bounds is not None
        self.span = float(self.task.bounds.best - self.task.bounds.worst)
        self.points: list[np.ndarray] = []
        self.scores: list[float] = []
        self._evaluate(self.np_random.random(self.dim))
        return self._observation(), {}

    def step(self, action: np.ndarray) -> tuple[np.ndarray, float, bool, bool, dict]:
        action = np.clip(action, -1.0, 1.0)
        scale = math.exp(self.log_min + (float(action[-1]) + 1) / 2 * self.log_ratio)
        best_before = max(self.scores)
        incumbent = self.points[int(np.argmax(self.scores))]
        self._evaluate(np.clip(incumbent + scale * action[:-1], 0.0, 1.0))
        reward = (max(self.scores) - best_before) / self.span
        return self._observation(), reward, False, len(self.scores) >= self.budget, {}


def train_naive(task_names: list[str], out: Path, timesteps: int, seed: int) -> PPO:
    """Train, or reuse the weights an earlier run left in ``out/policy.pt`` (read with weights_only)."""
    weights = out / "policy.pt"
    tasks = [load_task(n) for n in task_names]
    venv = DummyVecEnv([lambda: NaiveTuningEnv(tasks) for _ in range(8)])
    venv.seed(seed)
    model = PPO("MlpPolicy", venv, n_steps=512, batch_size=512, seed=seed, device="cpu", verbose=0)
    if weights.is_file():
        print(f"reusing {weights}", flush=True)
        model.policy.load_state_dict(torch.load(weights, weights_only=True))
        return model
    start = time.perf_counter()
    model.learn(timesteps)
    print(f"trained {out} in {(time.perf_counter() - start) / 60:.1f} min", flush=True)
    out.mkdir(parents=True, exist_ok=True)
    torch.save(model.policy.state_dict(), weights)
    return model


def run_policy(model: PPO, task_names: list[str], seeds: int, deterministic: bool) -> dict[str, list[list[float]]]:
    """Task -> per seed, the best score after 10 / 25 / 50 evaluations."""
    best_scores: dict[str, list[list[float]]] = {}
    for name in task_names:
        task = load_task(name)
        env = NaiveTuningEnv([task])
        best_scores[name] = []
        for seed in range(seeds):
            torch.manual_seed(seed)
            obs, _ = env.reset(seed=seed, options={"task": task})
            done = False
            while not done:
                action, _ = model.predict(obs, deterministic=deterministic)
                obs, _, _, done, _ = env.step(action)
            best = np.maximum.accumulate(env.scores)
            best_scores[name].append([float(best[b - 1]) for b in BUDGETS])
    return best_scores


def regret(best_scores: dict[str, list[list[float]]], bounds: dict[str, ScoreBounds]) -> dict:
    """Mean regret at 10 / 25 / 50 over tasks (each the mean over seeds), and per task."""
    per_task = {
        name: dict(zip(BUDGETS, np.mean(bounds[name].regret(np.asarray(runs)), axis=0).tolist()))
        for name, runs in best_scores.items()
    }
    return {"regret": {b: float(np.mean([r[b] for r in per_task.values()])) for b in BUDGETS}, "per_task": per_task}


def random_search_bounds(
    task_names: list[str], raise_to: dict[str, float], n: int = 100_000, seed: int = 0
) -> dict[str, ScoreBounds]:
    """FINDINGS.md's bounds: worst and best of ``n`` random configurations, the best raised to the best
    score any run found (``raise_to``)."""
    bounds = {}
    for name in task_names:
        task = load_task(name)
        scores, _ = task.evaluate_unit(np.random.default_rng(seed).random((n, task.space.dim)))
        scores = scores[np.isfinite(scores)]
        bounds[name] = ScoreBounds(float(scores.min()), max(float(scores.max()), raise_to.get(name, -np.inf)))
    return bounds


def study_best_scores(trials_csv: Path) -> dict[str, dict[str, list[list[float]]]]:
    """Method -> task -> per seed, the best full-fidelity score after 10 / 25 / 50 full-fidelity-equivalent
    evaluations of a recorded ``rl-hpo bench`` study."""
    import pandas as pd

    df = pd.read_csv(trials_csv, usecols=["method", "task", "seed", "trial", "fidelity", "score", "budget_used"])
    top = df.groupby("task").fidelity.transform("max")
    full = df.fidelity.isna() | (df.fidelity == top)
    df = df.assign(full_score=df.score.where(full & np.isfinite(df.score), -np.inf))
    out: dict[str, dict[str, list[list[float]]]] = {}
    for (method, task, _), run in df.sort_values("trial").groupby(["method", "task", "seed"], sort=True):
        best = np.maximum.accumulate(run.full_score.to_numpy())
        at = [int(np.searchsorted(run.budget_used.to_numpy(), b + 1e-9)) - 1 for b in BUDGETS]
        out.setdefault(method, {}).setdefault(task, []).append([float(best[i]) for i in at])
    return out


def _fmt(regret: dict) -> str:
    return " / ".join(f"{regret[b]:.3f}" for b in BUDGETS)


def cross_validate(args: argparse.Namespace, train_names: list[str], out: Path) -> dict:
    """The folds of ``scripts/train_specialist_policy.py``, scored with the tasks' own bounds."""
    result: dict = {"folds": []}
    for k in range(args.folds):
        held_out = train_names[k :: args.folds]
        rest = [n for n in train_names if n not in held_out]
        model = train_naive(rest, out / "cv" / f"fold{k}", args.timesteps, args.seed)
        bounds = {name: load_task(name).bounds for name in held_out}
        row: dict = {"held_out": held_out}
        for mode in ("stochastic", "deterministic"):
            row[mode] = regret(run_policy(model, held_out, args.seeds, mode == "deterministic"), bounds)
        print(
            f"fold {k}: stochastic {_fmt(row['stochastic']['regret'])}, "
            f"deterministic {_fmt(row['deterministic']['regret'])}",
            flush=True,
        )
        result["folds"].append(row)
    for mode in ("stochastic", "deterministic"):
        result[mode] = {b: float(np.mean([f[mode]["regret"][b] for f in result["folds"]])) for b in BUDGETS}
        print(f"{mode}: mean cross-validated regret {_fmt(result[mode])}")
    return result


def test(args: argparse.Namespace, train_names: list[str], test_names: list[str], out: Path) -> dict:
    """Naive policies (one per training seed) and a recorded study on the test split, under the study's
    bounds and under FINDINGS.md's bounds."""
    study = Path(args.study)
    recorded = json.loads((study / "bounds.json").read_text())
    methods = study_best_scores(study / "trials.csv")
    for seed in args.train_seeds:
        model = train_naive(train_names, out / f"full_seed{seed}", args.timesteps, seed)
        methods[f"naive ppo (seed {seed})"] = run_policy(model, test_names, args.seeds, deterministic=False)
    best_any = {name: max(max(map(max, m[name])) for m in methods.values()) for name in test_names}
    conventions = {
        "study": {
            name: ScoreBounds(float(recorded[name]["worst"]), max(float(recorded[name]["best"]), best_any[name]))
            for name in test_names
        },
        "findings": random_search_bounds(test_names, best_any),
    }
    result: dict = {"train_seeds": args.train_seeds, "bounds": {}, "regret": {}}
    for convention, bounds in conventions.items():
        result["bounds"][convention] = {n: [b.worst, b.best] for n, b in bounds.items()}
        result["regret"][convention] = {m: regret(runs, bounds) for m, runs in methods.items()}
    print(f"| method | {args.study} bounds @10 / 25 / 50 | FINDINGS.md bounds @10 / 25 / 50 |")
    print("|---|---|---|")
    for method in methods:
        cells = [_fmt(result["regret"][c][method]["regret"]) for c in conventions]
        print(f"| {method} | {cells[0]} | {cells[1]} |")
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=("cv", "test"))
    parser.add_argument("--suite", default="yahpo/lcbench")
    parser.add_argument("--out", default="runs/naive_floor")
    parser.add_argument("--timesteps", type=int, default=300_000)
    parser.add_argument("--seed", type=int, default=0, help="training seed (cv)")
    parser.add_argument(
        "--train-seeds",
        type=lambda s: [int(x) for x in s.split(",")],
        default=[0, 1, 2],
        help="comma-separated training seeds (test): one naive policy each",
    )
    parser.add_argument("--folds", type=int, default=4)
    parser.add_argument("--seeds", type=int, default=10, help="tuning seeds per evaluated dataset")
    parser.add_argument(
        "--study",
        default="runs/lcbench_head_to_head",
        help="raw folder of a recorded study of the same suite (trials.csv, bounds.json)",
    )
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    suite = load_suite(args.suite)
    train_names = sorted(suite.task_names("train"))
    out = Path(args.out)
    if args.mode == "cv":
        result = cross_validate(args, train_names, out)
    else:
        result = test(args, train_names, sorted(suite.task_names("test")), out)
    result.update(mode=args.mode, suite=args.suite, timesteps=args.timesteps, seeds=args.seeds)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{args.mode}.json").write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
