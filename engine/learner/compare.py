"""The checker's rule for "agrees": the learner's arrays against the engine's, element by
element, with the same relative tolerance everywhere."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from engine.core.records import LayerParams, Params

Array = NDArray[np.float64]

RELATIVE_TOLERANCE = 1e-7
ABSOLUTE_TOLERANCE = 1e-12


@dataclass(frozen=True)
class ParameterVerdict:
    """One parameter array of one iteration: the learner's value against the correct one."""

    name: str
    yours: Array
    correct: Array
    agrees: bool
    max_relative_difference: float


@dataclass(frozen=True)
class IterationVerdict:
    """One iteration's comparison, parameter by parameter."""

    iteration: int
    parameters: tuple[ParameterVerdict, ...]

    @property
    def agrees(self) -> bool:
        return all(p.agrees for p in self.parameters)


def worst_indices(yours: Array, correct: Array, count: int) -> list[tuple[int, ...]]:
    """The ``count`` elements that differ most, a non-finite one first (NaN never compares greater)."""
    with np.errstate(invalid="ignore", over="ignore"):
        diff = np.abs(yours - correct).reshape(-1)
    finite = (np.isfinite(yours) & np.isfinite(correct)).reshape(-1)
    diff = np.where(finite, diff, np.inf)
    order = np.argsort(-diff, kind="stable")[:count]
    return [tuple(int(i) for i in np.unravel_index(int(j), yours.shape)) for j in order if diff[j] > 0]


def relative(yours: Array, correct: Array) -> float:
    """The largest element-wise relative difference; inf where either side is not finite."""
    if not yours.size:
        return 0.0
    scale = np.maximum(np.abs(yours), np.abs(correct))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        diff = np.abs(yours - correct)
        rel = np.where(scale > 0, diff / scale, 0.0)
    rel = np.where(np.isfinite(yours) & np.isfinite(correct), rel, np.inf)
    return float(rel.max())


def first_non_finite(verdict: IterationVerdict) -> str | None:
    """Where the learner's output of ``verdict`` first holds NaN or inf, in the report's order."""
    for p in verdict.parameters:
        bad = ~np.isfinite(p.yours)
        if bad.any():
            index = tuple(int(i) for i in np.argwhere(bad)[0])
            value = float(p.yours[index])
            word = "NaN" if np.isnan(value) else ("inf" if value > 0 else "-inf")
            where = ",".join(str(i) for i in index)
            return (
                f"your code produced {word} in {p.name} at iteration {verdict.iteration} "
                f"(first at {p.name}[{where}])"
            )
    return None


def agree(yours: Array, correct: Array, rtol: float) -> bool:
    return bool(agree_elements(yours, correct, rtol).all())


def agree_elements(yours: Array, correct: Array, rtol: float) -> NDArray[np.bool_]:
    """Element by element, the rule :func:`agree` applies to the whole array."""
    finite = np.isfinite(yours) & np.isfinite(correct)
    with np.errstate(invalid="ignore", over="ignore"):
        scale = np.maximum(np.abs(yours), np.abs(correct))
        close = np.abs(yours - correct) <= rtol * scale + ABSOLUTE_TOLERANCE
    return np.asarray(finite & close, dtype=np.bool_)


def relative_elements(yours: Array, correct: Array) -> Array:
    scale = np.maximum(np.abs(yours), np.abs(correct))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return np.asarray(np.where(scale > 0, np.abs(yours - correct) / scale, 0.0), dtype=np.float64)


def _names(k: int) -> tuple[str, str]:
    return f"W[{k}]", f"b[{k}]"


def compare(yours: Params, correct: Params, rtol: float = RELATIVE_TOLERANCE) -> tuple[ParameterVerdict, ...]:
    """Each layer's weights and bias, the learner's against the correct ones."""
    out = []
    for k, (y, c) in enumerate(zip(yours, correct, strict=True)):
        wn, bn = _names(k)
        out.append(
            ParameterVerdict(
                wn, y.weights, c.weights, agree(y.weights, c.weights, rtol), relative(y.weights, c.weights)
            )
        )
        if c.has_bias:  # a layer without biases has no b[k] to compare
            out.append(
                ParameterVerdict(bn, y.bias, c.bias, agree(y.bias, c.bias, rtol), relative(y.bias, c.bias))
            )
    return tuple(out)


def params_agree(a: Params, b: Params, rtol: float) -> bool:
    return all(
        agree(x.weights, y.weights, rtol) and agree(x.bias, y.bias, rtol) for x, y in zip(a, b, strict=True)
    )


def implied(before: Params, after: Params, lr: float) -> Params:
    """The gradient an update implies: (old - new) / learning rate."""
    return tuple(
        LayerParams((p.weights - q.weights) / lr, (p.bias - q.bias) / lr)
        for p, q in zip(before, after, strict=True)
    )
