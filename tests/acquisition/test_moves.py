import numpy as np
import pytest

from rl_hpo.acquisition.moves import local_moves
from rl_hpo.acquisition.search import SearchSettings


def _moves_from_a_corner(edges: str, n: int = 2000) -> np.ndarray:
    rng = np.random.default_rng(0)
    centres = np.full((n, 3), 0.95)
    radius = np.full(n, 0.3)
    return local_moves(rng, centres, np.zeros(n, dtype=int), radius, np.zeros(3, dtype=bool), edges=edges).u


def test_reflected_moves_stay_inside_and_never_reach_a_face():
    u = _moves_from_a_corner("reflect")
    assert np.all((u >= 0.0) & (u <= 1.0))
    assert not np.any(u == 1.0)


def test_clipped_moves_put_steps_beyond_a_face_on_it():
    u = _moves_from_a_corner("clip")
    assert np.all((u >= 0.0) & (u <= 1.0))
    on_face = np.mean(u == 1.0)
    # A step of sd 0.3 from 0.95 leaves the cube with probability P(z > 1/6) = 0.43, when the coordinate moves.
    assert 0.15 < on_face < 0.45


def test_both_edges_mixes_clipped_and_reflected_moves():
    u = _moves_from_a_corner("both")
    rows_on_face = np.any(u == 1.0, axis=1).mean()
    clipped_rows = np.any(_moves_from_a_corner("clip") == 1.0, axis=1).mean()
    assert 0.3 * clipped_rows < rows_on_face < 0.7 * clipped_rows


def test_categorical_coordinates_are_not_stepped():
    rng = np.random.default_rng(1)
    centres = np.full((500, 2), 0.3)
    u = local_moves(rng, centres, np.zeros(500, dtype=int), np.full(500, 0.01), np.array([False, True]), edges="clip").u
    # With radius 0.01 a categorical coordinate is redrawn with probability 0.02 when chosen, else unchanged.
    assert np.mean(u[:, 1] == 0.3) > 0.95


def test_settings_reject_an_unknown_edge_rule():
    with pytest.raises(ValueError, match="'edges' parameter"):
        SearchSettings(edges="wrap")
