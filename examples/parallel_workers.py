"""Tune with several workers at once: ask/tell with trials in flight (the practitioner's path, in parallel).

    python examples/parallel_workers.py [--budget 24] [--workers 4]

Each worker process cross-validates one configuration; as soon as one finishes, its result is told and a new
trial is asked, so ``--workers`` trials are always running. ``ppo`` (and ``ei``) treat the trials still running
as pending: the policy's GP is conditioned on each as if it scored the GP's mean there, so that trials asked
while others run go elsewhere instead of to the same promising region.

``rl_hpo.tune(accuracy, space, budget=24, method="ppo", workers=4)`` is the simpler path: rounds of 4 trials run
together and are told in the order asked, so a seed gives the same trials every time (and a journal resumes);
this loop trades that for never leaving a worker idle while a round's slowest trial finishes.
"""

from __future__ import annotations

import argparse
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

from sklearn.datasets import load_breast_cancer
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import cross_val_score

import rl_hpo

space = rl_hpo.SearchSpace(
    {
        "max_depth": rl_hpo.Int(1, 32, log=True),
        "min_samples_leaf": rl_hpo.Int(1, 32, log=True),
        "max_features": rl_hpo.Float(0.05, 1.0, log=True),
        "criterion": rl_hpo.Categorical(["gini", "entropy"]),
    }
)


def accuracy(config: dict) -> float:
    """3-fold cross-validated accuracy (higher is better); runs in a worker process."""
    X, y = load_breast_cancer(return_X_y=True)
    model = RandomForestClassifier(n_estimators=30, random_state=0, n_jobs=1, **config)
    return float(cross_val_score(model, X, y, cv=3).mean())


def tune_in_parallel(method: str, budget: int, workers: int, seed: int = 0) -> tuple[float, dict]:
    optimizer = rl_hpo.make_optimizer(method, space, seed=seed)
    optimizer.plan(budget)  # the run's horizon, as tune() sets it
    best = (float("-inf"), {})
    asked = 0
    with ProcessPoolExecutor(max_workers=workers) as pool:
        running = {}
        while asked < budget or running:
            while asked < budget and len(running) < workers:
                trial = optimizer.ask()  # sees the trials still running as pending
                running[pool.submit(accuracy, trial.config)] = trial
                asked += 1
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                trial = running.pop(future)
                try:
                    score = future.result()
                except BrokenProcessPool:  # a worker died (killed, out of memory): no verdict on any configuration,
                    raise  # so none is told failed (optimizer.cancel(trial) drops a trial from an optimizer kept on)
                except Exception as error:  # a failed trial: tell it, so that the method moves away from it
                    optimizer.tell(trial, rl_hpo.Result.failure(str(error)))
                    continue
                optimizer.tell(trial, score)
                best = max(best, (score, trial.config), key=lambda b: b[0])
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=int, default=24)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    for method in ("ppo", "random"):
        score, config = tune_in_parallel(method, args.budget, args.workers)
        print(f"{method:>6}: best accuracy {score:.4f} with {config} ({args.workers} workers)")
    # The same in rounds of --workers trials, told in the order asked: the same seed, the same trials.
    history = rl_hpo.tune(accuracy, space, budget=args.budget, method="ppo", seed=0, workers=args.workers)
    print(f"   ppo: best accuracy {history.best_score:.4f} with {history.best_config} (tune(..., workers=))")


if __name__ == "__main__":
    main()
