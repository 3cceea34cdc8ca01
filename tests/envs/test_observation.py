"""The observation builder: invariants under random histories, normalization, layout."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from rl_hpo.envs.observation import EpisodeHistory, ObservationLayout
from rl_hpo.space import Categorical, Condition, Float, Int, SearchSpace

_PARAMS = [Float(0.0, 1.0), Float(1e-4, 1.0, log=True), Int(1, 5), Int(1, 1000, log=True), Categorical(["a", "b"])]

scores = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True, width=64),
    st.floats(min_value=-1e12, max_value=1e12),
    st.sampled_from([0.0, 1.0, 1.0 + 1e-15, -3.5]),
)


@st.composite
def histories(draw: st.DrawFn) -> tuple[ObservationLayout, SearchSpace, list[tuple[np.ndarray, float, float]], int]:
    max_dim = draw(st.integers(1, 8))
    k = draw(st.integers(1, 6))
    dim = draw(st.integers(1, max_dim))
    kinds = draw(st.lists(st.integers(0, len(_PARAMS) - 1), min_size=dim, max_size=dim))
    space = SearchSpace({f"p{j}": _PARAMS[i] for j, i in enumerate(kinds)})
    n = draw(st.integers(1, 40))
    unit = st.floats(0.0, 1.0)
    points = [
        (
            np.array(draw(st.lists(unit, min_size=dim, max_size=dim))),
            draw(scores),
            draw(st.floats(-1.0, 1.0)),
        )
        for _ in range(n)
    ]
    horizon = draw(st.integers(1, 60))
    return ObservationLayout(max_dim=max_dim, history_len=k), space, points, horizon


@settings(max_examples=150, deadline=None)
@given(histories())
def test_observation_is_finite_and_inside_its_bounds(case) -> None:
    layout, space, points, horizon = case
    history = EpisodeHistory(layout, space, horizon)
    for u, y, code in points:
        history.add(u, y, code)
        obs = history.observation()
        assert obs.shape == (layout.size,) and obs.dtype == np.float32
        assert np.isfinite(obs).all()
        assert np.abs(obs).max() <= layout.bound
        per_dim, glob = layout.split(obs)
        np.testing.assert_array_equal(per_dim[space.dim :], 0.0)
        assert 0.0 <= glob[0] <= 1.0
    finite = [y for _, y, _ in points if math.isfinite(y)]
    if finite:
        assert history.best_score == max(finite)
        best_u = next(u for u, y, _ in points if y == max(finite))
        np.testing.assert_array_equal(history.incumbent, best_u)
    else:
        assert math.isnan(history.best_score)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(-1e6, 1e6), min_size=2, max_size=30),
    st.floats(1e-3, 1e3),
    st.floats(-1e3, 1e3),
)
def test_observation_is_invariant_to_affine_changes_of_the_scores(ys, a, b) -> None:
    """Standardization within the episode: a metric's unit and offset do not change what the policy sees."""
    gaps = np.diff(np.sort(ys))
    assume(gaps.min() > 1e-6 * (1 + np.abs(ys).max()))  # no near-ties that rounding could reorder
    layout = ObservationLayout(max_dim=4, history_len=3)
    space = SearchSpace({"x": Float(0.0, 1.0), "y": Float(0.0, 1.0)})
    rng = np.random.default_rng(0)
    h1, h2 = EpisodeHistory(layout, space, 30), EpisodeHistory(layout, space, 30)
    for y in ys:
        u = rng.random(2)
        h1.add(u, y)
        h2.add(u, a * y + b)
    np.testing.assert_allclose(h1.observation(), h2.observation(), atol=2e-3)


def test_normalized_scores_standardize_and_failures_count_as_worst() -> None:
    layout = ObservationLayout(max_dim=2, history_len=2)
    space = SearchSpace({"x": Float(0.0, 1.0)})
    history = EpisodeHistory(layout, space, 10)
    for u, y in ((0.1, 1.0), (0.2, float("nan")), (0.3, 3.0)):
        history.add(np.array([u]), y)
    z = history.normalized_scores()
    filled = np.array([1.0, 1.0, 3.0])
    np.testing.assert_allclose(z, (filled - filled.mean()) / filled.std())
    obs = history.observation()
    _, glob = layout.split(obs)
    assert glob[1] == pytest.approx(z[2], rel=1e-6)  # the incumbent's score
    np.testing.assert_allclose(glob[4:6], [z[2], z[1]], rtol=1e-6)  # last scores, most recent first


def test_active_flag_follows_conditions_at_the_incumbent() -> None:
    space = SearchSpace({"kind": Categorical(["a", "b"]), "x": Float(0.0, 1.0, condition=Condition("kind", ["b"]))})
    layout = ObservationLayout(max_dim=3, history_len=2)
    history = EpisodeHistory(layout, space, 10)
    assert layout.dim_feature_names()[5] == "active"
    history.add(np.array([0.25, 0.5]), 1.0)  # kind = "a": x inactive
    per_dim, _ = layout.split(history.observation())
    np.testing.assert_array_equal(per_dim[:2, 5], [1.0, 0.0])
    history.add(np.array([0.75, 0.5]), 2.0)  # kind = "b": x active
    per_dim, _ = layout.split(history.observation())
    np.testing.assert_array_equal(per_dim[:2, 5], [1.0, 1.0])


def test_layout_round_trip_and_validation() -> None:
    layout = ObservationLayout(max_dim=7, history_len=4)
    assert ObservationLayout.from_dict(layout.to_dict()) == layout
    assert layout.size == 7 * layout.n_dim_features + layout.n_global_features
    assert len(layout.dim_feature_names()) == layout.n_dim_features
    assert len(layout.global_feature_names()) == layout.n_global_features
    with pytest.raises(ValueError, match=r"'max_dim' parameter must be an int >= 1\. Got 0"):
        ObservationLayout(max_dim=0)
    bad = {**layout.to_dict(), "dim_features": ["mask"]}
    with pytest.raises(ValueError, match="lists features this version of rl_hpo does not build"):
        ObservationLayout.from_dict(bad)


def test_observation_before_any_point_is_an_error() -> None:
    history = EpisodeHistory(ObservationLayout(), SearchSpace({"x": Float(0.0, 1.0)}), 5)
    with pytest.raises(RuntimeError, match="at least one evaluated point"):
        history.observation()


def test_layout_with_identity_columns_round_trips_and_old_layouts_load() -> None:
    layout = ObservationLayout(max_dim=4, history_len=2, identity_dim=3)
    assert layout.n_dim_features == ObservationLayout(max_dim=4, history_len=2).n_dim_features + 3
    assert layout.dim_feature_names()[-3:] == ["identity_1", "identity_2", "identity_3"]
    assert layout.dim_feature_names()[layout.identity_column] == "identity_1"
    assert ObservationLayout.from_dict(layout.to_dict()) == layout
    old = ObservationLayout(max_dim=4, history_len=2).to_dict()
    del old["identity_dim"]
    assert ObservationLayout.from_dict(old).identity_dim == 0
    with pytest.raises(ValueError, match="identity_dim"):
        ObservationLayout(identity_dim=-1)


def test_score_correlation_column_is_unchanged_by_identity_columns() -> None:
    space = SearchSpace({"a": Float(0.0, 1.0), "b": Float(0.0, 1.0)})
    plain = ObservationLayout(max_dim=3, history_len=2)
    coded = ObservationLayout(max_dim=3, history_len=2, identity_dim=2)
    rng = np.random.default_rng(0)
    points = rng.random((30, 2))
    obs = []
    for layout in (plain, coded):
        history = EpisodeHistory(layout, space, horizon=40)
        for u in points:
            history.add(u, float(u[0] - 2 * u[1]))
        obs.append(layout.split(history.observation()))
    (p_dim, p_glob), (c_dim, c_glob) = obs
    np.testing.assert_array_equal(p_dim, c_dim[:, : plain.n_dim_features])
    np.testing.assert_array_equal(p_glob, c_glob)
    np.testing.assert_array_equal(c_dim[:, plain.n_dim_features :], 0.0)  # not identified: zeros
    corr = p_dim[:2, plain.dim_feature_names().index("score_correlation")]
    assert corr[0] > 0 > corr[1]
