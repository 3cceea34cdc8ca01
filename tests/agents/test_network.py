"""The per-dimension network: padding, permutation equivariance, masked log-probabilities."""

from __future__ import annotations

import numpy as np
import torch

from rl_hpo.agents.network import MaskedDiagGaussian, NumpyActor, TuningNetwork
from rl_hpo.envs.observation import EpisodeHistory, ObservationLayout
from rl_hpo.space import Categorical, Float, Int, SearchSpace


def _net(layout: ObservationLayout) -> TuningNetwork:
    with torch.random.fork_rng():
        torch.manual_seed(0)
        net = TuningNetwork(layout, hidden=16)
        with torch.no_grad():
            for p in net.parameters():
                p.normal_(0.0, 0.3)
    return net.eval()


def _observation(space: SearchSpace, layout: ObservationLayout, perm: list[int] | None = None) -> np.ndarray:
    rng = np.random.default_rng(1)
    history = EpisodeHistory(layout, space, 20)
    for _ in range(7):
        u = rng.random(space.dim)
        history.add(u[perm] if perm is not None else u, float(-np.sum((u - 0.3) ** 2)), rng.uniform(-1, 1))
    return history.observation()


PARAMS = {"a": Float(0.0, 1.0), "b": Int(1, 8), "c": Categorical(["x", "y", "z"]), "d": Float(1e-3, 1.0, log=True)}


def test_actions_do_not_depend_on_padding_width() -> None:
    space = SearchSpace(PARAMS)
    small, large = ObservationLayout(max_dim=4, history_len=3), ObservationLayout(max_dim=9, history_len=3)
    net_small, net_large = _net(small), _net(large)  # same weights: the widths do not enter the shapes
    a_small = net_small.act(_observation(space, small)[None])[0]
    a_large = net_large.act(_observation(space, large)[None])[0]
    np.testing.assert_allclose(a_small[:4], a_large[:4], atol=1e-5)
    np.testing.assert_allclose(a_small[-1], a_large[-1], atol=1e-5)
    np.testing.assert_array_equal(a_large[4:9], 0.0)  # padded slots get no direction


def test_permuting_the_coordinates_permutes_the_directions() -> None:
    perm = [2, 0, 3, 1]
    space = SearchSpace(PARAMS)
    permuted = SearchSpace({list(PARAMS)[i]: PARAMS[list(PARAMS)[i]] for i in perm})
    layout = ObservationLayout(max_dim=6, history_len=3)
    net = _net(layout)
    a = net.act(_observation(space, layout)[None])[0]
    b = net.act(_observation(permuted, layout, perm)[None])[0]
    np.testing.assert_allclose(b[:4], a[perm], atol=1e-5)
    np.testing.assert_allclose(b[-1], a[-1], atol=1e-5)


def test_log_prob_and_entropy_ignore_padded_action_entries() -> None:
    layout = ObservationLayout(max_dim=5, history_len=2)
    net = _net(layout)
    obs = torch.as_tensor(_observation(SearchSpace({"a": Float(0.0, 1.0), "b": Float(0.0, 1.0)}), layout)[None])
    mean, log_std, weights = net.actor(obs)
    dist = MaskedDiagGaussian(6).proba_distribution(mean, log_std, weights)
    actions = torch.zeros(1, 6)
    changed = actions.clone()
    changed[0, 3] = 0.9  # a padded slot
    assert torch.equal(dist.log_prob(actions), dist.log_prob(changed))
    full = torch.distributions.Normal(mean, log_std.exp())
    expected = full.entropy()[0, [0, 1, 5]].sum()
    torch.testing.assert_close(dist.entropy()[0], expected)


def test_the_numpy_actor_equals_the_torch_actor() -> None:
    layout = ObservationLayout(max_dim=7, history_len=4)
    net = _net(layout)
    obs = np.random.default_rng(2).uniform(-2, 2, (32, layout.size)).astype(np.float32)
    per_dim, _ = layout.split(obs)
    per_dim[..., 0] = (np.arange(7)[None, :] < np.arange(1, 33)[:, None] % 7 + 1).astype(np.float32)
    actor = NumpyActor(net)
    with torch.no_grad():
        mean, _, _ = net.actor(torch.as_tensor(obs))
    np.testing.assert_allclose(actor.mean(obs), mean.numpy(), atol=1e-5)
    np.testing.assert_allclose(
        actor.act(obs, np.random.default_rng(5)), net.act(obs, np.random.default_rng(5)), atol=1e-5
    )
