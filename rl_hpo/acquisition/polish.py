"""Polishing candidates: a few L-BFGS-B steps on log expected improvement over the numeric coordinates.

Random moves land near a maximum of expected improvement, not on it; where the best configurations lie in a
narrow region or on a bound of a range, the last digits matter. Optuna's ``GPSampler`` refines its best
candidates the same way, but its optimizer is an internal, torch-based part of Optuna, so this module writes
the gradient of log EI for the in-episode GP (``GaussianProcess.predict_gradient``) and hands it to scipy.
Categorical coordinates, and numeric ones a condition switches off, stay where they are (moving a numeric
coordinate never changes which parameters are active: conditions hang on categorical parents only).
"""

from __future__ import annotations

import numpy as np
from scipy import optimize
from scipy.special import log_ndtr

from rl_hpo.acquisition.gp import GaussianProcess, log_expected_improvement

__all__ = ["log_expected_improvement_gradient", "polish"]


def log_expected_improvement_gradient(
    gp: GaussianProcess, xn: np.ndarray, xc: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``log EI`` at the points and its gradient by their numeric coordinates (shape ``xn.shape``)."""
    mean, std, d_mean, d_std = gp.predict_gradient(xn, xc)
    log_ei = log_expected_improvement(mean, std, gp.y_best)
    z = (mean - gp.y_best) / std
    # EI = std * h(z) with h(z) = z Phi(z) + phi(z) and h'(z) = Phi(z), so
    # d log EI = d std / std + Phi(z) / h(z) * dz, with dz = (d mean - z d std) / std; Phi / h in logs.
    phi_over_h = np.exp(log_ndtr(z) - (log_ei - np.log(std)))
    dz = (d_mean - z[:, None] * d_std) / std[:, None]
    return log_ei, d_std / std[:, None] + phi_over_h[:, None] * dz


def polish(
    gp: GaussianProcess, xn: np.ndarray, xc: np.ndarray, movable: np.ndarray, *, iterations: int = 10
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Climb log EI from each start (rows of ``xn``, with categorical rows ``xc``) within the unit cube.

    Args:
        gp: a fitted GP (at least one point).
        xn, xc: the starts' numeric coordinates (s, p) and categorical indices.
        movable: boolean mask (s, p) of the numeric coordinates that may move.
        iterations: L-BFGS-B iterations (one joint problem: the starts do not interact, so the sum of their
            log EI separates).

    Returns:
        ``(xn, mean, std)``: the polished numeric coordinates and the GP's prediction there. A start the
        optimizer did not improve comes back unchanged.
    """
    start_mean, start_std = gp.predict(xn, xc)
    if not movable.any():
        return xn, start_mean, start_std
    shape = xn.shape
    lower = np.where(movable, 0.0, xn).ravel()
    upper = np.where(movable, 1.0, xn).ravel()

    def objective(flat: np.ndarray) -> tuple[float, np.ndarray]:
        value, grad = log_expected_improvement_gradient(gp, flat.reshape(shape), xc)
        return -float(value.sum()), -np.where(movable, grad, 0.0).ravel()

    result = optimize.minimize(
        objective,
        xn.ravel(),
        jac=True,
        method="L-BFGS-B",
        bounds=list(zip(lower, upper, strict=True)),
        options={"maxiter": iterations},
    )
    polished = np.clip(result.x.reshape(shape), lower.reshape(shape), upper.reshape(shape))
    mean, std = gp.predict(polished, xc)
    log_ei = log_expected_improvement(mean, std, gp.y_best)
    better = np.isfinite(log_ei) & (log_ei > log_expected_improvement(start_mean, start_std, gp.y_best))
    return np.where(better[:, None], polished, xn), np.where(better, mean, start_mean), np.where(better, std, start_std)
