"""The candidate-scoring actor-critic network and its stable-baselines3 policy.

The observation is a set of candidate rows (``rl_hpo.envs.CandidateTuningEnv``). The actor applies one
shared MLP to every row, refines each row with a pooled context of all rows (mean and max, Deep Sets;
Zaheer et al. 2017), and reads one logit per candidate; a softmax over the candidates is the policy.
The critic pools the rows of its own one-layer MLP and reads the value from the pool. Nothing depends
on the number of parameters of the search space, and the order of the candidates does not matter.

The policy starts from expected improvement: every logit is ``ei_temperature * log EI relative to the
shortlist's best`` plus the network's residual, whose last layer starts near zero. An untrained policy
therefore already picks candidates as EI does (nearly always the best by EI), and PPO learns where to
depart from it (as MetaBO starts its neural acquisition function from a known-good rule; Volpp et al.,
ICLR 2020).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import numpy as np
import torch
from gymnasium import spaces
from stable_baselines3.common.distributions import CategoricalDistribution
from stable_baselines3.common.type_aliases import Schedule
from torch import nn

from rl_hpo.acquisition.search import CANDIDATE_FEATURES, EI_TEMPERATURE, N_FEATURES
from rl_hpo.agents.network import NUMPY_OPS, TORCH_OPS, ArrayOps, Dense, NetworkPolicy, as_dense, numpy_dense

__all__ = ["CandidateActor", "CandidateNetwork", "CandidatePolicy"]

_LOG_EI_RELATIVE = CANDIDATE_FEATURES.index("log_ei_relative")
_LOG_EI_SCALE = 8.0  # the feature is (log EI - max log EI) / 8


class _RowEncoder(nn.Module):
    """A shared MLP over rows, then each row refined with the pooled context of all rows (the layers;
    ``_logits`` is the forward pass)."""

    def __init__(self, n_features: int, hidden: int) -> None:
        super().__init__()
        self.row = nn.Sequential(nn.Linear(n_features, hidden), nn.Tanh(), nn.Linear(hidden, hidden), nn.Tanh())
        self.refine = nn.Sequential(nn.Linear(3 * hidden, hidden), nn.Tanh())

    def layers(self) -> list[Dense]:
        """The two row layers and the refine layer."""
        return [as_dense(self.row[0]), as_dense(self.row[2]), as_dense(self.refine[0])]


def _logits(ops: ArrayOps, encoder: list[Dense], logit: Dense, log_ei_weight: Any, rows: Any) -> Any:
    """The actor's logits (B, K) of candidate rows (B, K, n_features), written once for torch (training)
    and numpy (``CandidateActor``): the row MLP, each row refined with the mean and max of all rows, one
    residual per row, plus the weighted relative log EI."""
    h = rows
    for weight, bias in encoder[:2]:
        h = ops.tanh(h @ weight + bias)
    refine_weight, refine_bias = encoder[2]
    h = ops.tanh(ops.cat([h, ops.rows(ops.mean_max(h), h.shape[1])]) @ refine_weight + refine_bias)
    return log_ei_weight * rows[..., _LOG_EI_RELATIVE] + (h @ logit[0] + logit[1])[..., 0]


def _pick(logits: np.ndarray, rng: np.random.Generator | None) -> int:
    """The most likely candidate when ``rng`` is None, else one drawn from the softmax of ``logits``."""
    logits = np.asarray(logits, dtype=np.float64)
    if rng is None:
        return int(np.argmax(logits))
    p = np.exp(logits - logits.max())
    return int(rng.choice(p.size, p=p / p.sum()))


class CandidateNetwork(nn.Module):
    """Logits over candidates and a state value, from flat observations of K rows of ``n_features``.

    Args:
        n_features: features per candidate row.
        hidden: width of the row embeddings.
        ei_temperature: initial weight of the relative log expected improvement in every logit.
    """

    kind = "candidate"

    def __init__(self, n_features: int = N_FEATURES, hidden: int = 32, ei_temperature: float = EI_TEMPERATURE) -> None:
        super().__init__()
        self.n_features = n_features
        self.hidden = hidden
        self.actor = _RowEncoder(n_features, hidden)
        self.logit = nn.Linear(hidden, 1)
        self.critic = nn.Sequential(nn.Linear(n_features, hidden), nn.Tanh())
        self.value_head = nn.Sequential(nn.Linear(2 * hidden, hidden), nn.Tanh(), nn.Linear(hidden, 1))
        self.log_ei_weight = nn.Parameter(torch.tensor(float(ei_temperature) * _LOG_EI_SCALE))
        nn.init.orthogonal_(self.logit.weight, gain=0.01)
        nn.init.zeros_(self.logit.bias)

    def actor_parameters(self) -> list[nn.Parameter]:
        """The weights of the logits (row encoder, logit layer, weight of log EI), not the critic's."""
        return [*self.actor.parameters(), *self.logit.parameters(), self.log_ei_weight]

    def rows(self, obs: torch.Tensor) -> torch.Tensor:
        """Flat observations (B, K * n_features) as candidate rows (B, K, n_features)."""
        return obs.reshape(obs.shape[0], -1, self.n_features)

    def logits(self, obs: torch.Tensor) -> torch.Tensor:
        return _logits(TORCH_OPS, self.actor.layers(), as_dense(self.logit), self.log_ei_weight, self.rows(obs))

    @torch.no_grad()
    def ei_probabilities(self, obs: torch.Tensor, temperature: float = EI_TEMPERATURE) -> torch.Tensor:
        """``softmax(temperature * log EI relative)`` over the candidates of each observation (B, K): sampling
        by expected improvement, which is the untrained network's distribution when ``temperature`` is its
        starting ``ei_temperature``. ``obs``: flat observations (B, K * n_features)."""
        return torch.softmax(temperature * _LOG_EI_SCALE * self.rows(obs)[..., _LOG_EI_RELATIVE], dim=-1)

    @torch.no_grad()
    def shift_from_ei(self, obs: torch.Tensor, temperature: float = EI_TEMPERATURE) -> torch.Tensor:
        """How far this network's choices are from sampling by expected improvement, per observation: the
        total-variation distance (0: the same distribution, 1: disjoint) between its softmax over the
        candidates and ``ei_probabilities(obs, temperature)``."""
        return 0.5 * (torch.softmax(self.logits(obs), dim=-1) - self.ei_probabilities(obs, temperature)).abs().sum(-1)

    def value(self, obs: torch.Tensor) -> torch.Tensor:
        return self.value_head(TORCH_OPS.mean_max(self.critic(self.rows(obs))))

    @torch.no_grad()
    def choose(self, features: np.ndarray, rng: np.random.Generator | None = None) -> int:
        """The candidate to evaluate among the rows of ``features`` (K, n_features): the most likely one when
        ``rng`` is None, else a sample drawn with ``rng``."""
        return _pick(self.logits(torch.as_tensor(features, dtype=torch.float32).reshape(1, -1))[0].numpy(), rng)


class CandidateActor:
    """The actor of a ``CandidateNetwork`` evaluated with numpy, for inference.

    A candidate policy scores one shortlist per trial. Torch spends some 0.1 to 0.2 ms of per-operation
    overhead on such a call, more than the arithmetic, and runs it on its global thread pool, which can
    stall for milliseconds when other processes hold the cores (``NumpyActor`` says the same of the
    per-dimension network). This actor runs the very forward pass of ``CandidateNetwork.logits``
    (``_logits``) on float32 numpy copies of the weights.

    Args:
        network: the trained network (its weights are copied).
    """

    def __init__(self, network: CandidateNetwork) -> None:
        self.n_features = network.n_features
        self._encoder = [numpy_dense(d) for d in network.actor.layers()]
        self._logit = numpy_dense(as_dense(network.logit))
        self._log_ei_weight = np.float32(network.log_ei_weight.item())

    def logits(self, features: np.ndarray) -> np.ndarray:
        """The logits (K,) of the candidate rows ``features`` (K, n_features), as ``CandidateNetwork.logits``."""
        rows = np.asarray(features, dtype=np.float32).reshape(1, -1, self.n_features)
        return _logits(NUMPY_OPS, self._encoder, self._logit, self._log_ei_weight, rows)[0]

    def choose(self, features: np.ndarray, rng: np.random.Generator | None = None) -> int:
        """As ``CandidateNetwork.choose``."""
        return _pick(self.logits(features), rng)


class CandidatePolicy(NetworkPolicy):
    """SB3 actor-critic policy around ``CandidateNetwork`` (use with ``PPO(CandidatePolicy, env)``).

    Args:
        observation_space: ``Box`` of shape (K * N_FEATURES,).
        action_space: ``Discrete(K)``.
        lr_schedule: SB3's learning-rate schedule.
        hidden: width of the row embeddings.
        ei_temperature: initial weight of expected improvement in the logits.
        **kwargs: other ``ActorCriticPolicy`` options (optimizer).
    """

    action_dist: CategoricalDistribution  # set by _build

    def __init__(
        self,
        observation_space: spaces.Space,
        action_space: spaces.Space,
        lr_schedule: Schedule,
        *,
        hidden: int = 32,
        ei_temperature: float = EI_TEMPERATURE,
        **kwargs: Any,
    ) -> None:
        shape = observation_space.shape
        if not (
            isinstance(action_space, spaces.Discrete)
            and shape is not None
            and len(shape) == 1
            and shape[0] == action_space.n * N_FEATURES
        ):
            raise ValueError(
                f"CandidatePolicy needs a Box of K * {N_FEATURES} features and Discrete(K) actions, got "
                f"{observation_space} and {action_space}."
            )
        self.hidden = hidden
        self.ei_temperature = ei_temperature
        kwargs["ortho_init"] = False  # CandidateNetwork initializes itself (its logit layer near zero)
        super().__init__(observation_space, action_space, lr_schedule, **kwargs)

    def _build(self, lr_schedule: Schedule) -> None:
        self.net = CandidateNetwork(N_FEATURES, hidden=self.hidden, ei_temperature=self.ei_temperature)
        self.action_dist = CategoricalDistribution(int(self.action_space.n))  # type: ignore[attr-defined]
        # SB3 types optimizer_class as the Optimizer base class; it holds a subclass whose constructor takes lr.
        make_optimizer = cast(Callable[..., torch.optim.Optimizer], self.optimizer_class)
        self.optimizer = make_optimizer(self.parameters(), lr=lr_schedule(1), **self.optimizer_kwargs)

    def _get_constructor_parameters(self) -> dict[str, Any]:
        data = super()._get_constructor_parameters()
        data.update(hidden=self.hidden, ei_temperature=self.ei_temperature)
        for key in ("net_arch", "activation_fn", "use_sde", "squash_output", "full_std", "use_expln", "log_std_init"):
            data.pop(key, None)
        return data

    def _distribution(self, obs: torch.Tensor) -> CategoricalDistribution:
        return self.action_dist.proba_distribution(action_logits=self.net.logits(obs.float()))
