"""Losses: the value, each sample's derivative dℓ/da, and how the batch is reduced.

Every loss is written as a reduction over per-sample losses ℓ_s, so the chain rule can be
shown per sample and then reduced: ``mse`` and ``bce`` and ``cross_entropy`` take the mean
over samples (scale 1/N); ``half_sse``, ``sse``, ``bce_sum`` and ``cross_entropy_sum`` the sum
(scale 1). A summed loss is its own name rather than a reduction field, so one word in a
session file says which formula is trained (``half_sse`` already was one).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]


@dataclass(frozen=True)
class Loss:
    """A loss: its name, the reduction over samples and the formula shown to the user."""

    name: str
    reduction: str  # "mean" or "sum" over the samples of the batch
    formula: str
    derivative_formula: str
    family: str  # "squared", "bce" or "cross_entropy": what the output must be, what may fuse


LOSSES: dict[str, Loss] = {
    loss.name: loss
    for loss in (
        Loss("mse", "mean", "mean over samples and outputs of (a - y)^2", "2(a-y)/K", "squared"),
        Loss("half_sse", "sum", "1/2 * sum over samples and outputs of (a - y)^2", "a-y", "squared"),
        Loss("sse", "sum", "sum over samples and outputs of (a - y)^2", "2(a-y)", "squared"),
        Loss("bce", "mean", "mean binary cross-entropy over all outputs", "(a-y)/(a(1-a)K)", "bce"),
        Loss(
            "bce_sum", "sum", "binary cross-entropy summed over samples and outputs", "(a-y)/(a(1-a))", "bce"
        ),
        Loss("cross_entropy", "mean", "mean over samples of -sum_k y_k log a_k", "a-y", "cross_entropy"),
        Loss("cross_entropy_sum", "sum", "sum over samples of -sum_k y_k log a_k", "a-y", "cross_entropy"),
    )
}


# The array methods .sum() and .mean() run the same reductions as np.sum and np.mean (the
# functions forward to them) without their Python dispatch, which shows on tiny networks;
# np.add.reduce(x, None) is what x.sum() runs, one Python call fewer again.


def _mse(z: Array, a: Array, y: Array) -> float:
    return float(((a - y) ** 2).mean())


def _half_sse(z: Array, a: Array, y: Array) -> float:
    return float(0.5 * np.add.reduce((a - y) ** 2, None))


def _sse(z: Array, a: Array, y: Array) -> float:
    return float(np.add.reduce((a - y) ** 2, None))


def _bce_terms(z: Array, y: Array) -> Array:
    # -[y log σ(z) + (1-y) log(1-σ(z))] = softplus(z) - y z, finite for every z.
    terms: Array = np.logaddexp(0.0, z) - y * z
    return terms


def _bce(z: Array, a: Array, y: Array) -> float:
    return float(_bce_terms(z, y).mean())


def _bce_sum(z: Array, a: Array, y: Array) -> float:
    return float(_bce_terms(z, y).sum())


def _cross_entropy_terms(z: Array, y: Array) -> Array:
    shifted = z - z.max(axis=1, keepdims=True)
    log_a = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    terms: Array = -(y * log_a).sum(axis=1)
    return terms


def _cross_entropy(z: Array, a: Array, y: Array) -> float:
    return float(_cross_entropy_terms(z, y).mean())


def _cross_entropy_sum(z: Array, a: Array, y: Array) -> float:
    return float(_cross_entropy_terms(z, y).sum())


_VALUES = {
    "mse": _mse,
    "half_sse": _half_sse,
    "sse": _sse,
    "bce": _bce,
    "bce_sum": _bce_sum,
    "cross_entropy": _cross_entropy,
    "cross_entropy_sum": _cross_entropy_sum,
}


def loss_value(name: str, z: Array, a: Array, y: Array) -> float:
    """The loss of a batch, computed stably from z where a saturates."""
    return _VALUES[name](z, a, y)


def loss_function(name: str) -> Callable[[Array, Array, Array], float]:
    """The function :func:`loss_value` calls for ``name``, for a caller that looks it up once."""
    return _VALUES[name]


def batch_scale(name: str, batch_size: int) -> float:
    """The factor that turns the sum of per-sample gradients into the batch gradient."""
    return 1.0 / batch_size if LOSSES[name].reduction == "mean" else 1.0


def output_dl_da(name: str, a: Array, y: Array) -> Array:
    """dℓ_s/da for each sample s and output k (undefined for cross-entropy, fused with softmax)."""
    if name == "half_sse":
        return a - y
    if name == "sse":
        twice: Array = 2.0 * (a - y)
        return twice
    k = a.shape[1]
    if name == "mse":
        result: Array = (2.0 / k) * (a - y)
        return result
    if LOSSES[name].family == "bce":
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio: Array = (a - y) / (a * (1 - a))
        return ratio / k if name == "bce" else ratio
    raise ValueError(f"loss {name!r} has no element-wise dℓ/da")


def fused_delta(name: str, a: Array, y: Array) -> Array | None:
    """dℓ_s/dz for the output layer where the loss and activation are fused, else None.

    Sigmoid with binary cross-entropy and softmax with cross-entropy reduce to a - y (over K
    outputs for the mean bce), which is exact where the unfused product would divide by
    a(1-a) = 0.
    """
    if name == "bce":
        k = a.shape[1]
        return a - y if k == 1 else (a - y) / k
    if name in ("bce_sum", "cross_entropy", "cross_entropy_sum"):
        return a - y
    return None


def is_fused(name: str) -> bool:
    """True for the losses whose output δ = dℓ/dz comes straight from the loss (BCE, CE)."""
    return LOSSES[name].family != "squared"
