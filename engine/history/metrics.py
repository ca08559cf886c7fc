"""What a session remembers of every iteration however far back: its loss and, when asked,
each layer's gradient norm (the window's loss curve and norm plot)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

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
    """Per-iteration loss and gradient norms, from iteration ``start`` on, in order.

    Recorded into lists (an append is what an iteration can afford); read as arrays converted
    once: each read converts only what was recorded since the last one, so a window run that
    reads them at every progress frame stays linear in its length, not quadratic. The arrays
    handed out are read-only and never change: a later read makes new ones.
    """

    def __init__(self, start: int, layers: int) -> None:
        self._start = start
        self._layers = layers
        self._losses: list[float] = []
        self._norms: list[tuple[float, ...]] = []
        self._loss_array: Array = _frozen(np.zeros(0))
        self._norm_array: Array = _frozen(np.zeros((0, layers)))

    def record(self, k: int, loss: float, norms: tuple[float, ...] | None) -> None:
        """Note iteration k's loss (and norms): a recomputed iteration overwrites, a new one
        appends, one beyond the next is not known yet and is skipped (so is one before the start)."""
        i = k - self._start
        if i < 0:
            return
        if i < len(self._losses):
            self._losses[i] = loss
            self._loss_array = self._loss_array[:i]  # converted again from i on
        elif i == len(self._losses):
            self._losses.append(loss)
        if norms is not None:
            if i < len(self._norms):
                self._norms[i] = norms
                self._norm_array = self._norm_array[:i]
            elif i == len(self._norms):
                self._norms.append(norms)

    def forget_from(self, k: int) -> None:
        """Forget iteration k and later (history after an edit is a new branch)."""
        i = max(0, k - self._start)
        del self._losses[i:]
        del self._norms[i:]
        self._loss_array = self._loss_array[:i]
        self._norm_array = self._norm_array[:i]

    def losses(self) -> tuple[NDArray[np.int64], Array]:
        self._loss_array = _caught_up(self._loss_array, self._losses)
        return np.arange(self._start, self._start + len(self._losses)), self._loss_array

    def last_loss(self) -> tuple[int, float] | None:
        if not self._losses:
            return None
        return self._start + len(self._losses) - 1, self._losses[-1]

    def gradient_norms(self) -> tuple[NDArray[np.int64], Array]:
        self._norm_array = _caught_up(self._norm_array, self._norms)
        return np.arange(self._start, self._start + len(self._norms)), self._norm_array


def _caught_up(array: Array, recorded: Sequence[object]) -> Array:
    """``array`` with the ``recorded`` items past its length converted and added (a new,
    read-only array; ``array`` itself when there are none)."""
    done = len(array)
    if done >= len(recorded):
        return array
    new = np.array(recorded[done:], dtype=np.float64).reshape(-1, *array.shape[1:])
    return _frozen(np.concatenate([array, new]))


def _frozen(array: Array) -> Array:
    array.flags.writeable = False
    return array
