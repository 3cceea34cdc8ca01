"""The candidate-scoring machinery shared by the PPO candidate policy and plain expected improvement:
an in-episode GP surrogate, candidate moves, and the per-candidate features of a tuning run."""

from rl_hpo.acquisition.gp import GaussianProcess, MixedEncoding, expected_improvement, log_expected_improvement
from rl_hpo.acquisition.moves import RADII, CandidateMoves
from rl_hpo.acquisition.search import (
    CANDIDATE_FEATURES,
    GLOBAL_FEATURES,
    N_FEATURES,
    CandidateSearch,
    Proposal,
    SearchSettings,
)

__all__ = [
    "CANDIDATE_FEATURES",
    "GLOBAL_FEATURES",
    "N_FEATURES",
    "RADII",
    "CandidateMoves",
    "CandidateSearch",
    "GaussianProcess",
    "MixedEncoding",
    "Proposal",
    "SearchSettings",
    "expected_improvement",
    "log_expected_improvement",
]
