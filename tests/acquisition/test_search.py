import math

import numpy as np
import pytest

from rl_hpo.acquisition.moves import CandidateMoves
from rl_hpo.acquisition.search import (
    CALIBRATION_BOUNDS,
    CALIBRATION_MIN_ERRORS,
    CANDIDATE_FEATURES,
    FEATURE_BOUND,
    N_FEATURES,
    CandidateSearch,
    SearchSettings,
    calibration_scale,
    parse_changes,
    settings_with_changes,
)
from rl_hpo.space import Categorical, Condition, Float, Int, SearchSpace

SPACES = {
    "one": SearchSpace({"x": Float(0, 1)}),
    "mixed": SearchSpace(
        {
            "kernel": Categorical(["rbf", "poly"]),
            "C": Float(1e-3, 1e3, log=True),
            "degree": Int(2, 5, condition=Condition("kernel", "poly")),
        }
    ),
    "fifty": SearchSpace({f"x{i}": Float(0, 1) for i in range(50)}),
}


@pytest.mark.parametrize("name", sorted(SPACES))
def test_proposals_have_the_same_shape_for_every_space(name):
    space = SPACES[name]
    search = CandidateSearch(space, horizon=30, rng=np.random.default_rng(0))
    rng = np.random.default_rng(1)
    for _ in range(8):
        u = rng.random(space.dim)
        search.add(u, float(-np.sum((u - 0.3) ** 2)))
    proposal = search.propose()
    k = SearchSettings().n_candidates
    assert proposal.u.shape == (k, space.dim)
    assert proposal.features.shape == (k, N_FEATURES)
    assert np.all((proposal.u >= 0) & (proposal.u <= 1))
    assert np.isfinite(proposal.features).all()
    assert np.abs(proposal.features).max() <= FEATURE_BOUND
    ranks = proposal.features[:, CANDIDATE_FEATURES.index("ei_rank")]
    assert ranks[np.argmax(proposal.log_ei)] == 0


def test_failed_evaluations_count_as_the_worst_score():
    space = SPACES["mixed"]
    search = CandidateSearch(space, horizon=20, rng=np.random.default_rng(0))
    search.add(np.full(3, 0.5), math.nan)
    assert search.best_score == -math.inf
    proposal = search.propose()  # nothing succeeded yet: uniform points, no model
    assert np.isfinite(proposal.features).all()
    search.add(np.full(3, 0.2), 1.0)
    search.add(np.full(3, 0.7), math.nan)
    assert search.best_score == 1.0
    assert np.isfinite(search.propose().features).all()


def test_the_same_generator_gives_the_same_candidates():
    space = SPACES["mixed"]
    a, b = (CandidateSearch(space, horizon=20, rng=np.random.default_rng(3)) for _ in range(2))
    for s in (a, b):
        s.add(np.array([0.1, 0.5, 0.9]), 1.0)
        s.add(np.array([0.8, 0.2, 0.4]), 2.0)
    np.testing.assert_array_equal(a.propose().u, b.propose().u)


def test_settings_reject_a_shortlist_larger_than_the_pool():
    with pytest.raises(ValueError, match="exceeds the pool"):
        SearchSettings(n_candidates=500, n_uniform=10, n_local=10, n_refine=10)
    with pytest.raises(ValueError, match="'n_candidates' parameter"):
        SearchSettings(n_candidates=0)


def _grid_search_with_history(settings: SearchSettings | None = None) -> CandidateSearch:
    space = SearchSpace({"a": Int(0, 9), "b": Int(0, 9)})
    search = CandidateSearch(space, horizon=50, rng=np.random.default_rng(0), settings=settings)
    rng = np.random.default_rng(1)
    for _ in range(8):
        u = rng.random(2)
        search.add(u, float(-np.sum((u - 0.3) ** 2)))
    return search


def test_pending_points_leave_the_shortlist():
    search = _grid_search_with_history()
    pending = search.propose().u[:20]
    pending_configs = {tuple(search.space.decode(u).values()) for u in pending}

    def repeated(proposal):
        return sum(tuple(search.space.decode(u).values()) in pending_configs for u in proposal.u)

    assert repeated(search.propose()) > 0  # on a 10 x 10 grid, the shortlist repeats pending configurations
    assert repeated(search.propose(pending)) == 0


def test_settings_changes_are_parsed_from_text():
    assert parse_changes("edges=clip, n_polish=3") == {"edges": "clip", "n_polish": 3}
    assert parse_changes("") == {}
    assert parse_changes("lengthscale_spread=0.7,warp=none") == {"lengthscale_spread": 0.7, "warp": "none"}
    assert parse_changes("lengthscale_spread=null") == {"lengthscale_spread": None}
    with pytest.raises(ValueError, match="key=value"):
        parse_changes("n_polish")


def test_settings_are_changed_by_name_from_text_and_a_wrong_name_or_value_is_refused():
    assert settings_with_changes("max_lengthscale=1.5") == SearchSettings(max_lengthscale=1.5)
    base = SearchSettings(edges="reflect")
    assert settings_with_changes("n_polish=0", base) == SearchSettings(edges="reflect", n_polish=0)
    assert settings_with_changes("", base) == base
    with pytest.raises(ValueError, match=r"No search setting named 'polish'; the settings are: n_candidates, "):
        settings_with_changes("polish=0")
    with pytest.raises(ValueError, match="'max_lengthscale' parameter of SearchSettings"):
        settings_with_changes("max_lengthscale=200")


def test_evaluated_configurations_leave_the_shortlist_when_repeats_are_avoided():
    for repeats, expected in (("avoid", False), ("allow", True)):
        search = _grid_search_with_history(SearchSettings(repeats=repeats))
        evaluated = {tuple(search.space.decode(u).values()) for u in search._u}
        proposed = [tuple(search.space.decode(u).values()) for u in search.propose().u]
        assert any(config in evaluated for config in proposed) == expected, repeats


@pytest.mark.parametrize("method", ["ei", "ppo"])
def test_a_small_discrete_space_is_covered_before_any_configuration_repeats(method):
    options = {"settings": SearchSettings(repeats="avoid")}
    """3 x 3 x 3 categorical configurations, and the integers 1..20: every one once before any twice (after the
    initial design)."""
    import rl_hpo

    for space in (
        SearchSpace({name: Categorical(["a", "b", "c"]) for name in ("p", "q", "r")}),
        SearchSpace({"n": Int(1, 20)}),
    ):
        size = 27 if space.dim == 3 else 20

        def objective(config):
            return -sum(ord(str(v)[-1]) % 7 for v in config.values())

        history = rl_hpo.tune(objective, space, method=method, budget=size + 3, seed=2, **options)
        seen: set[tuple] = set()
        for trial, record in enumerate(history.records):
            config = tuple(sorted(record.config.items()))
            if trial >= 5 and len(seen) < size:  # after the initial design (random points, which may repeat)
                assert config not in seen, f"trial {trial} repeats {config} with {size - len(seen)} left unseen"
            seen.add(config)
        assert len(seen) == size and history.n_trials == size + 3  # an exhausted space goes on, repeating


def test_near_constant_scores_are_standardized_relative_to_their_size():
    """Scores 1e-14 apart are not constant when they are 1e-14 in size; nor do 1e170-sized scores overflow."""
    for scale in (1e-15, 1.0, 1e170):
        search = CandidateSearch(SPACES["one"], horizon=20, rng=np.random.default_rng(0))
        for x in np.linspace(0.05, 0.95, 6):
            search.add(np.array([x]), -scale * (x - 0.7) ** 2)
        proposal = search.propose()
        assert np.all(np.isfinite(proposal.features)) and search.gp.y_std != 1.0
        best = proposal.u[np.argmax(proposal.log_ei)]
        assert abs(best[0] - 0.7) < 0.2, (scale, best)


def test_snapped_integers_make_points_of_the_same_configuration_one_point_to_the_gp():
    space = SearchSpace({"layers": Int(1, 5), "units": Int(16, 1024, log=True), "lr": Float(0.0, 1.0)})
    rng = np.random.default_rng(0)
    history = rng.random((12, 3))
    # Two points inside the same integer cells (layers 3, units 128), at the same lr.
    same = np.array([space.encode({"layers": 3, "units": 128, "lr": 0.4})] * 2)
    same[0, :2] -= [0.08, 0.0008]
    same[1, :2] += [0.08, 0.0008]
    assert space.decode(same[0]) == space.decode(same[1])
    for integers, equal in (("snap", True), ("as-is", False)):
        search = CandidateSearch(
            space, horizon=30, rng=np.random.default_rng(1), settings=SearchSettings(integers=integers)
        )
        for u in history:
            search.add(u, float(np.sin(7 * u[0]) + u[1] - (u[2] - 0.3) ** 2))
        search.propose()
        mean, std = search.gp.predict(*search._rows(same))
        assert (np.allclose(mean[0], mean[1]) and np.allclose(std[0], std[1])) == equal, integers
        # Polishing moves the float; with snapping, it leaves the integers where they are.
        starts = CandidateMoves(history[:4], np.full(4, 0.1), np.zeros(4, int), np.zeros(4, bool))
        polished = search._polish(starts, *search._rows(starts.u))[0].u
        assert not np.allclose(polished[:, 2], starts.u[:, 2])
        assert np.array_equal(polished[:, :2], starts.u[:, :2]) == equal, integers


def test_settings_reject_an_unknown_rule_for_integers():
    with pytest.raises(ValueError, match="'integers' parameter"):
        SearchSettings(integers="round")


def test_settings_reach_the_gp_and_reject_an_unknown_lengthscale_prior():
    search = CandidateSearch(
        SPACES["mixed"], horizon=20, rng=np.random.default_rng(0), settings=SearchSettings(lengthscale_prior="unit")
    )
    assert search.gp.lengthscale_prior == "unit"
    assert search.gp.lengthscale_spread is None
    with pytest.raises(ValueError, match="'lengthscale_prior' parameter"):
        SearchSettings(lengthscale_prior="flat")
    pooled = CandidateSearch(
        SPACES["mixed"], horizon=20, rng=np.random.default_rng(0), settings=SearchSettings(lengthscale_spread=0.7)
    )
    assert pooled.gp.lengthscale_spread == 0.7
    with pytest.raises(ValueError, match="'lengthscale_spread' parameter of SearchSettings"):
        SearchSettings(lengthscale_spread=-0.7)
    chooser = CandidateSearch(
        SPACES["mixed"],
        horizon=20,
        rng=np.random.default_rng(0),
        settings=SearchSettings(lengthscale_spread=0.5, lengthscale_choice="prequential"),
    )
    assert set(chooser.gp.rivals) == {None, 0.5}
    with pytest.raises(ValueError, match="needs a lengthscale_spread"):
        SearchSettings(lengthscale_choice="prequential")


def test_input_warp_reaches_the_gp_and_a_run_warps_with_fitted_shapes():
    search = CandidateSearch(
        SPACES["mixed"], horizon=20, rng=np.random.default_rng(0), settings=SearchSettings(input_warp="kumaraswamy")
    )
    assert search.gp.input_warp == "kumaraswamy"
    rng = np.random.default_rng(1)
    for _ in range(14):
        u = search.propose().by_expected_improvement() if search.n_evals >= 4 else rng.random(SPACES["mixed"].dim)
        search.add(u, float(-np.sum((u - 0.2) ** 2)))
    assert search.gp.warp_shapes.shape == (2, search.encoding.numeric.size)
    assert np.any(search.gp.warp_shapes != 0.0)
    assert CandidateSearch(SPACES["mixed"], horizon=20, rng=rng).gp.input_warp == "none"  # the default
    with pytest.raises(ValueError, match="'input_warp' parameter of SearchSettings"):
        SearchSettings(input_warp="beta")


def test_calibration_scale_is_the_errors_robust_scale_within_its_bounds():
    rng = np.random.default_rng(0)
    normal = rng.standard_normal(4000)
    assert calibration_scale(normal[: CALIBRATION_MIN_ERRORS - 1] * 10) == 1.0  # too few errors yet
    assert calibration_scale(normal) == pytest.approx(1.0, abs=0.05)
    assert calibration_scale(3.0 * normal) == pytest.approx(3.0, rel=0.05)
    # A few enormous errors (diverged configurations) barely move it.
    assert calibration_scale(np.concatenate([3.0 * normal, [1e6] * 40])) == pytest.approx(3.0, rel=0.06)
    assert calibration_scale(np.zeros(20)) == CALIBRATION_BOUNDS[0] == 1.0  # never narrows the uncertainty
    assert calibration_scale(np.full(20, 1e9)) == CALIBRATION_BOUNDS[1]


def test_prequential_calibration_scores_each_point_told_after_the_first_fit_before_it_is_known():
    space = SPACES["mixed"]
    search = CandidateSearch(
        space, horizon=40, rng=np.random.default_rng(0), settings=SearchSettings(calibration="prequential")
    )
    rng = np.random.default_rng(1)

    def score(u: np.ndarray) -> float:
        return float(np.sin(9 * u).sum())

    for _ in range(5):  # the initial design: no fit yet, nothing to score
        u = rng.random(space.dim)
        search.add(u, score(u))
    assert search.prediction_errors == []
    for _ in range(8):
        proposal = search.propose()
        u = proposal.by_expected_improvement()
        expected_scale = calibration_scale(search.prediction_errors)
        assert search.gp.std_scale == expected_scale
        mean, std = search.gp.predict(*search._rows(u[None]))
        observed = search.gp.standardized(np.array([score(u)]))[0]
        predictive = math.sqrt((std[0] / expected_scale) ** 2 + search.gp.noise_variance)
        search.add(u, score(u))
        assert search.prediction_errors[-1] == pytest.approx((observed - mean[0]) / predictive)
    search.add(rng.random(space.dim), math.nan)  # a failed evaluation has no error
    assert len(search.prediction_errors) == 8


def test_a_gp_that_errs_more_than_it_says_predicts_with_wider_uncertainty():
    space = SearchSpace({"x": Float(0, 1), "y": Float(0, 1)})
    rng = np.random.default_rng(2)
    searches = {
        c: CandidateSearch(space, horizon=40, rng=np.random.default_rng(3), settings=SearchSettings(calibration=c))
        for c in ("none", "prequential")
    }
    for search in searches.values():
        design = np.random.default_rng(4).random((5, 2))
        for u in design:
            search.add(u, float(np.cos(3 * u).sum()))
        for _ in range(12):  # told scores the smooth design did not foretell: noise far beyond the GP's
            u = rng.random(2)
            search.propose()
            search.add(u, float(np.cos(3 * u).sum() + rng.normal(scale=3.0)))
        search.propose()
    assert searches["none"].prediction_errors == [] and searches["none"].gp.std_scale == 1.0
    assert searches["prequential"].gp.std_scale > 1.5


def test_prequential_calibration_needs_a_warp_that_carries_to_new_scores():
    with pytest.raises(ValueError, match="needs the warp 'none', 'outliers' or 'outliers-distinct'"):
        SearchSettings(calibration="prequential", warp="half-rank")
    with pytest.raises(ValueError, match="'calibration' parameter of SearchSettings must be one of"):
        SearchSettings(calibration="quantile")


def test_a_decision_believes_pending_points_in_a_copy_and_leaves_the_fit_as_it_was():
    search = _grid_search_with_history(SearchSettings(calibration="prequential"))
    pending = search.propose().u[:3]
    fit = search.gp
    search.propose(pending)
    assert search.gp is fit and fit.n == 8  # told points only: a told point's prediction error is the fit's
    search.add(pending[0], -0.1)
    assert abs(search.prediction_errors[-1]) < 50  # by the fit that did not believe it (not by about 1/sqrt(noise))
