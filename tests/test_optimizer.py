"""The optimizer protocol's base class: contract checks, the optimize loop and the registry."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

import rl_hpo
from rl_hpo import Float, FunctionTask, Result, SearchSpace, make_optimizer
from rl_hpo.exceptions import AllTrialsFailedError
from rl_hpo.optimizer import Trial
from rl_hpo.tasks.base import Fidelity

SPACE = SearchSpace({"x": Float(-5.0, 5.0)})


def test_tell_checks_the_contract():
    opt = make_optimizer("random", SPACE, seed=0)
    trial = opt.ask()
    other = make_optimizer("random", SPACE, seed=1).ask()
    with pytest.raises(ValueError, match="was not asked by this optimizer"):
        opt.tell(other.__class__(99, other.config), 1.0)
    opt.tell(trial, 1.0)
    with pytest.raises(ValueError, match="already told"):
        opt.tell(trial, 2.0)
    with pytest.raises(ValueError, match="Trial 0 was not asked by this optimizer"):  # another's trial 0
        opt.tell(other, 2.0)
    with pytest.raises(TypeError, match="must be a Result or a number"):
        opt.tell(opt.ask(), "good")
    with pytest.raises(TypeError, match=r"must be a Result or a number, got str '0\.5'"):
        opt.tell(opt.ask(), "0.5")  # as tune refuses an objective that returns it
    with pytest.raises(TypeError, match=r"got a Result whose score is str '0\.5'"):
        opt.tell(opt.ask(), Result("0.5"))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"got bool np\.True_"):
        opt.tell(opt.ask(), np.float64(0.7) > 0.5)  # a comparison, not a score
    opt.tell(opt.ask(), np.float32(0.5))


def test_optimize_keeps_going_after_failures_and_records_them():
    calls = []

    def objective(config):
        calls.append(config)
        if len(calls) % 3 == 0:
            raise RuntimeError("diverged")
        if len(calls) % 3 == 1:
            return float("nan")
        return -(config["x"] ** 2)

    history = rl_hpo.tune(objective, SPACE, budget=9, seed=0)
    assert history.n_trials == 9 and history.n_failed == 6
    assert history.first_error() == "non-finite score nan"
    assert any(r.error == "RuntimeError: diverged" for r in history.records)
    assert math.isfinite(history.best_score)


def test_the_historys_failures_and_budget_follow_its_records_as_they_change() -> None:
    from rl_hpo.history import History

    history = History()
    trials = [Trial(i, {"x": 0.1 * i}, None) for i in range(6)]
    results = [Result(1.0), Result(math.nan), Result(2.0, cost=0.5), Result(-math.inf), Result(3.0), Result(0.0)]
    fractions = [1.0, 0.25, 0.5, 1.0, 0.125, 1.0]

    def sums() -> tuple[int, float]:
        return sum(r.failed for r in history.records), sum(r.budget_fraction for r in history.records)

    for trial, result, fraction in zip(trials, results, fractions, strict=True):
        history.add(trial, result, budget_fraction=fraction)
        assert (history.n_failed, history.budget_used) == sums()
    history.records = history.records[1:4]  # a list put in its place (as a copy of a history may be given)
    assert (history.n_failed, history.budget_used) == sums() == (2, 1.75)
    del history.records[2:]  # and one shortened in place
    assert (history.n_failed, history.budget_used) == sums() == (1, 0.75)


def test_a_score_beyond_a_floats_range_is_a_non_finite_failure():
    scores = iter([10**400, -(10**400), Fraction(10**400, 3), 1.0])
    history = rl_hpo.tune(lambda config: next(scores), SPACE, budget=4, seed=0)
    errors = ["non-finite score inf", "non-finite score -inf", "non-finite score inf", None]
    assert [r.error for r in history.records] == errors


def test_a_run_where_every_trial_fails_ends_with_a_clear_error():
    def objective(config):
        raise ValueError("bad data")

    with pytest.raises(AllTrialsFailedError, match="All 5 trials failed; the first error was: ValueError: bad data"):
        rl_hpo.tune(objective, SPACE, budget=5, seed=0)


def test_a_run_whose_first_trials_all_fail_stops_early_unless_told_not_to():
    calls = []

    def objective(config):
        calls.append(config)
        raise KeyError("undefined_key")

    with pytest.raises(AllTrialsFailedError, match=r"The first 10 trials all failed, so the run stopped .* KeyError"):
        rl_hpo.tune(objective, SPACE, budget=30, seed=0, method="ppo")
    assert len(calls) == 10
    calls.clear()
    with pytest.raises(AllTrialsFailedError, match="All 30 trials failed"):
        rl_hpo.tune(objective, SPACE, budget=30, seed=0, fail_fast=None)
    assert len(calls) == 30
    for bad in (0, True, 2.5):
        with pytest.raises(ValueError, match="fail_fast must be a whole number >= 1 or None"):
            rl_hpo.tune(objective, SPACE, budget=30, fail_fast=bad)


@pytest.mark.parametrize("method", ["hyperband", "bohb"])
def test_failures_at_low_fidelities_alone_do_not_stop_a_multi_fidelity_run(method):
    def rows_needed(config, fraction):
        if fraction < 0.05:
            raise ValueError("too few rows to fit")
        return -((config["x"] - 0.3) ** 2)

    task = FunctionTask(rows_needed, SPACE, fidelity=Fidelity("subsample", 0.01, 1.0))
    history = rl_hpo.tune(task, method=method, budget=10, seed=0)  # its first 100 trials are all below 0.05
    assert history.n_failed >= 10 and history.n_failed < history.n_trials

    def never_runs(config, fraction):
        raise KeyError("undefined_key")

    task = FunctionTask(never_runs, SPACE, fidelity=Fidelity("subsample", 0.01, 1.0))
    with pytest.raises(
        AllTrialsFailedError,
        match=r"The first \d+ trials all failed, at the task's highest fidelity too, .* budget \(50 full-fidelity ev",
    ):
        rl_hpo.tune(task, method=method, budget=50, seed=0)


def test_the_best_of_a_run_without_a_full_fidelity_trial_is_at_the_highest_fidelity_reached():
    scores = {1: 0.99, 3: 0.49}  # the configuration looked better at 1 epoch than at 3
    task = FunctionTask(lambda c, epochs: scores.get(epochs, 0.1), SPACE, fidelity=Fidelity("epochs", 1, 27, True))
    history = rl_hpo.tune(task, method="hyperband", budget=2, seed=0)
    assert max(r.fidelity for r in history.records) == 3 and history.best_score == 0.49


def test_a_journaled_run_that_stops_early_says_to_start_a_new_journal(tmp_path):
    def objective(config):
        raise KeyError("undefined_key")

    with pytest.raises(AllTrialsFailedError, match="keeps these failed trials: once the objective is fixed, start a"):
        rl_hpo.tune(objective, SPACE, budget=30, seed=0, journal=tmp_path / "run.db")


def test_a_run_resumed_from_a_journal_of_failures_stops_at_its_first_new_failure(tmp_path):
    calls = []

    def objective(config):
        calls.append(config)
        raise KeyError("undefined_key")

    with pytest.raises(AllTrialsFailedError, match="The first 10 trials all failed"):
        rl_hpo.tune(objective, SPACE, budget=40, seed=0, method="random", journal=tmp_path / "run.db")
    calls.clear()
    with pytest.raises(AllTrialsFailedError, match="The first 11 trials all failed, so the run stopped"):
        rl_hpo.tune(objective, SPACE, budget=40, seed=0, method="random", journal=tmp_path / "run.db", resume=True)
    assert len(calls) == 1  # not the 30 trials left of the budget
    history = rl_hpo.tune(
        lambda c: c["x"], SPACE, budget=40, seed=0, method="random", journal=tmp_path / "run.db", resume=True
    )  # fixed: the run goes on to its budget
    assert history.n_trials == 40 and history.n_failed == 11


def test_a_run_that_fails_only_at_first_is_not_stopped():
    def objective(config):
        if len(seen) < 9:
            seen.append(config)
            raise ValueError("warming up")
        return config["x"]

    seen: list = []
    with pytest.warns(UserWarning, match="9 of 12 trials failed"):
        assert rl_hpo.tune(objective, SPACE, budget=12, seed=0).n_trials == 12


def test_ctrl_c_keeps_the_finished_trials(monkeypatch):
    import rl_hpo.optimizer

    evaluate = rl_hpo.optimizer.evaluate_safely
    calls = []

    def interrupted_at_the_fourth(task, trial):
        calls.append(trial)
        if len(calls) == 4:
            raise KeyboardInterrupt
        return evaluate(task, trial)

    monkeypatch.setattr(rl_hpo.optimizer, "evaluate_safely", interrupted_at_the_fourth)
    with pytest.raises(rl_hpo.TuningInterrupted) as caught:
        rl_hpo.tune(lambda c: c["x"], SPACE, budget=10, seed=0)
    assert isinstance(caught.value, KeyboardInterrupt)
    assert caught.value.history.n_trials == 3
    assert caught.value.history.best_score == max(r.score for r in caught.value.history.records)
    assert str(caught.value) == "interrupted after 3 finished trials"
    one = rl_hpo.History()
    one.records.append(caught.value.history.records[0])
    assert str(rl_hpo.TuningInterrupted(one)) == "interrupted after 1 finished trial"


def test_a_bad_budget_is_refused_before_a_journal_is_made(tmp_path):
    for bad in (0, -3):
        with pytest.raises(ValueError, match="The 'budget' parameter must be a finite number > 0"):
            rl_hpo.tune(lambda c: 0.0, SPACE, budget=bad, journal=tmp_path / "run.db")
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize(
    "returned",
    ["0.5", b"0.5", None, True, np.True_, np.array([True]), [0.5], {"score": 0.5}, Result(None), Result("0.5")],
)
def test_an_objective_that_returns_no_number_fails_its_trials_with_a_clear_error(returned):
    message = "TypeError: the objective returned .*; it must return one number"
    with pytest.raises(AllTrialsFailedError, match=message):
        rl_hpo.tune(lambda config: returned, SPACE, budget=3, seed=0)


def test_a_failure_the_objective_returns_keeps_its_own_error():
    history = rl_hpo.tune(
        lambda c: Result.failure("diverged: loss=nan") if c["x"] > 0 else 1.0, SPACE, budget=8, seed=0
    )
    assert {r.error for r in history.records if r.failed} == {"diverged: loss=nan"}


@pytest.mark.parametrize("bad", [0, -1, float("nan"), float("inf"), "10"])
def test_budget_must_be_positive(bad):
    with pytest.raises(ValueError, match="The 'budget' parameter must be a finite number > 0"):
        make_optimizer("random", SPACE, seed=0).optimize(FunctionTask(lambda c: 0.0, SPACE), bad)


@pytest.mark.parametrize("bad", [-1, 1.5, "0", True, 2**32])
def test_seed_must_be_a_non_negative_int(bad):
    with pytest.raises(
        ValueError, match=r"The 'seed' parameter of RandomSearch must be an int >= 0 and < 2\*\*32, or None"
    ):
        make_optimizer("random", SPACE, seed=bad)


def test_unknown_method_lists_the_choices():
    with pytest.raises(ValueError, match=r"Unknown method 'nope'; choose one of: .*random"):
        make_optimizer("nope", SPACE)


@pytest.mark.parametrize(("typo", "meant"), [("rnadom", "random"), ("PPO", "ppo"), ("tpee", "tpe")])
def test_a_misspelt_method_gets_the_likely_one(typo, meant):
    with pytest.raises(ValueError, match=rf"Unknown method '{typo}' \(did you mean '{meant}'\?\); choose one of"):
        make_optimizer(typo, SPACE)


def test_a_built_in_method_or_task_family_cannot_be_replaced():
    from rl_hpo.tasks.registry import register_family

    with pytest.raises(ValueError, match="'ppo' is a built-in method; register yours under another name"):
        rl_hpo.register_optimizer("ppo", "mine:Method")
    with pytest.raises(ValueError, match="'yahpo' is a built-in task family; register yours under another name"):
        register_family("yahpo", "mine")
    with pytest.raises(ValueError, match="without '/'"):
        register_family("my/family", "mine")
    with pytest.raises(ValueError, match="' TPE' is a built-in method"):  # nor one that differs in case or spaces
        rl_hpo.register_optimizer(" TPE", "mine:Method")
    with pytest.raises(TypeError, match="takes the module's name"):
        register_family("mine", rl_hpo)  # type: ignore[arg-type]
    assert make_optimizer("ppo", SPACE, seed=0).name == "ppo"


def test_a_task_family_module_without_its_functions_and_an_unknown_family_are_named(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from rl_hpo.exceptions import TaskNotFoundError
    from rl_hpo.tasks import registry

    monkeypatch.setattr(registry, "_FAMILIES", dict(registry._FAMILIES))
    registry.register_family("half", "rl_hpo.space")  # a module, but no family's
    with pytest.raises(TaskNotFoundError, match=r"'half' \(module rl_hpo.space\) lacks make_task, suite_names, load_"):
        rl_hpo.load_task("half/x/0")
    with pytest.raises(TaskNotFoundError, match=r"Unknown task family 'mine'.*--plugins MOD"):
        rl_hpo.load_task("mine/x/0")


def test_budget_counts_full_fidelity_equivalents():
    class HalfFidelity(rl_hpo.Optimizer):
        name = "half"

        def _ask(self, trial_id):
            return self.space.decode([0.5]), 5.0

        def _tell(self, trial, result):
            pass

    fidelity = Fidelity("epochs", 1, 10, integer=True)
    task = FunctionTask(lambda c, f: f, SPACE, fidelity=fidelity)
    history = HalfFidelity(SPACE, seed=0, fidelity=fidelity).optimize(task, 3)
    assert history.n_trials == 6
    assert history.budget_used == pytest.approx(3.0)


def test_a_method_without_fidelities_evaluates_a_fidelity_task_at_its_highest():
    fidelity = Fidelity("epochs", 1, 27, integer=True)
    task = FunctionTask(lambda c, f: c["x"] * f / 27, SPACE, fidelity=fidelity)
    history = make_optimizer("random", SPACE, seed=0).optimize(task, 3)
    assert history.n_failed == 0
    assert [r.score for r in history.records] == pytest.approx([r.config["x"] for r in history.records])


def test_minimize_reports_the_objective_in_its_own_sign():
    history = rl_hpo.tune(lambda c: (c["x"] - 1) ** 2, SPACE, budget=30, seed=0, direction="minimize")
    assert history.best_score >= 0
    assert history.best_score == min(history.to_dataframe()["score"])
    assert abs(history.best_config["x"] - 1) < 1


def test_random_search_is_seeded_and_shares_the_initial_design():
    a = make_optimizer("random", SPACE, seed=7)
    b = make_optimizer("random", SPACE, seed=7)
    c = make_optimizer("random", SPACE, seed=8)
    ta = [a.ask().config for _ in range(5)]
    assert ta == [b.ask().config for _ in range(5)]
    assert ta != [c.ask().config for _ in range(5)]
    design = SPACE.decode_batch(rl_hpo.baselines.initial_design(SPACE, 5, 7))
    assert ta == design


def test_result_failure_helper():
    r = Result.failure("boom", cost=1.5)
    assert r.failed and r.info["error"] == "boom" and r.cost == 1.5


def test_observe_is_refused_by_methods_that_learn_only_from_their_own_trials() -> None:
    space = SearchSpace({"x": Float(0.0, 1.0)})
    random = make_optimizer("random", space, seed=0)
    random.observe({"x": 0.5}, 1.0)  # random search ignores results: a no-op
    assert random.ask().config == make_optimizer("random", space, seed=0).ask().config
    with pytest.raises(ValueError, match="Unknown parameter"):
        random.observe({"y": 0.5}, 1.0)
    hyperband = make_optimizer("hyperband", space, seed=0, fidelity=Fidelity("epoch", 1, 27))
    with pytest.raises(TypeError, match="cannot observe"):
        hyperband.observe({"x": 0.5}, 1.0)


def test_optimize_tells_the_method_its_budget_before_the_first_trial() -> None:
    space = SearchSpace({"x": Float(0.0, 1.0)})
    seen = []

    from rl_hpo.baselines import RandomSearch

    class Planner(RandomSearch):
        def plan(self, budget: float) -> None:
            seen.append((budget, self._n_asked))

    Planner(space, seed=0).optimize(FunctionTask(lambda c: c["x"], space), 7)
    assert seen == [(7, 0)]


def test_optimize_in_batches_asks_a_batch_before_telling_any_of_it() -> None:
    space = SearchSpace({"x": Float(0.0, 1.0)})
    task = FunctionTask(lambda c: -((c["x"] - 0.3) ** 2), space, name="bowl")
    optimizer = make_optimizer("random", space, seed=0)
    waiting: list[int] = []
    ask = optimizer.ask

    def counted_ask():
        trial = ask()
        waiting.append(len(optimizer._pending))
        return trial

    optimizer.ask = counted_ask  # type: ignore[method-assign]
    history = optimizer.optimize(task, 7, batch=3)
    assert waiting == [1, 2, 3, 1, 2, 3, 1]  # the last batch within the budget
    assert history.n_trials == 7 and [r.trial for r in history.records] == list(range(7))
    sequential = make_optimizer("random", space, seed=0).optimize(task, 7)
    assert [r.config for r in history.records] == [r.config for r in sequential.records]  # random search ignores it
    for bad in (0, 1.5, True, "2"):
        with pytest.raises(ValueError, match="'batch' parameter must be an int >= 1"):
            optimizer.optimize(task, 3, batch=bad)


@pytest.mark.parametrize("method", ["ei", "tpe", "random"])
def test_a_run_stopped_in_a_batch_cancels_the_trials_it_did_not_tell(method: str) -> None:
    space = SearchSpace({"x": Float(0.0, 1.0)})
    calls = []

    def objective(config):
        calls.append(config)
        if len(calls) == 10:
            raise KeyboardInterrupt
        return -((config["x"] - 0.3) ** 2)

    optimizer = make_optimizer(method, space, seed=0)
    with pytest.raises(rl_hpo.TuningInterrupted) as stopped:
        optimizer.optimize(FunctionTask(objective, space, name="bowl"), 20, batch=4)
    assert stopped.value.history.n_trials == 9 and optimizer._pending == {}  # trials 9 to 11 are cancelled
    if method == "ei":
        assert optimizer.pending().shape == (0, 1)  # believed no more
    trial = optimizer.ask()
    with pytest.raises(ValueError, match="not pending"):
        optimizer.cancel(Trial(99, trial.config, None))
    optimizer.cancel(trial)
    with pytest.raises(ValueError, match="was cancelled"):
        optimizer.tell(trial, 1.0)


def test_a_cancelled_hyperband_slot_leaves_its_rung_and_the_bracket_goes_on() -> None:
    task = rl_hpo.load_task("synthetic/branin/0", fidelity=True)
    optimizer = make_optimizer("hyperband", task.space, seed=0, fidelity=task.fidelity)
    first = [optimizer.ask() for _ in range(81)]  # the first bracket's first rung
    optimizer.cancel(first[0])
    for trial in first[1:]:
        optimizer.tell(trial, task.evaluate(trial.config, trial.fidelity))
    promoted = optimizer.ask()
    assert promoted.fidelity > first[1].fidelity  # the rung is complete without the cancelled slot
    assert promoted.config in [t.config for t in first[1:]]  # a promotion, not the next bracket


def test_a_cancelled_trial_of_a_portfolio_continuation_is_pending_there_no_more() -> None:
    task = rl_hpo.load_task("synthetic/branin/0")
    portfolio = [{"x0": 0.1, "x1": 0.2}, {"x0": 0.8, "x1": 0.5}]
    optimizer = make_optimizer("ppo", task.space, seed=0, portfolio=portfolio)
    for _ in range(6):
        trial = optimizer.ask()
        optimizer.tell(trial, task.evaluate(trial.config))
    optimizer.cancel(optimizer.ask())
    assert optimizer.continuation_.pending().shape == (0, 2) and optimizer.continuation_._pending == {}


def test_portfolio_trials_still_running_are_pending_for_a_continuation_that_models_them() -> None:
    task = rl_hpo.load_task("synthetic/branin/0")
    portfolio = [{"x0": 0.1, "x1": 0.2}, {"x0": 0.8, "x1": 0.5}, {"x0": 0.3, "x1": 0.9}]
    optimizer = make_optimizer("portfolio", task.space, seed=0, portfolio=portfolio, then="ei")
    first, second, third = optimizer.ask(), optimizer.ask(), optimizer.ask()
    optimizer.tell(first, task.evaluate(first.config))
    optimizer.ask()  # the continuation's first trial, asked while two portfolio trials run
    held = [optimizer.space.encode(t.config) for t in (second, third)]
    np.testing.assert_array_equal(optimizer.continuation_.pending()[1:], held)  # after its own proposal
    optimizer.tell(second, task.evaluate(second.config))
    optimizer.tell(third, task.evaluate(third.config))
    optimizer.ask()
    assert optimizer.continuation_.pending().shape == (2, 2)  # its own two trials, no portfolio trial held
