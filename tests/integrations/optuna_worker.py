"""One worker process of a shared Optuna study tuned by RLSampler (run by the storage tests).

python -m tests.integrations.optuna_worker STORAGE STUDY N_TRIALS SEED
"""

from __future__ import annotations

import sys

import optuna
from sklearn.datasets import load_digits
from sklearn.model_selection import cross_val_score
from sklearn.svm import SVC

from rl_hpo.integrations import RLSampler


def svc_accuracy(trial: optuna.Trial) -> float:
    """3-fold accuracy of an SVC on 600 digits: a real, quick scikit-learn objective."""
    X, y = load_digits(return_X_y=True)
    model = SVC(
        C=trial.suggest_float("C", 1e-3, 1e3, log=True), gamma=trial.suggest_float("gamma", 1e-5, 1e0, log=True)
    )
    return float(cross_val_score(model, X[:600], y[:600], cv=3).mean())


def storage_of(url: str) -> optuna.storages.BaseStorage | str:
    if url.startswith("journal:"):
        from optuna.storages.journal import JournalFileBackend

        return optuna.storages.JournalStorage(JournalFileBackend(url.removeprefix("journal:")))
    return url


def main(storage: str, study_name: str, n_trials: str, seed: str) -> None:
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.load_study(study_name=study_name, storage=storage_of(storage), sampler=RLSampler(seed=int(seed)))
    study.optimize(svc_accuracy, n_trials=int(n_trials))


if __name__ == "__main__":
    main(*sys.argv[1:])
