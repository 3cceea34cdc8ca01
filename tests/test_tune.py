"""rl_hpo.tune and History: the Python API of the design."""

from __future__ import annotations

import sys
import warnings

import numpy as np
import pytest

import rl_hpo


def test_tune_a_function_with_a_plain_spec():
    space = {"x": (-5.0, 5.0), "n": (1, 10), "kind": ["a", "b"]}

    def objective(config):
        return -((config["x"] - 1) ** 2) - abs(config["n"] - 3) + (config["kind"] == "b")

    history = rl_hpo.tune(objective, space, budget=40, seed=0)
    assert len(history) == 40
    assert history.best_score == max(history.to_dataframe()["score"])
    frame = history.to_dataframe()
    assert {"trial", "score", "fidelity", "cost", "decision_s", "config.x", "config.n", "config.kind"} <= set(frame)
    assert rl_hpo.tune(objective, space, budget=10, seed=3).to_records() != []


def test_tune_is_reproducible():
    space = {"x": (-5.0, 5.0)}
    a = rl_hpo.tune(lambda c: -(c["x"] ** 2), space, budget=10, seed=1).to_dataframe()["config.x"].tolist()
    b = rl_hpo.tune(lambda c: -(c["x"] ** 2), space, budget=10, seed=1).to_dataframe()["config.x"].tolist()
    assert a == b


def test_tune_needs_a_space_for_a_function():
    with pytest.raises(ValueError, match="needs a search space"):
        rl_hpo.tune(lambda c: 0.0)


def test_tune_rejects_a_bad_objective_type():
    with pytest.raises(TypeError, match="objective must be a function, a Task or a task name"):
        rl_hpo.tune(42, {"x": (0.0, 1.0)})


_OWN_TASK = rl_hpo.FunctionTask(lambda c: c["x"], {"x": rl_hpo.Float(0.0, 1.0)}, name="mine")


@pytest.mark.parametrize(
    ("objective", "direction", "message"),
    [
        ("synthetic/branin/0", "minimize", "a task has its own direction"),
        (_OWN_TASK, "minimize", r"FunctionTask\(\.\.\., direction='minimize'\) for your own"),
        ("synthetic/branin/0", "down", "must be 'maximize' or 'minimize'"),
        (lambda c: c["x"], "down", "must be 'maximize' or 'minimize'"),
    ],
)
def test_tune_refuses_a_direction_it_would_not_follow(objective, direction, message):
    space = {"x": (0.0, 1.0)} if callable(objective) and not isinstance(objective, rl_hpo.Task) else None
    with pytest.raises(ValueError, match=message):
        rl_hpo.tune(objective, space, budget=2, direction=direction)


@pytest.mark.parametrize("objective", ["synthetic/branin/0", _OWN_TASK])
def test_tune_refuses_a_timeout_it_would_not_apply(objective):
    with pytest.raises(ValueError, match="timeout= applies to a function objective"):
        rl_hpo.tune(objective, budget=2, timeout=1.0)


def test_a_keyword_neither_tune_nor_the_method_takes_is_named_with_both_lists(tmp_path) -> None:
    journal = tmp_path / "run.db"
    with pytest.raises(rl_hpo.UnknownOptionError) as caught:
        rl_hpo.tune(lambda c: c["x"], {"x": (0.0, 1.0)}, budget=3, method="random", journal=journal, callback=print)
    assert str(caught.value) == (
        "Neither tune nor method 'random' takes the keyword argument 'callback'. tune's own: budget, method, seed, "
        "direction, timeout, journal, resume, progress, fail_fast, workers; it passes any other to the method, whose "
        "options are: none."
    )
    with pytest.raises(rl_hpo.UnknownOptionError, match=r"'polcy'\. .* to the method, whose docstring lists them\.$"):
        rl_hpo.tune(lambda c: c["x"], {"x": (0.0, 1.0)}, budget=3, method="ppo", polcy="default")
    assert isinstance(caught.value, ValueError) and not journal.exists()  # refused before a journal is written


def test_tune_uses_the_shipped_policy_unless_told_otherwise():
    assert rl_hpo.tune(lambda c: c["x"], {"x": (0.0, 1.0)}, budget=3, seed=0).method == "ppo"


def test_tune_takes_a_numpy_budget_and_refuses_a_bool():
    history = rl_hpo.tune(lambda c: c["x"], {"x": (0.0, 1.0)}, budget=np.int64(3), seed=0)
    assert history.n_trials == 3
    with pytest.raises(ValueError, match=r"A budget of 2.5 evaluations on a task without a fidelity would run 3"):
        rl_hpo.tune(lambda c: c["x"], {"x": (0.0, 1.0)}, budget=2.5)
    with pytest.raises(ValueError, match="'budget' parameter must be a finite number > 0"):
        rl_hpo.tune(lambda c: c["x"], {"x": (0.0, 1.0)}, budget=True)


def test_arguments_of_the_wrong_type_get_a_sentence_not_a_deep_type_error():
    def tune(**kwargs):
        return rl_hpo.tune(lambda c: c["x"], {"x": (0.0, 1.0)}, budget=3, seed=0, **kwargs)

    with pytest.raises(TypeError, match=r"journal must be a file path .* got int"):
        tune(journal=5)
    for policy in (None, 123):
        with pytest.raises(TypeError, match=rf"A policy is .default., a policy folder .* got {policy}"):
            tune(method="ppo", policy=policy)
    assert tune(fail_fast=np.int64(3)).n_trials == 3  # numpy integers count, as for seed and budget
    with pytest.raises(ValueError, match=r"A SearchSpace takes a dict \{name: Float \| Int \| Categorical\}"):
        rl_hpo.SearchSpace([rl_hpo.Float(0, 1)])
    assert issubclass(rl_hpo.JournalError, rl_hpo.RLHPOError)  # every error a user meets is exported


def test_sys_exit_in_the_objective_ends_the_run_and_keeps_its_finished_trials():
    def objective(config):
        if config["x"] > 0.9:
            sys.exit("stopped by the objective")
        return config["x"]

    with pytest.raises(SystemExit, match="stopped by the objective") as stop:
        rl_hpo.tune(objective, {"x": (0.0, 1.0)}, budget=200, seed=0)
    assert stop.value.history.n_trials >= 1 and stop.value.history.best_score <= 0.9


def _bowl_with_a_penalty(penalty: float):
    """A bowl with its optimum 0 at (1, -2), and ``penalty`` returned where ``x < -1`` (40% of the space)."""

    def objective(config):
        return penalty if config["x"] < -1 else -((config["x"] - 1) ** 2) - (config["y"] + 2) ** 2

    return objective, {"x": rl_hpo.Float(-5.0, 5.0), "y": rl_hpo.Float(-5.0, 5.0)}


@pytest.mark.parametrize("method", ["ei", "ppo"])
@pytest.mark.parametrize("penalty", [-1e20, -np.finfo(float).max])
def test_a_huge_penalty_for_a_failed_configuration_does_not_blind_the_search(method: str, penalty: float):
    """A common idiom returns a huge bad score where a configuration fails instead of raising. Once standardized
    beside it, the good scores used to differ by less than a float resolves: the search stayed at its random
    start. (With the outliers warp's depth at 20, the policy still did here, with seed 0.)"""
    history = rl_hpo.tune(*_bowl_with_a_penalty(penalty), budget=25, method=method, seed=0)
    start = max(record.score for record in history.records[:5] if record.score > -1e3)
    assert history.best_score > max(start, -0.05)  # near the optimum (0), far past the random start


def test_a_penalty_at_the_float_limit_leaves_the_policy_s_probabilities_finite():
    """Its square overflowed, and the policy's probabilities became NaN: the run raised after 5 trials."""
    history = rl_hpo.tune(*_bowl_with_a_penalty(-np.finfo(float).max), budget=25, method="ppo", seed=0)
    assert history.n_trials == 25


def test_an_error_in_a_callback_ends_the_run_and_keeps_its_finished_trials():
    def callback(history, trial, result):
        if history.n_trials == 7:
            raise RuntimeError("the callback gave up")

    space = rl_hpo.SearchSpace({"x": rl_hpo.Float(0.0, 1.0)})
    with pytest.raises(RuntimeError, match="the callback gave up") as error:
        rl_hpo.make_optimizer("ei", space, seed=0).optimize(
            rl_hpo.FunctionTask(lambda c: c["x"], space), 20, callback=callback
        )
    assert error.value.history.n_trials == 7


def test_a_run_whose_trials_all_fail_says_where_the_first_failed_and_keeps_its_trials():
    def helper(config):
        return config["learning_rate"]  # the space calls it "lr"

    with pytest.raises(rl_hpo.AllTrialsFailedError) as caught:
        rl_hpo.tune(lambda c: helper(c), {"lr": (0.0, 1.0)}, budget=12, seed=0)
    message = str(caught.value)
    assert "the first error was: KeyError: 'learning_rate'" in message
    assert "in helper" in message and 'return config["learning_rate"]' in message
    assert caught.value.history.n_trials == 10 and caught.value.history.n_failed == 10


def test_history_without_success_says_so():
    history = rl_hpo.History(task="t")
    with pytest.raises(ValueError, match="No successful trial yet"):
        _ = history.best_config


@pytest.mark.parametrize(("tty", "shown"), [(True, True), (False, False)])
def test_progress_is_shown_by_default_only_on_a_terminal(
    monkeypatch: pytest.MonkeyPatch, tty: bool, shown: bool
) -> None:
    import io

    import rl_hpo.optimizer as optimizer_module

    class Stream(io.StringIO):
        def isatty(self) -> bool:
            return tty

    bars: list[float] = []
    real = optimizer_module._progress_bar
    monkeypatch.setattr(
        optimizer_module, "_progress_bar", lambda total, *rest: bars.append(total) or real(total, *rest)
    )
    monkeypatch.setattr(sys, "stderr", Stream())
    rl_hpo.tune(lambda c: -((c["x"] - 1) ** 2), {"x": rl_hpo.Float(-5.0, 5.0)}, budget=3, seed=0)
    assert bool(bars) is shown


def test_a_run_without_a_seed_records_the_one_it_drew_and_repeats_with_it() -> None:
    first = rl_hpo.tune("synthetic/branin/0", budget=12, method="tpe")
    assert isinstance(first.seed, int)
    again = rl_hpo.tune("synthetic/branin/0", budget=12, method="tpe", seed=first.seed)
    assert [r["score"] for r in again.to_records()] == [r["score"] for r in first.to_records()]


def test_failed_trials_are_summed_up_in_a_warning() -> None:
    def objective(config):
        if config["x"] > 0.5:
            raise ValueError("boom")
        return config["x"]

    with pytest.warns(UserWarning, match=r"of 10 trials failed \(the first: ValueError: boom\)"):
        history = rl_hpo.tune(objective, {"x": rl_hpo.Float(0.0, 1.0)}, budget=10, seed=0)
    assert history.n_failed > 0


def test_tune_warns_of_a_linear_range_over_orders_of_magnitude_in_a_users_space():
    def objective(config):
        return -abs(np.log10(config["lr"]) + 3.0)

    with pytest.warns(UserWarning, match=r"'lr' \(4\.0 orders of magnitude\) on a linear scale.*log=True") as caught:
        rl_hpo.tune(objective, {"lr": rl_hpo.Float(1e-5, 1e-1)}, budget=3, seed=0)
    assert [w.filename for w in caught] == [__file__]  # the caller's line
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rl_hpo.tune(objective, {"lr": rl_hpo.Float(1e-5, 1e-1, log=True)}, budget=3, seed=0)


def test_tune_warns_of_a_space_with_fewer_configurations_than_the_budget_naming_a_two_valued_int():
    def objective(config):
        return config["dropout"] + (config["kind"] == "b")

    space = {"dropout": (0, 1), "kind": ["a", "b"]}  # meant: a float dropout; written: an Int of two values
    with pytest.warns(UserWarning, match=r"at most 4 configurations, fewer than the budget of 6.*'dropout' is an"):
        rl_hpo.tune(objective, space, budget=6, seed=0, method="random")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rl_hpo.tune(objective, space, budget=4, seed=0, method="random")  # no more evaluations than configurations
        rl_hpo.tune(objective, {**space, "dropout": (0.0, 1.0)}, budget=6, seed=0, method="random")  # a Float
    assert rl_hpo.SearchSpace.from_dict({"n": (1, 5), "k": ["a", "b", "c"]}).max_configurations() == 15
    assert rl_hpo.SearchSpace.from_dict({"n": (1, 5), "x": (0.0, 1.0)}).max_configurations() is None


def test_the_dataframe_s_configuration_columns_follow_the_space_s_order_with_conditional_parameters() -> None:
    space = rl_hpo.SearchSpace(
        {
            "kind": rl_hpo.Categorical(["plain", "fancy"]),
            "a": rl_hpo.Float(0.0, 1.0, condition=rl_hpo.Condition("kind", "fancy")),
            "b": rl_hpo.Float(0.0, 1.0),
        }
    )
    history = rl_hpo.tune(lambda c: c["b"] + c.get("a", 0.0), space, budget=12, seed=0)
    assert any("a" not in r.config for r in history.records[:1])  # the first trial has no "a"
    columns = [c for c in history.to_dataframe().columns if c.startswith("config.")]
    assert columns == ["config.kind", "config.a", "config.b"]


def test_tune_gives_ei_its_candidate_search_settings():
    from rl_hpo.acquisition.search import SearchSettings

    space = {"x": (0.0, 1.0), "y": (0.0, 1.0)}

    def first_five(**options):
        history = rl_hpo.tune(lambda c: c["x"] - c["y"], space, budget=5, seed=2, **options)
        return history.to_dataframe()[["config.x", "config.y"]].values.tolist()

    random_points = first_five(method="random")
    # The default design is a Latin hypercube made from random search's points; with "random" they are its own.
    assert first_five(method="ei", settings=SearchSettings(initial_design="random")) == random_points
    assert first_five(method="ei") != random_points
