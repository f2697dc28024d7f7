"""Numeric helpers shared by the scorers, the aligner, the claim matcher, `xling find` and the calibration runs.

One of each, in the lowest layer that needs them, so every user imports them without reaching a higher layer.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, DTypeLike

from translate.errors import InputError


def sigmoid(x: ArrayLike) -> np.ndarray:
    """Logistic function 1 / (1 + exp(-x)), overflow-safe."""
    # tanh saturates where exp(-x) would overflow for large negative x.
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(x, dtype=np.float64)))


def prefix_sums(values: ArrayLike, dtype: DTypeLike = np.float64) -> np.ndarray:
    """Sums of values[:k] along the first axis for k = 0..len(values), so a span's sum is two lookups."""
    values = np.asarray(values)
    zero = np.zeros((1,) + values.shape[1:], dtype=dtype)
    return np.concatenate([zero, np.cumsum(values, axis=0)]).astype(dtype, copy=False)


def fit_logistic(x: ArrayLike, y: ArrayLike, l2: float = 1.0, steps: int = 50) -> np.ndarray:
    """Weights (one per column of x, then the intercept) of an L2-regularised logistic regression, by Newton steps.

    The penalty acts on standardised features, so it does not depend on a feature's units (chrF spans ~0.5, a
    CSLS value ~0.1); the intercept is not penalised. Deterministic: the same data give the same weights.
    """
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    mu, sd = x.mean(axis=0), x.std(axis=0)
    sd = np.where(sd > 0, sd, 1.0)
    xb = np.c_[(x - mu) / sd, np.ones(len(x))]
    w = np.zeros(xb.shape[1])
    reg = np.r_[np.full(x.shape[1], l2), 0.0]
    for _ in range(steps):
        p = sigmoid(xb @ w)
        grad = xb.T @ (p - y) + reg * w
        hess = (xb * (p * (1 - p))[:, None]).T @ xb + np.diag(reg)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-12:
            break
    # Fold the standardisation back in, so the weights apply to raw feature values.
    slopes = w[:-1] / sd
    return np.r_[slopes, w[-1] - slopes @ mu]


def predict_logistic(x: ArrayLike, weights: ArrayLike) -> np.ndarray:
    """Probabilities of feature rows under `fit_logistic` weights (one per column, then the intercept)."""
    weights = np.asarray(weights, dtype=np.float64)
    return sigmoid(np.asarray(x, dtype=np.float64) @ weights[:-1] + weights[-1])


def check_number(value: float | None, name: str = "threshold", low: float | None = 0.0,
                    high: float | None = 1.0) -> float | None:
    """`value` when it is None or a finite number within [low, high] (an open end when None); else InputError.

    Python compares nan false with everything, so a plain range test lets nan through; it is refused first.
    """
    if value is None:
        return None
    span = f" in [{_num(low)}, {_num(high)}]" if low is not None and high is not None else (
        f" >= {_num(low)}" if low is not None else (f" <= {_num(high)}" if high is not None else ""))
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InputError(f"The {name} must be a number{span}; got {value!r}.") from None
    if not math.isfinite(number) or (low is not None and number < low) or (high is not None and number > high):
        raise InputError(f"The {name} must be a finite number{span}; got {value}.")
    return number


def _num(x: float) -> str:
    """A bound as people write it: 0 and 1 rather than 0.0 and 1.0."""
    return f"{x:g}"
