"""A multivariate product-kernel density estimator for mixed continuous/categorical data (BOHB's model).

It reproduces what BOHB's reference implementation (HpBandSter) gets from statsmodels'
``KDEMultivariate(var_type="c...u...", bw="normal_reference")``: a Gaussian kernel on every continuous
coordinate, an Aitchison-Aitken kernel on every categorical one, and the normal-reference rule of thumb
``1.06 * std * n^(-1 / (4 + d))`` for every bandwidth (categorical ones included). It is written in numpy
because statsmodels is not a dependency of rl_hpo and the estimator is twenty lines; two corrections:

- the Aitchison-Aitken kernel uses the parameter's number of choices, where statsmodels counts the
  distinct values present in the data (infinite or undefined densities when a choice is missing, which
  HpBandSter then had to catch), and its bandwidth is capped at ``(c - 1) / c`` (the uniform kernel) so
  that the kernel stays a probability distribution;
- densities are computed as logs (log-sum-exp), so that products over many dimensions do not underflow.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["MixedKDE"]


class MixedKDE:
    """Product-kernel density estimate of ``data`` (n, d).

    Args:
        data: continuous coordinates in the unit cube and categorical choice indices, without NaN.
        n_choices: per column, 0 for a continuous coordinate, else the number of choices.
        min_bandwidth: the smallest bandwidth of any column (keeps a column whose data are all equal from
            collapsing to a point).

    Attributes:
        bandwidth: per column, the Gaussian standard deviation or the Aitchison-Aitken lambda.
    """

    def __init__(self, data: np.ndarray, n_choices: np.ndarray, *, min_bandwidth: float) -> None:
        data = np.asarray(data, dtype=float)
        if data.ndim != 2 or data.shape[0] == 0 or not np.all(np.isfinite(data)):
            raise ValueError(f"MixedKDE needs a finite (n, d) array with n >= 1, got shape {data.shape}.")
        n, d = data.shape
        self.data = data
        self.n_choices = np.asarray(n_choices, dtype=int)
        self.categorical = self.n_choices > 0
        bandwidth = 1.06 * data.std(axis=0) * n ** (-1.0 / (4 + d))
        bandwidth = np.maximum(bandwidth, min_bandwidth)
        c = self.n_choices[self.categorical]
        bandwidth[self.categorical] = np.minimum(bandwidth[self.categorical], (c - 1) / np.maximum(c, 1))
        self.bandwidth = bandwidth

    def log_pdf(self, x: np.ndarray) -> np.ndarray:
        """Log density at the points ``x`` (m, d); returns shape (m,)."""
        x = np.atleast_2d(np.asarray(x, dtype=float))
        cont = ~self.categorical
        h = self.bandwidth[cont]
        z = (x[:, None, cont] - self.data[None, :, cont]) / h
        log_k = (-0.5 * z**2).sum(axis=2) - cont.sum() * 0.5 * math.log(2 * math.pi) - np.log(h).sum()
        if self.categorical.any():
            lam = self.bandwidth[self.categorical]
            c = self.n_choices[self.categorical]
            same = x[:, None, self.categorical] == self.data[None, :, self.categorical]
            with np.errstate(divide="ignore"):
                # A single-choice parameter always matches: its kernel is 1 (log 0).
                log_same = np.log1p(-lam)
                log_other = np.where(c > 1, np.log(lam) - np.log(np.maximum(c - 1, 1)), 0.0)
            log_k = log_k + np.where(same, log_same, log_other).sum(axis=2)
        peak = log_k.max(axis=1, keepdims=True)
        peak = np.where(np.isfinite(peak), peak, 0.0)
        return peak[:, 0] + np.log(np.exp(log_k - peak).sum(axis=1)) - math.log(self.data.shape[0])

    def pdf(self, x: np.ndarray) -> np.ndarray:
        """Density at the points ``x`` (m, d)."""
        return np.exp(self.log_pdf(x))
