"""The per-dimension shared actor-critic network and its stable-baselines3 policy.

Every coordinate of the search space is one row of the observation's per-dimension block. The network
applies the same small MLP to every row (together with the global features), pools the rows into a
context (masked mean and max, in the spirit of Deep Sets, Zaheer et al. 2017), refines every row with
that context, and reads one direction per row from a shared head and the step scale from the pooled
context. It is therefore independent of the number and order of the coordinates: a policy trained on
2- to 12-dimensional spaces applies unchanged to any space up to ``max_dim`` dimensions, and padded
rows (mask 0) neither change the output nor enter the action's log-probability.

The Gaussian's standard deviation is state independent, as in SB3's default, but shared by all
direction entries (one parameter) plus one for the step scale, again so that no coordinate slot is
special.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import torch
from gymnasium import spaces
from stable_baselines3.common.distributions import DiagGaussianDistribution
from stable_baselines3.common.policies import ActorCriticPolicy
from stable_baselines3.common.type_aliases import Schedule
from torch import nn

from rl_hpo.envs.observation import ObservationLayout

__all__ = [
    "MaskedDiagGaussian",
    "NetworkPolicy",
    "NumpyActor",
    "PerDimensionEncoder",
    "PerDimensionPolicy",
    "TuningNetwork",
]


@dataclass(frozen=True)
class ArrayOps:
    """The few array operations of the actor's forward pass, for torch tensors or numpy arrays: the actor is
    written once (``_encode``, ``_actor_mean``) and runs on either, so training (torch, with gradients) and
    inference (``NumpyActor``) compute the same function by construction."""

    cat: Callable[[list[Any]], Any]  # concatenate along the last axis
    tanh: Callable[[Any], Any]
    rows: Callable[[Any, int], Any]  # (B, K) -> (B, n, K), the same row repeated
    masked_max: Callable[[Any, Any], Any]  # max over rows (axis 1) where the (B, D, 1) mask is set
    clamp_min: Callable[[Any, float], Any]
    mean_max: Callable[[Any], Any]  # (B, D, H) -> (B, 2H): mean and max over the rows (axis 1), unmasked


TORCH_OPS = ArrayOps(
    cat=lambda xs: torch.cat(xs, dim=-1),
    tanh=torch.tanh,
    rows=lambda x, n: x.unsqueeze(1).expand(-1, n, -1),
    masked_max=lambda h, m: h.masked_fill(m == 0, -1e9).amax(dim=1),
    clamp_min=lambda x, v: x.clamp_min(v),
    mean_max=lambda h: torch.cat([h.mean(dim=1), h.amax(dim=1)], dim=-1),
)
NUMPY_OPS = ArrayOps(
    cat=lambda xs: np.concatenate(xs, axis=-1),
    tanh=np.tanh,
    rows=lambda x, n: np.broadcast_to(x[:, None, :], (x.shape[0], n, x.shape[-1])),
    masked_max=lambda h, m: np.where(m > 0, h, np.float32(-1e9)).max(axis=1),
    clamp_min=np.maximum,
    mean_max=lambda h: np.concatenate([h.mean(axis=1), h.max(axis=1)], axis=-1),
)

#: A dense layer as (weight of shape (in, out), bias): ``x @ weight + bias``.
Dense = tuple[Any, Any]


def _masked_pool(ops: ArrayOps, h: Any, mask: Any) -> Any:
    """Masked mean and max over the rows of ``h`` (B, D, H) -> (B, 2H)."""
    m = mask[..., None]
    count = ops.clamp_min(m.sum(1), 1.0)
    return ops.cat([(h * m).sum(1) / count, ops.masked_max(h, m)])


def _encode(ops: ArrayOps, layers: Sequence[Dense], per_dim: Any, glob: Any, mask: Any) -> tuple[Any, Any]:
    """``PerDimensionEncoder``'s forward pass: ``layers`` are its two row layers and its refine layer."""
    n_rows = per_dim.shape[1]
    h = ops.cat([per_dim, ops.rows(glob, n_rows)])
    for weight, bias in layers[:2]:
        h = ops.tanh(h @ weight + bias)
    context = _masked_pool(ops, h, mask)
    weight, bias = layers[2]
    h = ops.tanh(ops.cat([h, ops.rows(context, n_rows)]) @ weight + bias)
    return h, _masked_pool(ops, h, mask)


def _actor_mean(
    ops: ArrayOps, encoder: Sequence[Dense], direction: Dense, scale: Dense, per_dim: Any, glob: Any, mask: Any
) -> Any:
    """The mean action (B, max_dim + 1): a direction per real row (0 on padded ones), then the step scale."""
    h, pooled = _encode(ops, encoder, per_dim, glob, mask)
    rows = ops.cat([h, ops.rows(pooled, h.shape[1])])
    moves = (rows @ direction[0] + direction[1])[..., 0] * mask
    return ops.cat([moves, ops.cat([pooled, glob]) @ scale[0] + scale[1]])


def as_dense(layer: nn.Module) -> Dense:
    assert isinstance(layer, nn.Linear), layer  # a head, or an encoder's Sequential slot that holds a Linear
    return layer.weight.T, layer.bias


def numpy_dense(dense: Dense) -> Dense:
    """A float32 numpy copy of a dense layer's torch tensors, for the numpy actors."""
    return tuple(t.detach().cpu().numpy().astype(np.float32) for t in dense)


class PerDimensionEncoder(nn.Module):
    """One shared MLP over the rows of the per-dimension block, a pooled context, and a second layer.

    Args:
        n_dim_features: features per row.
        n_global_features: global features, appended to every row.
        hidden: width of the row embeddings.
    """

    def __init__(self, n_dim_features: int, n_global_features: int, hidden: int) -> None:
        super().__init__()
        self.row = nn.Sequential(
            nn.Linear(n_dim_features + n_global_features, hidden),
            nn.Tanh(),
            nn.Linear(hidden, hidden),
            nn.Tanh(),
        )
        self.refine = nn.Sequential(nn.Linear(3 * hidden, hidden), nn.Tanh())

    def layers(self) -> list[Dense]:
        return [as_dense(self.row[0]), as_dense(self.row[2]), as_dense(self.refine[0])]

    def forward(
        self, per_dim: torch.Tensor, glob: torch.Tensor, mask: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Row embeddings (B, D, H) and the pooled context (B, 2H)."""
        return _encode(TORCH_OPS, self.layers(), per_dim, glob, mask)


class TuningNetwork(nn.Module):
    """Actor and critic over flat observations of ``ObservationLayout``.

    Args:
        layout: the observation layout (``max_dim``, ``history_len``).
        hidden: width of the per-row embeddings.
        log_std_init: initial log standard deviation of the action distribution.
    """

    def __init__(self, layout: ObservationLayout, hidden: int = 64, log_std_init: float = -0.5) -> None:
        super().__init__()
        self.layout = layout
        self.hidden = hidden
        f, g = layout.n_dim_features, layout.n_global_features
        self.actor_encoder = PerDimensionEncoder(f, g, hidden)
        self.critic_encoder = PerDimensionEncoder(f, g, hidden)
        self.direction_head = nn.Linear(3 * hidden, 1)
        self.scale_head = nn.Linear(2 * hidden + g, 1)
        self.value_head = nn.Sequential(nn.Linear(2 * hidden + g, hidden), nn.Tanh(), nn.Linear(hidden, 1))
        self.log_std = nn.Parameter(torch.full((2,), float(log_std_init)))

    def orthogonal_init(self) -> None:
        """SB3's initialization: orthogonal weights, gain sqrt(2) inside, 0.01 for the action, 1 for the value."""
        for module, gain in (
            (self.actor_encoder, np.sqrt(2)),
            (self.critic_encoder, np.sqrt(2)),
            (self.value_head, np.sqrt(2)),
            (self.direction_head, 0.01),
            (self.scale_head, 0.01),
            (self.value_head[-1], 1.0),
        ):
            for layer in module.modules():
                if isinstance(layer, nn.Linear):
                    nn.init.orthogonal_(layer.weight, gain=float(gain))
                    layer.bias.data.fill_(0.0)

    def _split(self, obs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        per_dim, glob = self.layout.split(obs)
        return per_dim, glob, per_dim[..., 0]

    def actor(self, obs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """The action distribution's parameters.

        Returns:
            ``(mean, log_std, weights)``, each of shape (B, max_dim + 1): the mean action (0 on padded
            slots), the log standard deviations, and 1/0 weights telling which entries are real.
        """
        per_dim, glob, mask = self._split(obs)
        heads = as_dense(self.direction_head), as_dense(self.scale_head)
        mean = _actor_mean(TORCH_OPS, self.actor_encoder.layers(), *heads, per_dim, glob, mask)
        weights = torch.cat([mask, torch.ones_like(mean[:, -1:])], dim=-1)
        log_std = torch.cat([self.log_std[:1].expand(per_dim.shape[1]), self.log_std[1:]])
        return mean, log_std.expand_as(mean), weights

    def value(self, obs: torch.Tensor) -> torch.Tensor:
        """State values, shape (B, 1)."""
        per_dim, glob, mask = self._split(obs)
        _, pooled = self.critic_encoder(per_dim, glob, mask)
        return self.value_head(torch.cat([pooled, glob], dim=-1))

    @torch.no_grad()
    def act(self, obs: np.ndarray, rng: np.random.Generator | None = None) -> np.ndarray:
        """Actions for observations (B, size): the mean when ``rng`` is None, else a Gaussian sample
        drawn with ``rng``; clipped to [-1, 1] like the environment's action space."""
        mean, _, _ = self.actor(torch.as_tensor(obs, dtype=torch.float32))
        return _action(mean.numpy(), self.log_std.detach().cpu().numpy(), rng)


def _action(mean: np.ndarray, log_std: np.ndarray, rng: np.random.Generator | None) -> np.ndarray:
    """The mean actions (B, max_dim + 1), or a Gaussian sample drawn with ``rng`` whose log standard deviation
    is ``log_std[0]`` for every direction and ``log_std[1]`` for the scale; clipped to [-1, 1] like the
    environment's action space."""
    a = np.asarray(mean, dtype=np.float64)
    if rng is not None:
        log_std = np.asarray(log_std, dtype=np.float64)
        std = np.exp(np.concatenate([np.repeat(log_std[:1], a.shape[-1] - 1), log_std[1:]]))
        a = a + std * rng.standard_normal(a.shape)
    return np.clip(a, -1.0, 1.0)


class NumpyActor:
    """The actor of a ``TuningNetwork`` evaluated with numpy, for inference.

    ``PolicyOptimizer`` calls the policy once per trial on one observation. Torch runs such tiny
    matrices fastest on one thread but uses its global thread pool, which can stall for milliseconds
    when other processes hold the cores (70 ms per call was measured on a busy 2-core machine against
    0.8 ms on one thread); changing the pool would change global state. This actor runs the very forward
    pass of ``TuningNetwork.actor`` (``_actor_mean``) on numpy arrays, which have no such state.

    Args:
        network: the trained network (its weights are copied).
    """

    def __init__(self, network: TuningNetwork) -> None:
        self.layout = network.layout
        self._encoder = [numpy_dense(d) for d in network.actor_encoder.layers()]
        self._direction = numpy_dense(as_dense(network.direction_head))
        self._scale = numpy_dense(as_dense(network.scale_head))
        self._log_std = network.log_std.detach().cpu().numpy().astype(np.float64)

    def mean(self, obs: np.ndarray) -> np.ndarray:
        """Mean actions (B, max_dim + 1) of observations (B, size), as ``TuningNetwork.actor``."""
        per_dim, glob = self.layout.split(np.asarray(obs, dtype=np.float32))
        return _actor_mean(NUMPY_OPS, self._encoder, self._direction, self._scale, per_dim, glob, per_dim[..., 0])

    def act(self, obs: np.ndarray, rng: np.random.Generator | None = None) -> np.ndarray:
        """As ``TuningNetwork.act``: the mean, or a Gaussian sample drawn with ``rng``; clipped to [-1, 1]."""
        return _action(self.mean(obs), self._log_std, rng)


class MaskedDiagGaussian(DiagGaussianDistribution):
    """A diagonal Gaussian whose log-probability and entropy count only the weighted (real) entries."""

    def proba_distribution(
        self, mean_actions: torch.Tensor, log_std: torch.Tensor, weights: torch.Tensor | None = None
    ) -> MaskedDiagGaussian:
        super().proba_distribution(mean_actions, log_std)
        self.weights = torch.ones_like(mean_actions) if weights is None else weights
        return self

    def log_prob(self, actions: torch.Tensor) -> torch.Tensor:
        return (self.distribution.log_prob(actions) * self.weights).sum(dim=-1)

    def entropy(self) -> torch.Tensor:
        return (self.distribution.entropy() * self.weights).sum(dim=-1)


class NetworkPolicy(ActorCriticPolicy):
    """An SB3 actor-critic policy whose ``net`` gives the value (``net.value(obs)``) and whose
    ``_distribution(obs)`` gives the action distribution; the SB3 entry points are written once here."""

    net: Any

    def _distribution(self, obs: torch.Tensor) -> Any:
        raise NotImplementedError

    def forward(
        self, obs: torch.Tensor, deterministic: bool = False
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        distribution = self._distribution(obs)
        actions = distribution.get_actions(deterministic=deterministic)
        return actions, self.net.value(obs.float()), distribution.log_prob(actions)

    # The three entry points below take a Tensor only: these policies are built for Box observations, never
    # for the dict observations that ActorCriticPolicy's signatures also admit.
    def evaluate_actions(  # type: ignore[override]
        self, obs: torch.Tensor, actions: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        distribution = self._distribution(obs)
        return self.net.value(obs.float()), distribution.log_prob(actions), distribution.entropy()

    def get_distribution(self, obs: torch.Tensor) -> Any:  # type: ignore[override]
        return self._distribution(obs)

    def predict_values(self, obs: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        return self.net.value(obs.float())


class PerDimensionPolicy(NetworkPolicy):
    """SB3 actor-critic policy around ``TuningNetwork`` (use with ``PPO(PerDimensionPolicy, env)``).

    Args:
        observation_space: the ``TuningEnv`` observation space.
        action_space: the ``TuningEnv`` action space.
        lr_schedule: SB3's learning-rate schedule.
        max_dim: the layout's maximum dimension (must match the spaces).
        history_len: the layout's history length.
        score_clip: the layout's score clip.
        identity_dim: the layout's identity-code length.
        hidden: width of the per-row embeddings.
        log_std_init: initial log standard deviation.
        **kwargs: other ``ActorCriticPolicy`` options (optimizer, ortho_init).
    """

    action_dist: MaskedDiagGaussian  # set by _build

    def __init__(
        self,
        observation_space: spaces.Space,
        action_space: spaces.Space,
        lr_schedule: Schedule,
        *,
        max_dim: int = 16,
        history_len: int = 5,
        score_clip: float = 5.0,
        identity_dim: int = 0,
        hidden: int = 64,
        log_std_init: float = -0.5,
        **kwargs: Any,
    ) -> None:
        self.layout = ObservationLayout(
            max_dim=max_dim, history_len=history_len, score_clip=score_clip, identity_dim=identity_dim
        )
        self.hidden = hidden
        if observation_space.shape != (self.layout.size,):
            raise ValueError(
                f"The observation space has shape {observation_space.shape}, but max_dim={max_dim}, "
                f"history_len={history_len} and identity_dim={identity_dim} need ({self.layout.size},); "
                "pass the environment's settings."
            )
        if action_space.shape != (max_dim + 1,):
            raise ValueError(
                f"The action space has shape {action_space.shape}, but max_dim={max_dim} needs ({max_dim + 1},)."
            )
        super().__init__(observation_space, action_space, lr_schedule, log_std_init=log_std_init, **kwargs)

    def _build(self, lr_schedule: Schedule) -> None:
        self.net = TuningNetwork(self.layout, hidden=self.hidden, log_std_init=self.log_std_init)
        if self.ortho_init:
            self.net.orthogonal_init()
        shape = self.action_space.shape
        assert shape is not None  # __init__ checked that it is (max_dim + 1,)
        self.action_dist = MaskedDiagGaussian(int(shape[0]))
        # SB3 types optimizer_class as the Optimizer base class; it holds a subclass whose constructor takes lr.
        make_optimizer = cast(Callable[..., torch.optim.Optimizer], self.optimizer_class)
        self.optimizer = make_optimizer(self.parameters(), lr=lr_schedule(1), **self.optimizer_kwargs)

    def _get_constructor_parameters(self) -> dict[str, Any]:
        data = super()._get_constructor_parameters()
        data.update(
            max_dim=self.layout.max_dim,
            history_len=self.layout.history_len,
            score_clip=self.layout.score_clip,
            identity_dim=self.layout.identity_dim,
            hidden=self.hidden,
        )
        for key in ("net_arch", "activation_fn", "use_sde", "squash_output", "full_std", "use_expln"):
            data.pop(key, None)
        return data

    def _distribution(self, obs: torch.Tensor) -> MaskedDiagGaussian:
        mean, log_std, weights = self.net.actor(obs.float())
        return self.action_dist.proba_distribution(mean, log_std, weights)
