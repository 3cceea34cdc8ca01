"""Use the shipped policy from scikit-learn: RLSearchCV in place of RandomizedSearchCV.

python examples/sklearn_search.py [--n-iter 20]
"""

from __future__ import annotations

import argparse

import pandas as pd
from scipy.stats import loguniform
from sklearn.datasets import load_digits
from sklearn.model_selection import RandomizedSearchCV, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from rl_hpo.integrations import RLSearchCV

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0)

pipeline = Pipeline([("scale", StandardScaler()), ("svc", SVC())])
distributions = {
    "svc__C": loguniform(1e-3, 1e3),
    "svc__gamma": loguniform(1e-5, 1e0),
    "svc__kernel": ["rbf", "sigmoid"],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-iter", type=int, default=20)
    args = parser.parse_args()
    searches = {}
    for search_cv in (RLSearchCV, RandomizedSearchCV):
        search = searches[search_cv] = search_cv(pipeline, distributions, n_iter=args.n_iter, cv=3, random_state=0)
        search.fit(X_train, y_train)
        test = search.score(X_test, y_test)
        print(f"{search_cv.__name__:>18}: cv accuracy {search.best_score_:.4f}, test accuracy {test:.4f}")
    results = pd.DataFrame(searches[RLSearchCV].cv_results_)  # the same cv_results_ as any scikit-learn search
    print(results[["param_svc__C", "param_svc__gamma", "mean_test_score"]].sort_values("mean_test_score").tail(3))


if __name__ == "__main__":
    main()
