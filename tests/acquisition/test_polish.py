import numpy as np
import pytest

from rl_hpo.acquisition.gp import INPUT_WARPS, GaussianProcess, MixedEncoding, log_expected_improvement
from rl_hpo.acquisition.moves import CandidateMoves
from rl_hpo.acquisition.polish import (
    MAX_EXHAUSTIVE,
    NEIGHBOUR_STEPS,
    DiscreteLevels,
    discrete_search,
    log_expected_improvement_gradient,
    polish,
)
from rl_hpo.acquisition.search import CandidateSearch, SearchSettings
from rl_hpo.space import Categorical, Condition, Float, Int, SearchSpace

SPACE = SearchSpace({"a": Float(0, 1), "b": Float(0, 1), "c": Categorical(["x", "y", "z"])})


def _fitted_gp(seed: int = 0, input_warp: str = "none") -> tuple[GaussianProcess, MixedEncoding]:
    enc = MixedEncoding.of(SPACE)
    rng = np.random.default_rng(seed)
    xn, xc = enc.rows(rng.random((15, 3)))
    gp = GaussianProcess(enc, input_warp=input_warp)
    refit = input_warp == "none"
    if not refit:  # shapes away from the identity, so that the warp's chain rule is tested
        gp.warp_shapes = np.array([[-0.5, 0.4], [0.3, -0.2]])
    gp.fit(xn, xc, -np.sum((xn - 0.3) ** 2, axis=1) + 0.1 * xc[:, 0], refit=refit)
    return gp, enc


@pytest.mark.parametrize("input_warp", INPUT_WARPS)
def test_mean_and_std_gradients_match_finite_differences(input_warp):
    gp, enc = _fitted_gp(input_warp=input_warp)
    _assert_gradients_match_finite_differences(gp, *enc.rows(np.random.default_rng(1).random((5, 3))))


def _assert_gradients_match_finite_differences(gp: GaussianProcess, xn: np.ndarray, xc: np.ndarray) -> None:
    mean, std, d_mean, d_std = gp.predict_gradient(xn, xc)
    np.testing.assert_allclose(np.stack(gp.predict(xn, xc)), np.stack([mean, std]))
    h = 1e-6
    for p in range(xn.shape[1]):
        step = np.zeros_like(xn)
        step[:, p] = h
        up, down = gp.predict(xn + step, xc), gp.predict(xn - step, xc)
        np.testing.assert_allclose(d_mean[:, p], (up[0] - down[0]) / (2 * h), rtol=1e-4, atol=1e-6)
        np.testing.assert_allclose(d_std[:, p], (up[1] - down[1]) / (2 * h), rtol=1e-4, atol=1e-6)


def test_gradients_of_the_integrated_lengthscales_match_finite_differences():
    enc = MixedEncoding.of(SPACE)
    rng = np.random.default_rng(0)
    xn, xc = enc.rows(rng.random((6, 3)))
    gp = GaussianProcess(enc, lengthscale_integration="laplace")
    gp.fit(xn, xc, -np.sum((xn - 0.3) ** 2, axis=1) + 0.1 * xc[:, 0])
    assert len(gp._components) == 3  # six points leave the lengthscales' scale open
    _assert_gradients_match_finite_differences(gp, *enc.rows(rng.random((5, 3))))


def test_an_identity_warp_keeps_the_gradient_on_the_faces_of_the_cube():
    # Polishing starts on faces (edges="clip" puts moves there): the warp must not zero the gradient there.
    plain, enc = _fitted_gp()
    warped = GaussianProcess(enc, input_warp="kumaraswamy")
    warped.theta = plain.theta.copy()
    rng = np.random.default_rng(0)
    xn, xc = enc.rows(rng.random((15, 3)))
    warped.fit(xn, xc, -np.sum((xn - 0.3) ** 2, axis=1) + 0.1 * xc[:, 0], refit=False)
    faces = np.array([[0.0, 1.0], [1.0, 0.0], [0.0, 0.5]])
    codes = np.zeros((3, 1), dtype=int)
    expected, got = plain.predict_gradient(faces, codes), warped.predict_gradient(faces, codes)
    assert np.all(np.abs(expected[2]) > 1e-3)
    for e, g in zip(expected, got):
        np.testing.assert_allclose(g, e, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("input_warp", INPUT_WARPS)
def test_log_ei_gradient_matches_finite_differences(input_warp):
    gp, enc = _fitted_gp(input_warp=input_warp)
    # Points near the data, where log EI is moderate (far in the tail finite differences lose digits).
    xn, xc = enc.rows(np.random.default_rng(2).random((6, 3)) * 0.6)
    # Below z = -5 log EI is an asymptotic series, accurate to about 1e-3 relative: hence rtol.
    _, grad = log_expected_improvement_gradient(gp, xn, xc)
    h = 1e-6
    for p in range(xn.shape[1]):
        step = np.zeros_like(xn)
        step[:, p] = h
        up = log_expected_improvement(*gp.predict(xn + step, xc), gp.y_best)
        down = log_expected_improvement(*gp.predict(xn - step, xc), gp.y_best)
        np.testing.assert_allclose(grad[:, p], (up - down) / (2 * h), rtol=1e-2, atol=1e-4)


@pytest.mark.parametrize("scaled", [False, True])
def test_polish_raises_log_ei_stays_in_the_cube_and_leaves_fixed_coordinates(scaled):
    gp, enc = _fitted_gp()
    xn, xc = enc.rows(np.random.default_rng(3).random((4, 3)))
    start = log_expected_improvement(*gp.predict(xn, xc), gp.y_best)
    movable = np.ones_like(xn, dtype=bool)
    movable[0, 1] = False
    scale = gp.numeric_lengthscales if scaled else None
    polished, mean, std = polish(gp, xn, xc, movable, scale=scale)
    log_ei = log_expected_improvement(mean, std, gp.y_best)
    assert np.all(log_ei >= start) and np.any(log_ei > start + 1e-3)
    assert np.all((polished >= 0) & (polished <= 1))
    assert polished[0, 1] == xn[0, 1]
    np.testing.assert_allclose(np.stack([mean, std]), np.stack(gp.predict(polished, xc)))
    same, same_mean, same_std = polish(gp, xn, xc, np.zeros_like(movable))
    np.testing.assert_array_equal(same, xn)
    np.testing.assert_allclose(log_expected_improvement(same_mean, same_std, gp.y_best), start)


def test_a_search_offers_polished_candidates_and_moves_only_active_numeric_coordinates():
    space = SearchSpace(
        {
            "kind": Categorical(["a", "b"]),
            "x": Float(0, 1),
            "y": Float(0, 1, condition=Condition("kind", "b")),
        }
    )
    rng = np.random.default_rng(0)
    history = [(u, float(-((u[1] - 0.77) ** 2) - 0.5 * (u[0] > 0.5))) for u in rng.random((10, 3))]

    def search_with(n_polish):
        settings = SearchSettings(n_polish=n_polish)
        search = CandidateSearch(space, horizon=30, rng=np.random.default_rng(1), settings=settings)
        for u, y in history:
            search.add(u, y)
        return search

    assert search_with(3).propose().log_ei.max() > search_with(0).propose().log_ei.max()
    search = search_with(3)
    search.propose()  # fits the GP
    starts = np.array([[0.2, 0.5, 0.3], [0.8, 0.5, 0.3]])  # kind "a" (y inactive), kind "b"
    start_moves = CandidateMoves(starts, np.full(2, 0.1), np.zeros(2, dtype=int), np.zeros(2, dtype=bool))
    xn, xc = search._rows(starts)
    polished, _, _, mean, std = search._polish(start_moves, xn, xc)
    assert polished.refined.all()
    np.testing.assert_array_equal(polished.u[:, 0], starts[:, 0])  # categorical: unchanged
    assert polished.u[0, 2] == starts[0, 2]  # inactive: unchanged
    assert polished.u[0, 1] != starts[0, 1] and polished.u[1, 1] != starts[1, 1]
    polished_log_ei = log_expected_improvement(mean, std, search.gp.y_best)
    assert np.all(polished_log_ei >= log_expected_improvement(*search.gp.predict(xn, xc), search.gp.y_best))


MIXED = SearchSpace(
    {
        "c": Categorical(["x", "y", "z"]),
        "few": Int(1, 5),
        "many": Int(1, 2000, log=True),
        "f": Float(0, 1),
        "one": Categorical(["only"]),
    }
)


def test_discrete_levels_are_every_category_and_value_or_a_spread_with_neighbours():
    levels = DiscreteLevels(MIXED, integers=True)
    u = np.array([[0.5, 0.5, MIXED["many"].to_unit(100), 0.5, 0.5]])
    values = levels.levels(u)[0]
    by_column = {j: values[levels.columns == j] for j in range(MIXED.dim)}
    np.testing.assert_allclose(by_column[0], [1 / 6, 1 / 2, 5 / 6])  # every category, at its middle
    np.testing.assert_allclose(by_column[1], [MIXED["few"].to_unit(v) for v in range(1, 6)])
    assert by_column[3].size == 0 and by_column[4].size == 0  # a float, a single category: nothing to try
    many = MIXED["many"]
    decoded = many.from_unit(by_column[2])
    # a spread of MAX_EXHAUSTIVE cube points (log-uniform: two of the smallest round to one value) + neighbours
    assert MAX_EXHAUSTIVE - 2 <= by_column[2].size - len(NEIGHBOUR_STEPS) <= MAX_EXHAUSTIVE
    assert {98, 99, 101, 102} <= set(decoded.tolist()) and decoded.min() < 5 and decoded.max() > 1000
    np.testing.assert_allclose(by_column[2], [many.to_unit(v) for v in decoded])  # snapped to their values
    without_integers = DiscreteLevels(MIXED, integers=False)
    assert set(without_integers.columns.tolist()) == {0}
    assert set(DiscreteLevels(MIXED, integers=True, categories=False).columns.tolist()) == {1, 2}
    assert not DiscreteLevels(SearchSpace({"f": Float(0, 1)}), integers=True)


def test_discrete_search_moves_each_point_to_its_best_values_and_keeps_points_it_cannot_improve():
    levels = DiscreteLevels(MIXED, integers=True)
    target = np.array([5 / 6, MIXED["few"].to_unit(4), MIXED["many"].to_unit(300)])

    def score(u):  # best at category z, few = 4, many = 300; separable, so two sweeps reach it from anywhere
        return -np.abs(u[:, :3] - target).sum(axis=1)

    start = np.array([[1 / 6, MIXED["few"].to_unit(1), MIXED["many"].to_unit(2), 0.3, 0.5], [*target, 0.7, 0.5]])
    found, log_ei = discrete_search(score, start, score(start), levels, sweeps=2)
    np.testing.assert_allclose(found[0, :2], target[:2])  # category and small integer: their best values
    assert abs(found[0, 2] - target[2]) < abs(start[0, 2] - target[2])  # the large one: nearer
    np.testing.assert_array_equal(found[1], start[1])  # already best
    np.testing.assert_array_equal(found[:, 3:], start[:, 3:])  # other coordinates stay
    np.testing.assert_allclose(log_ei, score(found))
    assert log_ei[0] > score(start)[0]


def test_a_search_with_discrete_search_moves_a_category_to_its_best_by_expected_improvement():
    space = SearchSpace({"c": Categorical(["a", "b", "c", "d"]), "x": Float(0, 1)})
    rng = np.random.default_rng(0)
    history = [(u, float(-((u[1] - 0.6) ** 2) + 1.0 * (u[0] >= 0.75))) for u in rng.random((12, 2))]
    starts = np.array([[0.1, 0.6], [0.4, 0.6], [0.9, 0.2]])

    def polished_from(discrete):
        settings = SearchSettings(discrete=discrete)
        search = CandidateSearch(space, horizon=30, rng=np.random.default_rng(1), settings=settings)
        for u, y in history:
            search.add(u, y)
        search.propose()  # fits the GP
        moves = CandidateMoves(starts, np.full(3, 0.1), np.zeros(3, dtype=int), np.zeros(3, dtype=bool))
        polished, _, _, mean, std = search._polish(moves, *search._rows(starts))
        np.testing.assert_allclose(np.stack([mean, std]), np.stack(search.gp.predict(*search._rows(polished.u))))
        return search, polished.u

    np.testing.assert_array_equal(polished_from("keep")[1][:, 0], starts[:, 0])
    np.testing.assert_array_equal(polished_from("integers")[1][:, 0], starts[:, 0])  # categories: left alone
    search, found = polished_from("search")
    for point in found:  # its category is the one of largest EI at its x
        every = np.column_stack([(np.arange(4) + 0.5) / 4, np.full(4, point[1])])
        log_ei = log_expected_improvement(*search.gp.predict(*search._rows(every)), search.gp.y_best)
        assert int(point[0] * 4) == int(np.argmax(log_ei))
    assert (np.floor(found[:, 0] * 4) != np.floor(starts[:, 0] * 4)).any()


def test_settings_reject_an_unknown_rule_for_discrete_coordinates():
    with pytest.raises(ValueError, match="'discrete' parameter"):
        SearchSettings(discrete="sometimes")


def test_polishing_in_unit_scales_is_polishing_in_the_cube():
    gp, enc = _fitted_gp()
    xn, xc = enc.rows(np.random.default_rng(3).random((4, 3)))
    movable = np.ones_like(xn, dtype=bool)
    for ours, theirs in zip(polish(gp, xn, xc, movable), polish(gp, xn, xc, movable, scale=np.ones(xn.shape[1]))):
        np.testing.assert_array_equal(ours, theirs)


def test_settings_reject_an_unknown_polishing_scale():
    with pytest.raises(ValueError, match="'polish_scale' parameter of SearchSettings must be one of"):
        SearchSettings(polish_scale="inputs")


def test_settings_reject_a_negative_polishing_count():
    with pytest.raises(ValueError, match="'n_polish' parameter"):
        SearchSettings(n_polish=-1)


@pytest.mark.parametrize(
    "space",
    [
        SearchSpace({"a": Categorical(["x", "y", "z"]), "b": Categorical(["u", "v"])}),  # nothing numeric
        SearchSpace({"kind": Categorical(["a", "b"]), "y": Float(0, 1, condition=Condition("kind", "b"))}),
    ],
    ids=["categorical-only", "conditional"],
)
@pytest.mark.parametrize("discrete", ["keep", "search"])
def test_polishing_leaves_spaces_without_movable_coordinates_working(space, discrete):
    settings = SearchSettings(n_polish=3, discrete=discrete)
    search = CandidateSearch(space, horizon=20, rng=np.random.default_rng(0), settings=settings)
    rng = np.random.default_rng(1)
    for _ in range(6):
        u = rng.random(space.dim)
        search.add(u, float(-np.sum((u - 0.4) ** 2)))
    pending = search.propose().u[:3]  # as if three trials were running
    proposal = search.propose(pending)
    assert np.isfinite(proposal.log_ei).all() and np.all((proposal.u >= 0) & (proposal.u <= 1))
