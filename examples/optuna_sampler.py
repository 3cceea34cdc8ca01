"""Use the shipped policy from Optuna: RLSampler in place of TPE, on a define-by-run objective.

    python examples/optuna_sampler.py [--n-trials 40]

The objective chooses a classifier, then that classifier's own parameters (conditional parameters);
RLSampler infers the space from the study's trials.
"""

from __future__ import annotations

import argparse

import optuna
from sklearn.datasets import load_wine
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from rl_hpo.integrations import RLSampler

X, y = load_wine(return_X_y=True)


def objective(trial: optuna.Trial) -> float:
    kind = trial.suggest_categorical("classifier", ["svc", "random_forest"])
    if kind == "svc":
        model = make_pipeline(
            StandardScaler(),
            SVC(
                C=trial.suggest_float("C", 1e-3, 1e3, log=True), gamma=trial.suggest_float("gamma", 1e-4, 1.0, log=True)
            ),
        )
    else:
        model = RandomForestClassifier(
            n_estimators=50,
            max_depth=trial.suggest_int("max_depth", 1, 16, log=True),
            min_samples_leaf=trial.suggest_int("min_samples_leaf", 1, 20),
            random_state=0,
        )
    return float(cross_val_score(model, X, y, cv=3).mean())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-trials", type=int, default=40)
    args = parser.parse_args()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    for name, sampler in (("RLSampler", RLSampler(seed=0)), ("TPESampler", optuna.samplers.TPESampler(seed=0))):
        study = optuna.create_study(direction="maximize", sampler=sampler)
        study.optimize(objective, n_trials=args.n_trials)
        print(f"{name:>10}: best accuracy {study.best_value:.4f} with {study.best_params}")


if __name__ == "__main__":
    main()
