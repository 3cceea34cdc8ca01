"""Tune your own scikit-learn model with the shipped policy (the practitioner's path).

    python examples/tune_your_model.py [--budget 30]

The search space is yours; the shipped general policy never saw it. It is compared with random search on
the same budget and seed.
"""

from __future__ import annotations

import argparse

from sklearn.datasets import load_breast_cancer
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import cross_val_score

import rl_hpo

X, y = load_breast_cancer(return_X_y=True)

space = rl_hpo.SearchSpace(
    {
        "max_depth": rl_hpo.Int(1, 32, log=True),
        "min_samples_leaf": rl_hpo.Int(1, 32, log=True),
        "max_features": rl_hpo.Float(0.05, 1.0, log=True),
        "criterion": rl_hpo.Categorical(["gini", "entropy"]),
        "bootstrap": rl_hpo.Categorical([True, False]),
    }
)


def accuracy(config: dict) -> float:
    """3-fold cross-validated accuracy (higher is better)."""
    model = RandomForestClassifier(n_estimators=30, random_state=0, **config)
    return float(cross_val_score(model, X, y, cv=3).mean())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=int, default=30)
    args = parser.parse_args()
    for method in ("ppo", "random"):
        history = rl_hpo.tune(accuracy, space, budget=args.budget, method=method, seed=0)
        print(f"{method:>6}: best accuracy {history.best_score:.4f} with {history.best_config}")


if __name__ == "__main__":
    main()
