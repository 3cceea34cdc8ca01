"""Candidate moves: where the next evaluation may go, proposed around the best points and over the space.

A candidate is a cube point together with how it was made: its *centre* (the incumbent, another of the
best points, or none for a point drawn uniformly over the space) and its *radius* (the scale of the move).
Local moves perturb a random subset of the coordinates (about ``n_perturbed`` of them, all in small
spaces, as in TuRBO; Eriksson et al., NeurIPS 2019): numeric coordinates by a Gaussian step of standard
deviation ``radius`` (clipped to the cube's faces, so that a face itself can be proposed, or reflected at
them), categorical ones by a fresh uniform choice with probability ``min(1, 2 * radius)``. Nothing here
reads what a coordinate means, so the same moves serve every search space.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["EDGES", "RADII", "CandidateMoves", "local_moves", "uniform_moves"]

#: Radii of local moves, in unit-cube coordinates.
RADII = (0.01, 0.03, 0.1, 0.3)
#: What a numeric step beyond a face of the cube becomes: mirrored back inside, placed on the face, or
#: either with equal probability, per move.
EDGES = ("reflect", "clip", "both")


@dataclass
class CandidateMoves:
    """Cube points ``u`` (m, d) with their origin: ``radius`` (1.0 for uniform points), ``centre_rank``
    (0 for the incumbent, k for the k-th best other point, -1 for uniform points) and ``refined`` (made by
    refining the best candidates of a first round)."""

    u: np.ndarray
    radius: np.ndarray
    centre_rank: np.ndarray
    refined: np.ndarray

    def __len__(self) -> int:
        return int(self.u.shape[0])

    @staticmethod
    def concat(parts: list[CandidateMoves]) -> CandidateMoves:
        return CandidateMoves(
            np.concatenate([p.u for p in parts]),
            np.concatenate([p.radius for p in parts]),
            np.concatenate([p.centre_rank for p in parts]),
            np.concatenate([p.refined for p in parts]),
        )

    def take(self, index: np.ndarray) -> CandidateMoves:
        return CandidateMoves(self.u[index], self.radius[index], self.centre_rank[index], self.refined[index])


def uniform_moves(rng: np.random.Generator, m: int, dim: int) -> CandidateMoves:
    """``m`` points drawn uniformly over the cube."""
    return CandidateMoves(rng.random((m, dim)), np.ones(m), np.full(m, -1), np.zeros(m, dtype=bool))


def local_moves(
    rng: np.random.Generator,
    centres: np.ndarray,
    centre_rank: np.ndarray,
    radius: np.ndarray,
    categorical: np.ndarray,
    *,
    n_perturbed: float = 8.0,
    refined: bool = False,
    edges: str = "clip",
) -> CandidateMoves:
    """One move from each centre (rows of ``centres``) at the given ``radius`` per row.

    Args:
        centres: cube points (m, d).
        centre_rank: rank of each centre among the best points (0: the incumbent).
        radius: per-row radius.
        categorical: boolean mask (d,) of categorical coordinates.
        n_perturbed: expected number of perturbed coordinates (at least one is always perturbed).
        edges: ``"reflect"`` mirrors a step beyond a face back inside; ``"clip"`` puts it on the face, so a
            search can reach the bounds of a range, where the best value of a hyperparameter often lies;
            ``"both"`` does either, per move, with equal probability.
    """
    m, dim = centres.shape
    p = min(1.0, n_perturbed / dim)
    mask = rng.random((m, dim)) < p
    forced = rng.integers(dim, size=m)
    mask[np.arange(m), forced] = True
    step = rng.standard_normal((m, dim)) * radius[:, None]
    u = centres + np.where(mask & ~categorical, step, 0.0)
    if edges != "clip":
        reflected = np.abs(u)
        reflected = np.where(reflected > 1.0, 2.0 - reflected, reflected)
        u = reflected if edges == "reflect" else np.where(rng.random((m, 1)) < 0.5, reflected, u)
    u = np.minimum(np.maximum(u, 0.0), 1.0)  # np.clip's values (up to a zero's sign), without its Python-level wrapper
    if categorical.any():
        flip = mask & categorical & (rng.random((m, dim)) < np.minimum(1.0, 2.0 * radius)[:, None])
        u = np.where(flip, rng.random((m, dim)), u)
    return CandidateMoves(u, radius.astype(float), centre_rank.astype(int), np.full(m, refined))
