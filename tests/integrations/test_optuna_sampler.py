"""RLSampler: Optuna's sampler contract, define-by-run spaces, failures, fallbacks and shared storages."""

from __future__ import annotations

import math
import subprocess
import sys
import warnings
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import optuna
import pytest
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

from rl_hpo.integrations import RLSampler

optuna.logging.set_verbosity(optuna.logging.WARNING)
ROOT = Path(__file__).resolve().parents[2]


def mixed_objective(trial: optuna.Trial) -> float:
    """Every kind of distribution, and a parameter that exists only for one choice (define-by-run)."""
    x = trial.suggest_float("x", -5.0, 5.0)
    y = trial.suggest_float("y", 1e-3, 10.0, log=True)
    s = trial.suggest_float("s", 0.0, 1.0, step=0.25)
    k = trial.suggest_int("k", 1, 9, step=2)
    n = trial.suggest_int("n", 1, 1024, log=True)
    kind = trial.suggest_categorical("kind", ["a", "b", None, True])
    value = (x - 1.3) ** 2 + math.log(y) ** 2 + (s - 0.5) ** 2 + 0.1 * (k - 5) ** 2 + 0.1 * math.log(n / 32) ** 2
    if kind == "a":
        value -= 1.0 - (trial.suggest_float("a_only", 0.0, 1.0) - 0.7) ** 2
    return value


def _run(sampler: optuna.samplers.BaseSampler, objective=mixed_objective, n_trials: int = 30, **study) -> optuna.Study:
    s = optuna.create_study(sampler=sampler, **study)
    s.optimize(objective, n_trials=n_trials)
    return s


class Counting(RLSampler):
    """RLSampler that records how many parameters each relative sample proposes."""

    def __init__(self, **options) -> None:
        super().__init__(**options)
        self.relative: list[int] = []

    def sample_relative(self, study, trial, search_space):
        params = super().sample_relative(study, trial, search_space)
        self.relative.append(len(params))
        return params


def test_every_sample_lies_in_its_distribution_and_the_policy_decides_after_the_start() -> None:
    with warnings.catch_warnings():
        # no fallback warning on a space the policy can model (seed 1: the start-up trials draw kind "a", so
        # that a_only and its condition are known before the policy takes over)
        warnings.simplefilter("error")
        counting = Counting(seed=1)
        study = _run(counting)
    for trial in study.trials:
        for name, value in trial.params.items():
            assert trial.distributions[name]._contains(trial.distributions[name].to_internal_repr(value))
    space = RLSampler(seed=0).infer_relative_search_space(study, study.trials[-1])
    assert set(space) == {"x", "y", "s", "k", "n", "kind", "a_only"}  # a_only: conditional on kind == "a"
    assert isinstance(space["s"], FloatDistribution) and space["s"].step == 0.25
    assert isinstance(space["k"], IntDistribution) and space["k"].step == 2
    assert isinstance(space["kind"], CategoricalDistribution)
    # The 5 start-up trials are random; from then on the policy proposes every active parameter at once.
    assert counting.relative[:5] == [0] * 5
    assert all(n >= 6 for n in counting.relative[5:]) and len(counting.relative) == 30
    assert study.best_value < min(t.value for t in study.trials[:5])


def test_a_study_of_more_than_32_parameters_starts_from_10_random_trials() -> None:
    def wide(trial: optuna.Trial) -> float:
        return -sum((trial.suggest_float(f"x{i}", 0.0, 1.0) - 0.3) ** 2 for i in range(33))

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the start-up trials' parameters are no fallback
        counting = Counting(seed=0)
        _run(counting, wide, n_trials=12)
    assert counting.relative == [0] * 10 + [33, 33]
    counting = Counting(seed=0, n_startup_trials=5)
    _run(counting, wide, n_trials=7)  # a number given is kept
    assert counting.relative == [0] * 5 + [33, 33]


def test_the_same_seed_gives_the_same_study_and_another_seed_another() -> None:
    first, again, other = (_run(RLSampler(seed=s), n_trials=12) for s in (3, 3, 4))
    assert [t.params for t in first.trials] == [t.params for t in again.trials]
    assert [t.params for t in first.trials] != [t.params for t in other.trials]


@pytest.mark.parametrize("direction", ["minimize", "maximize"])
def test_both_directions_move_toward_the_better_end(direction: str) -> None:
    sign = 1.0 if direction == "minimize" else -1.0

    def bowl(trial: optuna.Trial) -> float:
        u = np.array([trial.suggest_float(f"x{i}", 0.0, 1.0) for i in range(3)])
        return sign * float(np.sum((u - 0.8) ** 2))

    study = _run(RLSampler(seed=1), bowl, n_trials=25, direction=direction)
    start = [sign * t.value for t in study.trials[:5]]
    assert sign * study.best_value < min(start) / 4


def test_failed_and_pruned_trials_count_as_bad_and_the_study_goes_on() -> None:
    def flaky(trial: optuna.Trial) -> float:
        x = trial.suggest_float("x", 0.0, 1.0)
        if x > 0.8:
            raise ValueError("diverged")
        if x < 0.2:
            raise optuna.TrialPruned()
        if 0.45 < x < 0.5:
            return math.nan  # Optuna marks a NaN objective FAIL
        return (x - 0.6) ** 2

    study = optuna.create_study(sampler=RLSampler(seed=2))
    study.optimize(flaky, n_trials=30, catch=(ValueError,))
    states = {t.state for t in study.trials}
    assert optuna.trial.TrialState.COMPLETE in states and len(study.trials) == 30
    assert study.best_value < 1e-3


def test_a_parameter_without_a_deciding_choice_falls_back_once_with_a_warning() -> None:
    def threshold(trial: optuna.Trial) -> float:
        x = trial.suggest_float("x", 0.0, 1.0)
        if x > 0.5:  # decided by a float, not by a categorical: the policy cannot model it
            return (x - 0.7) ** 2 + trial.suggest_float("z", 0.0, 1.0)
        return (x - 0.7) ** 2 + 0.5

    with pytest.warns(UserWarning, match="leaves the parameter 'z' to the independent sampler") as record:
        study = _run(RLSampler(seed=0), threshold, n_trials=20)
    assert sum("'z'" in str(w.message) for w in record) == 1
    assert len(study.trials) == 20


def test_a_conditional_parameter_met_late_is_drawn_independently_without_a_warning() -> None:
    def model_choice(trial: optuna.Trial) -> float:
        model = trial.suggest_categorical("model", ["svm", "rf"])
        if model == "svm":
            return (trial.suggest_float("C", 0.0, 1.0) - 0.3) ** 2
        return 0.5 + trial.suggest_float("depth", 0.0, 1.0)

    study = optuna.create_study(sampler=RLSampler(seed=0))
    for _ in range(12):  # past the start-up trials with "rf" alone: "C" is new when the first "svm" comes
        study.enqueue_trial({"model": "rf"})
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        study.optimize(model_choice, n_trials=30)
    assert any(t.params.get("model") == "svm" for t in study.trials) and study.best_value < 0.01


def test_multi_objective_studies_fall_back_to_the_independent_sampler_and_say_so() -> None:
    def two(trial: optuna.Trial) -> tuple[float, float]:
        x = trial.suggest_float("x", 0.0, 1.0)
        return x, 1.0 - x

    with pytest.warns(UserWarning, match="multi-objective") as record:
        study = _run(RLSampler(seed=0), two, n_trials=10, directions=["minimize", "minimize"])
    assert sum("multi-objective" in str(w.message) for w in record) == 1
    assert len(study.trials) == 10


def test_enqueued_trials_are_kept_and_told_to_the_policy() -> None:
    study = optuna.create_study(sampler=RLSampler(seed=0))
    study.enqueue_trial({"x": 0.123})
    study.optimize(lambda t: (t.suggest_float("x", 0.0, 1.0) - 0.5) ** 2, n_trials=8)
    assert study.trials[0].params == {"x": 0.123}


def test_bad_options_are_refused() -> None:
    with pytest.raises(ValueError, match="'n_startup_trials' parameter of RLSampler"):
        RLSampler(n_startup_trials=0)
    with pytest.raises(ValueError, match="'horizon' parameter of RLSampler"):
        RLSampler(horizon=-1)
    for seed in ("x", 1.5, -1, True):
        with pytest.raises(
            ValueError, match=r"'seed' parameter of RLSampler must be an int >= 0 and < 2\*\*32, or None"
        ):
            RLSampler(seed=seed)
    assert RLSampler(seed=np.int64(3)).seed == 3


@pytest.mark.parametrize("kind", ["sqlite", "journal"])
def test_two_worker_processes_share_one_study_through_a_storage(tmp_path: Path, kind: str) -> None:
    url = f"sqlite:///{tmp_path / 'study.db'}" if kind == "sqlite" else f"journal:{tmp_path / 'study.log'}"
    from tests.integrations.optuna_worker import storage_of

    optuna.create_study(study_name="svc", storage=storage_of(url), direction="maximize")
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.integrations.optuna_worker", url, "svc", "20", str(seed)],
            cwd=ROOT,
            stderr=subprocess.PIPE,
            text=True,
        )
        for seed in (0, 1)
    ]
    for worker in workers:
        _, err = worker.communicate(timeout=300)
        assert worker.returncode == 0, err
    study = optuna.load_study(study_name="svc", storage=storage_of(url))
    trials = study.get_trials(states=(optuna.trial.TrialState.COMPLETE,))
    assert len(trials) == 40
    # No trial repeats one that was finished when it started. Two trials sampled at the same instant, each
    # before the other's parameters reached the storage, can coincide (the race the sampler's docstring
    # describes); a repeat of a finished trial would mean the sampler ignored the shared history.
    first: dict[tuple, optuna.trial.FrozenTrial] = {}
    for trial in sorted(trials, key=lambda t: t.datetime_start):
        key = tuple(sorted(trial.params.items()))
        earlier = first.setdefault(key, trial)
        if earlier is not trial:
            assert earlier.datetime_complete > trial.datetime_start, f"trial {trial.number} repeats a finished one"
    assert study.best_value > trials[0].value


def test_a_proposal_that_another_trial_holds_is_replaced_a_few_times_at_most(monkeypatch) -> None:
    def objective(trial: optuna.Trial) -> float:
        return trial.suggest_float("x", 0.0, 1.0) + trial.suggest_int("k", 0, 3)

    study = _run(_quick(), objective=objective, n_trials=4)
    held = {"x": 0.25, "k": 2}
    study.enqueue_trial(held)
    objective(study.ask())  # another worker's trial, still running (never told), holds `held`
    frozen = study._storage.get_trial(study.ask()._trial_id)  # the trial to sample
    sampler = _quick()
    space = sampler.infer_relative_search_space(study, frozen)

    def sample(*proposals: dict) -> tuple[dict, int]:
        """What sample_relative returns when the policy proposes ``proposals`` in turn, and how many it asked."""
        asked = []

        class Proposer:
            def observe(self, config: dict, result: object) -> None:
                pass

            def ask(self) -> SimpleNamespace:
                asked.append(proposals[len(asked)])
                return SimpleNamespace(config=asked[-1])

        monkeypatch.setattr(sampler, "_optimizer", lambda *args: Proposer())
        return sampler.sample_relative(study, frozen, space), len(asked)

    assert sample(held, held, {"x": 0.75, "k": 1}) == ({"x": 0.75, "k": 1}, 3)
    assert sample({"x": 0.5, "k": 0}) == ({"x": 0.5, "k": 0}, 1)
    assert sample(*[held] * 10) == (held, 4)  # the first proposal and three replacements, then it gives up


# -- what Optuna's own sampler tests expect of every sampler, run against RLSampler ---------------------------
def _quick() -> RLSampler:
    return RLSampler(seed=0, n_startup_trials=2)  # the policy decides from the third trial on


def test_a_nan_objective_never_becomes_the_best() -> None:
    study = optuna.create_study(sampler=_quick())

    def run(base: float) -> None:
        study.optimize(lambda t: t.suggest_float("x", 0.1, 0.2) + base, n_trials=1)

    for base in range(10, 1, -1):
        run(base)
    assert int(study.best_value) == 2
    run(math.nan)  # a failed trial: the best stays
    assert int(study.best_value) == 2 and study.trials[-1].state == optuna.trial.TrialState.FAIL
    run(1)
    assert int(study.best_value) == 1


def test_partially_fixed_parameters_are_kept() -> None:
    study = optuna.create_study(sampler=_quick())
    objective = lambda t: t.suggest_float("x", -1, 1) + t.suggest_int("y", -1, 1) + t.suggest_float("z", -1, 1)  # noqa: E731
    study.optimize(objective, n_trials=4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        study.sampler = optuna.samplers.PartialFixedSampler({"y": 0}, study.sampler)
    study.optimize(objective, n_trials=3)
    assert all(t.params["y"] == 0 for t in study.trials[-3:])


def test_single_value_distributions_sample_their_value() -> None:
    fixed = {
        "a": CategoricalDistribution([1]),
        "b": IntDistribution(1, 1),
        "c": FloatDistribution(1.0, 1.0, log=True),
        "d": FloatDistribution(1.0, 1.0, step=1.0),
    }
    study = optuna.create_study(sampler=_quick())
    for _ in range(4):
        trial = study.ask(fixed_distributions=fixed)
        study.tell(trial, 1.0)
        assert all(trial.params[name] == 1 for name in fixed)


@pytest.mark.parametrize(("low", "high"), [(0, 5), (0, 20), (20, 30)])
def test_a_range_that_changes_during_the_study_is_sampled_within_the_new_range(low: int, high: int) -> None:
    def objective(trial: optuna.Trial, lo: int, hi: int) -> float:
        return trial.suggest_float("x", lo, hi) + trial.suggest_int("y", lo, hi)

    study = optuna.create_study(sampler=_quick())
    study.optimize(lambda t: objective(t, 0, 10), n_trials=5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # x and y go to the independent sampler, said once each
        study.optimize(lambda t: objective(t, low, high), n_trials=5)
    assert all(low <= t.params["x"] <= high and low <= t.params["y"] <= high for t in study.trials[5:])
    assert all(t.state == optuna.trial.TrialState.COMPLETE for t in study.trials)


def test_branches_that_suggest_different_parameters_are_modelled() -> None:
    def objective(trial: optuna.Trial) -> float:
        if trial.suggest_categorical("x", [True, False]):
            return trial.suggest_float("y", 0, 1)
        return trial.suggest_float("z", 0, 1)

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # y and z are conditional on x: no fallback
        study = _run(_quick(), objective, n_trials=10)
    assert set(_quick().infer_relative_search_space(study, study.trials[-1])) == {"x", "y", "z"}


def test_processes_sharing_a_study_with_one_seed_draw_different_start_up_trials() -> None:
    storage = optuna.storages.InMemoryStorage()
    first = optuna.create_study(study_name="shared", storage=storage, sampler=RLSampler(seed=0))
    second = optuna.load_study(study_name="shared", storage=storage, sampler=RLSampler(seed=0))  # another process
    for _ in range(3):  # they take turns through the start-up phase
        for study in (first, second):
            study.optimize(lambda t: t.suggest_float("x", 0, 1) + len(t.suggest_categorical("k", ["a", "bb"])), 1)
    params = [tuple(sorted(t.params.items())) for t in first.trials]
    assert len(params) == 6 and len(set(params)) == 6
    again = optuna.create_study(sampler=RLSampler(seed=0))  # and a trial's draws are the seed's and its number's
    again.optimize(lambda t: t.suggest_float("x", 0, 1) + len(t.suggest_categorical("k", ["a", "bb"])), 6)
    assert [tuple(sorted(t.params.items())) for t in again.trials] == params


def test_a_proposal_depends_on_the_record_the_seed_and_the_trial_number_only() -> None:
    study = _run(RLSampler(seed=5), n_trials=10)
    asked = study.ask()  # trial 10, sampled by the study's own sampler, which has sampled trials 5..9 before
    frozen = study._storage.get_trial(asked._trial_id)
    space = RLSampler(seed=5).infer_relative_search_space(study, frozen)
    fresh = RLSampler(seed=5).sample_relative(study, frozen, space)  # a new process resuming the study
    assert fresh == asked.relative_params


def test_a_condition_that_widens_during_the_study_is_followed() -> None:
    def objective(trial: optuna.Trial) -> float:
        clf = trial.suggest_categorical("clf", ["a", "b", "c"])
        x = trial.suggest_float("x", 0, 1) if clf == "a" or (trial.number >= 8 and clf == "b") else 0.5
        return (x - 0.3) ** 2 + (clf == "c")

    study = _run(_quick(), objective, n_trials=16)  # x first only under "a", later also under "b"
    assert len(study.trials) == 16 and all(t.state == optuna.trial.TrialState.COMPLETE for t in study.trials)


def test_a_missing_or_corrupt_policy_fails_when_the_sampler_is_made(tmp_path: Path) -> None:
    """Not after the start-up trials: an Optuna study may have spent hours on them."""
    from rl_hpo.exceptions import PolicyFileError

    with pytest.raises(PolicyFileError, match="No policy"):
        RLSampler(policy=tmp_path / "missing")
    corrupt = tmp_path / "corrupt"
    corrupt.mkdir()
    (corrupt / "policy.json").write_text("{not json")
    with pytest.raises(PolicyFileError):
        RLSampler(policy=corrupt)


def test_trials_running_at_once_are_pending_to_the_policy_and_spread_out() -> None:
    def objective(trial: optuna.Trial) -> float:
        return (trial.suggest_float("x", 0.0, 1.0) - 0.3) ** 2 + (trial.suggest_float("y", 0.0, 1.0) - 0.7) ** 2

    study = optuna.create_study(sampler=RLSampler(seed=0))
    study.optimize(objective, n_trials=12)
    running = []
    for _ in range(4):  # four workers' trials, none of them finished
        trial = study.ask()
        running.append((trial.suggest_float("x", 0.0, 1.0), trial.suggest_float("y", 0.0, 1.0)))
    u = np.array(running)
    distances = np.linalg.norm(u[:, None] - u[None], axis=-1)[np.triu_indices(4, 1)]
    # Without them pending, the policy proposed one region to three of the four (at 2e-7 of each other).
    assert distances.min() > 1e-3
