import numpy as np
import pytest

from rl_hpo.acquisition.gp import GaussianProcess, MixedEncoding, log_expected_improvement
from rl_hpo.acquisition.moves import CandidateMoves
from rl_hpo.acquisition.polish import log_expected_improvement_gradient, polish
from rl_hpo.acquisition.search import CandidateSearch, SearchSettings
from rl_hpo.space import Categorical, Condition, Float, SearchSpace

SPACE = SearchSpace({"a": Float(0, 1), "b": Float(0, 1), "c": Categorical(["x", "y", "z"])})


def _fitted_gp(seed: int = 0) -> tuple[GaussianProcess, MixedEncoding]:
    enc = MixedEncoding.of(SPACE)
    rng = np.random.default_rng(seed)
    xn, xc = enc.rows(rng.random((15, 3)))
    gp = GaussianProcess(enc)
    gp.fit(xn, xc, -np.sum((xn - 0.3) ** 2, axis=1) + 0.1 * xc[:, 0])
    return gp, enc


def test_mean_and_std_gradients_match_finite_differences():
    gp, enc = _fitted_gp()
    xn, xc = enc.rows(np.random.default_rng(1).random((5, 3)))
    mean, std, d_mean, d_std = gp.predict_gradient(xn, xc)
    np.testing.assert_allclose(np.stack(gp.predict(xn, xc)), np.stack([mean, std]))
    h = 1e-6
    for p in range(xn.shape[1]):
        step = np.zeros_like(xn)
        step[:, p] = h
        up, down = gp.predict(xn + step, xc), gp.predict(xn - step, xc)
        np.testing.assert_allclose(d_mean[:, p], (up[0] - down[0]) / (2 * h), rtol=1e-4, atol=1e-6)
        np.testing.assert_allclose(d_std[:, p], (up[1] - down[1]) / (2 * h), rtol=1e-4, atol=1e-6)


def test_log_ei_gradient_matches_finite_differences():
    gp, enc = _fitted_gp()
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


def test_polish_raises_log_ei_stays_in_the_cube_and_leaves_fixed_coordinates():
    gp, enc = _fitted_gp()
    xn, xc = enc.rows(np.random.default_rng(3).random((4, 3)))
    start = log_expected_improvement(*gp.predict(xn, xc), gp.y_best)
    movable = np.ones_like(xn, dtype=bool)
    movable[0, 1] = False
    polished, mean, std = polish(gp, xn, xc, movable)
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
    polished, _, mean, std = search._polish(start_moves, xn, xc)
    assert polished.refined.all()
    np.testing.assert_array_equal(polished.u[:, 0], starts[:, 0])  # categorical: unchanged
    assert polished.u[0, 2] == starts[0, 2]  # inactive: unchanged
    assert polished.u[0, 1] != starts[0, 1] and polished.u[1, 1] != starts[1, 1]
    polished_log_ei = log_expected_improvement(mean, std, search.gp.y_best)
    assert np.all(polished_log_ei >= log_expected_improvement(*search.gp.predict(xn, xc), search.gp.y_best))


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
def test_polishing_leaves_spaces_without_movable_coordinates_working(space):
    search = CandidateSearch(space, horizon=20, rng=np.random.default_rng(0), settings=SearchSettings(n_polish=3))
    rng = np.random.default_rng(1)
    for _ in range(6):
        u = rng.random(space.dim)
        search.add(u, float(-np.sum((u - 0.4) ** 2)))
    pending = search.propose().u[:3]  # as if three trials were running
    proposal = search.propose(pending)
    assert np.isfinite(proposal.log_ei).all() and np.all((proposal.u >= 0) & (proposal.u <= 1))
