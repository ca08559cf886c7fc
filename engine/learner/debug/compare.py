"""Is a traced value a given quantity, in some orientation and up to a legitimate factor?"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]

RELATIVE_TOLERANCE = 1e-7
SINGLE_TOLERANCE = 1e-4  # a learner's float32 arrays round at about 6e-8 per operation
FACTOR_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Factor:
    """A factor a correct program may carry, with how to say it."""

    value: float
    words: str


@dataclass(frozen=True)
class Fit:
    """How a traced value relates to a quantity: ``factor`` None when no allowed factor makes
    them agree; ``arranged`` the quantity in the value's shape; ``relative`` the largest
    element-wise relative difference at the best allowed factor."""

    factor: Factor | None
    arranged: Array
    relative: float


def legitimate_factors(samples: int, outputs: int, learning_rate: float) -> list[Factor]:
    """The factors a correct program may carry: the batch's 1/m or not, the loss's ½ or 2 or
    1/K, the learning rate folded in, and the sign of ``error = y - a`` used with ``+=``."""
    base = [Factor(1.0, "")]
    for value, words in ((0.5, "1/2"), (2.0, "2")):
        base.append(Factor(value, words))
    if outputs > 1:
        base += [
            Factor(1.0 / outputs, f"1/K (K={outputs})"),
            Factor(2.0 / outputs, f"2/K (K={outputs})"),
            Factor(outputs / 2.0, f"K/2 (K={outputs})"),
            Factor(float(outputs), f"K (K={outputs})"),
        ]
    scaled = list(base)
    if samples > 1:
        for f in base:
            scaled.append(Factor(f.value / samples, _join(f.words, f"1/m (m={samples})")))
            scaled.append(Factor(f.value * samples, _join(f.words, f"m (m={samples})")))
    with_rate = scaled + [
        Factor(f.value * learning_rate, _join(f.words, "the learning rate")) for f in scaled
    ]
    signed = with_rate + [Factor(-f.value, _join(f.words, "-1")) for f in with_rate]
    return _unique(signed)


def _join(first: str, second: str) -> str:
    return second if not first else f"{first} x {second}"


def _unique(factors: Iterable[Factor]) -> list[Factor]:
    seen: list[float] = []
    out = []
    for f in factors:
        if any(abs(f.value - s) <= 1e-12 * max(abs(s), 1e-300) for s in seen):
            continue
        seen.append(f.value)
        out.append(f)
    return out


def arrangements(value: Array, quantity: Array) -> list[Array]:
    """``quantity`` arranged in ``value``'s shape: as is, transposed, or reshaped (a bias as a
    vector, a row or a column)."""
    out = []
    if quantity.shape == value.shape:
        out.append(quantity)
    square = quantity.ndim == 2 and quantity.shape[0] == quantity.shape[1] > 1
    if quantity.ndim == 2 and quantity.T.shape == value.shape and (square or quantity.shape != value.shape):
        out.append(quantity.T)
    if not out and quantity.size == value.size and _squeezed(quantity) == _squeezed(value):
        out.append(quantity.reshape(value.shape))
    return out


def _squeezed(array: Array) -> tuple[int, ...]:
    return tuple(d for d in array.shape if d != 1)


def close(value: Array, target: Array, rtol: float = RELATIVE_TOLERANCE) -> bool:
    """Element-wise agreement to a relative 1e-7, with an absolute floor for sums that cancel."""
    if value.shape != target.shape:
        return False
    with np.errstate(all="ignore"):
        scale = np.maximum(np.abs(value), np.abs(target))
        floor = 1e-12 + 1e-9 * float(np.max(np.abs(target))) if target.size else 0.0
        ok = np.abs(value - target) <= rtol * scale + floor
    return bool(np.all(ok & np.isfinite(value) & np.isfinite(target)))


def relative(value: Array, target: Array) -> float:
    """The largest element-wise relative difference (inf where either side is not finite)."""
    if value.shape != target.shape:
        return float("inf")
    if not value.size:
        return 0.0
    with np.errstate(all="ignore"):
        scale = np.maximum(np.abs(value), np.abs(target))
        rel = np.where(scale > 0, np.abs(value - target) / scale, 0.0)
    rel = np.where(np.isfinite(value) & np.isfinite(target), rel, np.inf)
    return float(rel.max())


def fit(value: Array, quantity: Array, factors: list[Factor], rtol: float = RELATIVE_TOLERANCE) -> Fit | None:
    """The best allowed factor for ``value`` against ``quantity`` (None if the shapes cannot
    be arranged to match)."""
    best: Fit | None = None
    for arranged in arrangements(value, quantity):
        c = _least_squares(value, arranged)
        if c is None and close(value, arranged, rtol):  # both zero: nothing to scale
            return Fit(factors[0], arranged, 0.0)
        for f in factors:
            if c is not None and abs(c - f.value) <= max(FACTOR_TOLERANCE, rtol) * abs(f.value) + 1e-300:
                target = f.value * arranged
                if close(value, target, rtol):
                    return Fit(f, arranged, relative(value, target))
        target = arranged * (factors[0].value if c is None else _nearest(c, factors).value)
        candidate = Fit(None, arranged, relative(value, target))
        if best is None or candidate.relative < best.relative:
            best = candidate
    return best


def _least_squares(value: Array, arranged: Array) -> float | None:
    with np.errstate(all="ignore"):
        denominator = float(np.vdot(arranged, arranged))
        if not np.isfinite(denominator) or denominator == 0.0:
            return None
        c = float(np.vdot(arranged, value)) / denominator
    return c if np.isfinite(c) and c != 0.0 else None


def _nearest(c: float, factors: list[Factor]) -> Factor:
    """The factor ``c`` is relatively nearest, as :func:`relative` measures the difference: 3 is
    a quarter off 4 and a third off 2. (By absolute distance 3 was as near 2 as 4, and which one
    won depended on the last bit of a dot product, so on the machine's BLAS.)"""
    return min(factors, key=lambda f: abs(c - f.value) / max(abs(c), abs(f.value)))


def first_difference(
    value: Array, target: Array, rtol: float = RELATIVE_TOLERANCE
) -> tuple[tuple[int, ...], float, float] | None:
    """The first element (in reading order) where ``value`` and ``target`` disagree."""
    with np.errstate(all="ignore"):
        scale = np.maximum(np.abs(value), np.abs(target))
        bad = ~(np.abs(value - target) <= rtol * scale + 1e-12)
    if not bad.any():
        return None
    index = tuple(int(i) for i in np.argwhere(bad)[0])
    return index, float(value[index]), float(target[index])
