"""What a session remembers of every iteration however far back: its loss and, when asked,
each layer's gradient norm (the window's loss curve and norm plot)."""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]


def frobenius_norms(matrices: Iterable[Array]) -> tuple[float, ...]:
    """Each matrix's Frobenius norm, bit for bit ``np.linalg.norm`` (which is sqrt(x . x) of the
    flattened matrix) without its dispatch, which costs more than the sum on a small layer."""
    norms = []
    for m in matrices:
        flat = m.ravel(order="K")
        norms.append(math.sqrt(float(flat.dot(flat))))
    return tuple(norms)


class Metrics:
    """Per-iteration loss and gradient norms, from iteration ``start`` on, in order."""

    def __init__(self, start: int, layers: int) -> None:
        self._start = start
        self._layers = layers
        self._losses: list[float] = []
        self._norms: list[tuple[float, ...]] = []

    def record(self, k: int, loss: float, norms: tuple[float, ...] | None) -> None:
        """Note iteration k's loss (and norms): a recomputed iteration overwrites, a new one
        appends, one beyond the next is not known yet and is skipped."""
        i = k - self._start
        if i < len(self._losses):
            self._losses[i] = loss
        elif i == len(self._losses):
            self._losses.append(loss)
        if norms is not None:
            if i < len(self._norms):
                self._norms[i] = norms
            elif i == len(self._norms):
                self._norms.append(norms)

    def forget_from(self, k: int) -> None:
        """Forget iteration k and later (history after an edit is a new branch)."""
        del self._losses[k - self._start :]
        del self._norms[k - self._start :]

    def losses(self) -> tuple[NDArray[np.int64], Array]:
        n = len(self._losses)
        return np.arange(self._start, self._start + n), np.array(self._losses)

    def last_loss(self) -> tuple[int, float] | None:
        if not self._losses:
            return None
        return self._start + len(self._losses) - 1, self._losses[-1]

    def gradient_norms(self) -> tuple[NDArray[np.int64], Array]:
        n = len(self._norms)
        norms = np.array(self._norms) if n else np.zeros((0, self._layers))
        return np.arange(self._start, self._start + n), norms
