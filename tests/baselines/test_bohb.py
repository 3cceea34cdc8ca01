"""BOHB: the conformance suite, HpBandSter's model rules and the mixed kernel density."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.integrate import trapezoid

from rl_hpo.baselines._kde import MixedKDE
from rl_hpo.baselines.bohb import BOHB
from rl_hpo.baselines.hyperband import Hyperband
from rl_hpo.space import Categorical, Float, SearchSpace
from tests.baselines.conformance import CONDITIONAL, FIDELITY, MIXED, OptimizerConformance, synthetic_objective


class TestBOHB(OptimizerConformance):
    factory = BOHB
    fidelity = FIDELITY
    n_trials = 60  # the first rung has 27 configurations: a model from the 12th result (2 (d + 1))


def run(opt, n):
    score = synthetic_objective(opt.space, FIDELITY)
    trials = []
    for _ in range(n):
        trial = opt.ask()
        opt.tell(trial, score(trial.config, trial.fidelity))
        trials.append(trial)
    return trials


def test_the_model_needs_both_densities_to_have_more_rows_than_dimensions():
    d = MIXED.dim  # 5: min_points_in_model = 6, n_good = 6, so g needs 6 more: 12 results
    opt = BOHB(MIXED, seed=0, fidelity=FIDELITY)
    run(opt, 2 * (d + 1) - 1)
    assert opt.models_ == {}
    run(opt, 1)
    good, bad = opt.models_[0]
    assert good.data.shape == (d + 1, d) and bad.data.shape == (d + 1, d)


def test_the_model_comes_from_the_largest_budget_with_enough_results():
    opt = BOHB(MIXED, seed=0, fidelity=FIDELITY, min_points_in_model=6)
    run(opt, 27 + 9)  # rung 0 (27 results at 1 epoch) and rung 1 (9 results at 3 epochs)
    assert set(opt.models_) == {0}
    run(opt, 3 + 1 + 12)  # rungs 2 and 3, then bracket s = 2 puts 12 results on level 1
    assert max(opt.models_) == 1
    n_level_0 = len(opt._vectors[0])
    run(opt, 10)  # results on level 0 are no longer recorded once level 1 has a model
    assert len(opt._vectors[0]) == n_level_0


def test_with_only_random_configurations_bohb_is_hyperband():
    bohb = BOHB(MIXED, seed=2, fidelity=FIDELITY, random_fraction=1.0)
    hyperband = Hyperband(MIXED, seed=2, fidelity=FIDELITY)
    assert [(t.config, t.fidelity) for t in run(bohb, 80)] == [(t.config, t.fidelity) for t in run(hyperband, 80)]


def test_model_based_configurations_are_better_than_random_ones():
    space = SearchSpace({f"x{i}": Float(0.0, 1.0) for i in range(3)})
    score = synthetic_objective(space)
    opt = BOHB(space, seed=0, fidelity=FIDELITY, random_fraction=0.0)
    run(opt, 40)
    assert opt.models_
    model_picks = [score(opt._sample_config(0)) for _ in range(30)]
    random_picks = [score(space.decode(u)) for u in np.random.default_rng(0).random((30, 3))]
    assert np.mean(model_picks) > np.mean(random_picks) + 0.1


def test_inactive_parameters_are_imputed_from_rows_where_they_are_active():
    opt = BOHB(CONDITIONAL, seed=0, fidelity=FIDELITY)
    vectors = np.array([opt._vector(CONDITIONAL.decode(u)) for u in np.random.default_rng(1).random((12, 6))])
    assert np.isnan(vectors).any()
    imputed = opt._impute(vectors)
    assert np.all(np.isfinite(imputed))
    for j in range(vectors.shape[1]):
        active = vectors[np.isfinite(vectors[:, j]), j]
        assert set(imputed[:, j]) <= set(active)


def _impute_every_row(opt, array):
    """``BOHB._impute`` as it was written first: every row visited, the complete ones drawing nothing."""
    out = array.copy()
    for row in out:
        missing = np.flatnonzero(np.isnan(row))
        while missing.size:
            j = missing[0]
            donors = np.flatnonzero(np.isfinite(array[:, j]))
            if donors.size:
                row[missing] = array[opt._rng.choice(donors), missing]
            elif opt._n_choices[j]:
                row[j] = opt._rng.integers(opt._n_choices[j])
            else:
                row[j] = opt._rng.random()
            missing = np.flatnonzero(np.isnan(row))
    return out


def test_imputing_visits_only_incomplete_rows_and_draws_as_a_visit_of_every_row_does():
    vectors = np.array(
        [
            BOHB(CONDITIONAL, seed=0, fidelity=FIDELITY)._vector(CONDITIONAL.decode(u))
            for u in np.random.default_rng(2).random((40, 6))
        ]
    )
    vectors[5, :] = np.nan  # a row with nothing active
    assert 0 < np.isnan(vectors).any(axis=1).sum() < len(vectors)
    nowhere = vectors.copy()
    nowhere[:, 3] = np.nan  # a column active in no row: drawn uniformly
    ours, reference = (BOHB(CONDITIONAL, seed=3, fidelity=FIDELITY) for _ in range(2))
    for array in (vectors, nowhere, vectors):  # the generators stay in step from one fit to the next
        np.testing.assert_array_equal(ours._impute(array), _impute_every_row(reference, array))
    assert ours._rng.random() == reference._rng.random()


def test_the_mixed_density_is_a_density():
    rng = np.random.default_rng(0)
    data = np.column_stack([rng.random(20), rng.integers(3, size=20)])
    kde = MixedKDE(data, np.array([0, 3]), min_bandwidth=1e-3)
    grid = np.linspace(-2.0, 3.0, 5001)
    mass = sum(trapezoid(kde.pdf(np.column_stack([grid, np.full_like(grid, c)])), grid) for c in range(3))
    assert mass == pytest.approx(1.0, abs=1e-6)
    # normal-reference bandwidth of statsmodels: 1.06 std n^(-1/(4 + d))
    assert kde.bandwidth[0] == pytest.approx(1.06 * data[:, 0].std() * 20 ** (-1 / 6))


def test_the_categorical_kernel_stays_a_distribution_with_missing_choices():
    # One choice of five in the data: statsmodels' kernel would divide by zero here.
    kde = MixedKDE(np.zeros((4, 1)), np.array([5]), min_bandwidth=1e-3)
    probabilities = kde.pdf(np.arange(5.0)[:, None])
    assert probabilities.sum() == pytest.approx(1.0)
    assert np.all(probabilities > 0)


def test_the_density_does_not_underflow_in_many_dimensions():
    data = np.random.default_rng(0).random((10, 40))
    kde = MixedKDE(data, np.zeros(40, dtype=int), min_bandwidth=1e-3)
    assert np.all(np.isfinite(kde.log_pdf(1.0 - data)))


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("top_n_percent", 0, r"'top_n_percent' parameter of BOHB must be an int in \[1, 99\]"),
        ("num_samples", 0, r"'num_samples' parameter of BOHB must be an int in \[1, inf\)"),
        ("random_fraction", 1.5, r"'random_fraction' parameter of BOHB must be a float in \[0.0, 1.0\]"),
        ("bandwidth_factor", 0.0, r"'bandwidth_factor' parameter of BOHB must be a float in \(0.0, inf\)"),
        ("min_bandwidth", math.nan, r"'min_bandwidth' parameter of BOHB must be a float in \(0.0, inf\)"),
        ("min_points_in_model", 3, r"'min_points_in_model' parameter of BOHB must be an int in \[6, inf\)"),
    ],
)
def test_options_are_validated(option, value, message):
    with pytest.raises(ValueError, match=message + rf"\. Got {value!r} instead\."):
        BOHB(MIXED, fidelity=FIDELITY, **{option: value})


def test_a_categorical_only_space_works():
    space = SearchSpace({"a": Categorical(list("abcd")), "b": Categorical([1, 2, 3])})
    trials = run(BOHB(space, seed=0, fidelity=FIDELITY, random_fraction=0.0), 60)
    assert all(space.contains(t.config) for t in trials)
