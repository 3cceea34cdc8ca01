"""The optimizer conformance suite: what every method behind the optimizer protocol guarantees.

A method's tests inherit ``OptimizerConformance`` and name a factory; pytest then runs every check below
for that method::

    class TestTPE(OptimizerConformance):
        factory = TPE                 # called as factory(space, seed=..., fidelity=...)
        n_trials = 15                 # enough to leave the initial design, few enough to stay fast

    class TestHyperband(OptimizerConformance):
        factory = Hyperband
        fidelity = FIDELITY           # multi-fidelity methods are checked on a task with a fidelity

The class name does not start with "Test", so pytest collects only the subclasses.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np
import pytest

from rl_hpo.optimizer import Optimizer, Trial, make_optimizer
from rl_hpo.space import Categorical, Condition, Float, Int, SearchSpace
from rl_hpo.tasks.base import Fidelity, FunctionTask, Result

__all__ = ["CONDITIONAL", "FIDELITY", "MIXED", "OptimizerConformance", "synthetic_objective"]

#: int, log-scaled and categorical parameters
MIXED = SearchSpace(
    {
        "lr": Float(1e-4, 1e-1, log=True),
        "units": Int(16, 512, log=True),
        "layers": Int(1, 5),
        "dropout": Float(0.0, 0.5),
        "optimizer": Categorical(["adam", "sgd", "rmsprop"]),
    }
)
#: conditional parameters, nested two deep, with a boolean and a None choice
CONDITIONAL = SearchSpace(
    {
        "kernel": Categorical(["rbf", "poly", "linear"]),
        "C": Float(1e-3, 1e3, log=True),
        "gamma": Float(1e-4, 1.0, log=True, condition=Condition("kernel", ["rbf", "poly"])),
        "degree": Int(2, 5, condition=Condition("kernel", "poly")),
        "shrinking": Categorical([True, False]),
        "class_weight": Categorical([None, "balanced"]),
    }
)
SPACES = {"mixed": MIXED, "conditional": CONDITIONAL}
#: an integer fidelity with R = 27: brackets s = 3..0 for eta = 3
FIDELITY = Fidelity("epochs", 1, 27, integer=True)


def synthetic_objective(space: SearchSpace, fidelity: Fidelity | None = None) -> Callable[..., float]:
    """A smooth score with its optimum inside the cube, rising with the fidelity (as learning curves do)."""
    target = np.linspace(0.2, 0.8, space.dim)

    def score(config: dict[str, Any], at: float | None = None) -> float:
        u = space.encode(config)
        value = -float(np.sum((u - target) ** 2))
        if fidelity is not None:
            value -= 0.5 * (1.0 - fidelity.fraction(at))
        return value

    return score


class OptimizerConformance:
    """Checks of the optimizer protocol; subclasses set ``factory`` (and ``fidelity`` for multi-fidelity)."""

    #: builds the optimizer under test: ``factory(space, seed=..., fidelity=...)``
    factory: ClassVar[Callable[..., Optimizer]]
    #: the task's fidelity for multi-fidelity methods; None for the others
    fidelity: ClassVar[Fidelity | None] = None
    #: trials per run in the checks (slow model-based methods use few)
    n_trials: ClassVar[int] = 30

    # -- helpers ----------------------------------------------------------------------------------
    def make(self, space: SearchSpace, seed: int | None = 0) -> Optimizer:
        return type(self).factory(space, seed=seed, fidelity=self.fidelity)

    def run(self, opt: Optimizer, n: int, *, fail: Callable[[int], bool] = lambda i: False) -> list[Trial]:
        """Ask and tell ``n`` trials sequentially; trials where ``fail(i)`` get a NaN score."""
        score = synthetic_objective(opt.space, self.fidelity)
        trials = []
        for i in range(n):
            trial = opt.ask()
            opt.tell(trial, math.nan if fail(i) else score(trial.config, trial.fidelity))
            trials.append(trial)
        return trials

    def assert_valid(self, space: SearchSpace, trials: list[Trial]) -> None:
        for trial in trials:
            space.validate(trial.config)  # raises, naming the parameter, if outside the space
            if self.fidelity is None:
                assert trial.fidelity is None
            else:
                assert trial.fidelity is not None
                assert self.fidelity.low <= trial.fidelity <= self.fidelity.high
                assert not self.fidelity.integer or float(trial.fidelity).is_integer()

    @pytest.fixture(params=sorted(SPACES))
    def space(self, request: pytest.FixtureRequest) -> SearchSpace:
        return SPACES[request.param]

    # -- the checks -------------------------------------------------------------------------------
    def test_configs_are_inside_the_space(self, space: SearchSpace) -> None:
        self.assert_valid(space, self.run(self.make(space), self.n_trials))

    def test_same_seed_gives_the_same_trials(self, space: SearchSpace) -> None:
        first = self.run(self.make(space, seed=3), self.n_trials)
        second = self.run(self.make(space, seed=3), self.n_trials)
        assert [(t.config, t.fidelity) for t in first] == [(t.config, t.fidelity) for t in second]

    def test_different_seeds_give_different_trials(self) -> None:
        n = min(self.n_trials, 10)
        first = self.run(self.make(MIXED, seed=0), n)
        second = self.run(self.make(MIXED, seed=1), n)
        assert [t.config for t in first] != [t.config for t in second]

    def test_tell_of_an_unknown_trial_raises(self) -> None:
        opt = self.make(MIXED)
        trial = opt.ask()
        with pytest.raises(ValueError, match="was not asked by this optimizer"):
            opt.tell(Trial(trial.id + 1000, trial.config, trial.fidelity), 1.0)
        with pytest.raises(ValueError, match="was not asked by this optimizer"):
            opt.tell(Trial(trial.id, {**trial.config, "dropout": -1.0}, trial.fidelity), 1.0)
        opt.tell(trial, 1.0)

    def test_tell_twice_raises(self) -> None:
        opt = self.make(MIXED)
        trial = opt.ask()
        opt.tell(trial, 1.0)
        with pytest.raises(ValueError, match="already told"):
            opt.tell(trial, 1.0)
        self.assert_valid(MIXED, [opt.ask()])

    def test_failed_results_are_accepted_and_the_run_goes_on(self, space: SearchSpace) -> None:
        opt = self.make(space)
        # Failures first (a model must cope with no success at all), then one in three.
        trials = self.run(opt, self.n_trials, fail=lambda i: i < 5 or i % 3 == 0)
        trial = opt.ask()
        opt.tell(trial, Result.failure("diverged"))
        opt.tell(opt.ask(), Result(math.inf))  # non-finite scores are failures too
        self.assert_valid(space, [*trials, trial, opt.ask()])

    def test_asks_may_come_before_tells(self, space: SearchSpace) -> None:
        opt = self.make(space)
        score = synthetic_objective(space, self.fidelity)
        for _ in range(3):
            pending = [opt.ask() for _ in range(4)]
            for trial in reversed(pending):
                opt.tell(trial, score(trial.config, trial.fidelity))
            self.assert_valid(space, pending)
        assert len({t.id for t in pending}) == len(pending)

    def test_optimize_respects_the_budget(self) -> None:
        budget = max(3, self.n_trials // 3)
        opt = self.make(MIXED)
        task = FunctionTask(synthetic_objective(MIXED, self.fidelity), MIXED, fidelity=self.fidelity)
        history = opt.optimize(task, budget)
        fractions = [r.budget_fraction for r in history.records]
        assert history.budget_used >= budget - 1e-9
        assert history.budget_used - fractions[-1] < budget - 1e-9  # it stopped at the first crossing
        if self.fidelity is None:
            assert history.n_trials == budget
        self.assert_valid(MIXED, [Trial(r.trial, r.config, r.fidelity) for r in history.records])

    def test_make_optimizer_builds_it_by_name(self) -> None:
        opt = self.make(MIXED)
        options = {"fidelity": self.fidelity} if self.fidelity is not None else {}
        assert type(make_optimizer(opt.name, MIXED, seed=0, **options)) is type(opt)

    def test_fidelity_contract(self) -> None:
        if self.fidelity is None:
            # A single-fidelity method accepts a task's fidelity and leaves every trial at the highest.
            opt = type(self).factory(MIXED, seed=0, fidelity=FIDELITY)
            assert opt.ask().fidelity is None
        else:
            with pytest.raises(ValueError, match="multi-fidelity method and needs a fidelity"):
                type(self).factory(MIXED, seed=0)
