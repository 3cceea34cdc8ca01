"""Slow checks of the shipped default policy on validation splits (``make test PYTEST_ARGS="-m slow"``)."""

from __future__ import annotations

import pytest

from rl_hpo.bench.evaluation import evaluate_method
from rl_hpo.optimizer import make_optimizer
from rl_hpo.tasks.registry import load_suite

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("suite", ["synthetic/mixed", "prior/gp"])
def test_the_default_policy_beats_random_search_on_a_validation_split(suite: str) -> None:
    tasks = load_suite(suite).load("validation")[:16]
    regret = {
        method: evaluate_method(lambda space, seed, m=method: make_optimizer(m, space, seed=seed), tasks).regret
        for method in ("ppo", "random")
    }
    assert regret["ppo"][25] < regret["random"][25]
    assert regret["ppo"][50] < regret["random"][50]
