"""Hyperparameter optimization as a Gymnasium environment.

``CandidateTuningEnv`` (each step picks one of a shortlist of candidate moves, described by statistics of
the whole history; the design the general policy uses) is registered as ``rl_hpo/CandidateTuning-v0``
(tasks of the ``prior/gp`` suite, train split). ``TuningEnv`` (each step moves from the incumbent by a
direction and a step size) is registered as ``rl_hpo/Tuning-v0`` (tasks of the ``synthetic/mixed`` suite, train
split, so it works without benchmark data)::

    import gymnasium
    import rl_hpo  # registers the environments (see rl_hpo.registration)

    env = gymnasium.make("rl_hpo/Tuning-v0", budget=50)
"""

from __future__ import annotations

from rl_hpo.envs.actions import ActionMapping, ExplorationFloor
from rl_hpo.envs.candidate_env import CandidateTuningEnv
from rl_hpo.envs.observation import EpisodeHistory, ObservationLayout, SpaceFeatures
from rl_hpo.envs.tuning_env import TaskPool, TuningEnv
from rl_hpo.lazy_exports import lazy_exports
from rl_hpo.registration import CANDIDATE_ENV_ID, ENV_ID, register_environments

__all__ = [
    "CANDIDATE_ENV_ID",
    "ENV_ID",
    "ActionMapping",
    "CandidateTuningEnv",
    "EpisodeHistory",
    "ExplorationFloor",
    "ObservationLayout",
    "SpaceFeatures",
    "TaskPool",
    "TuningEnv",
    "TuningVecEnv",
]


_WHERE = {"TuningVecEnv": "vec_env"}  # it needs stable-baselines3 (and torch): imported only when asked for
__getattr__, __dir__ = lazy_exports(__name__, _WHERE, __all__)


register_environments()
