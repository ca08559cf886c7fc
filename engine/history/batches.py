"""Which samples each iteration trains on: all of them, or a seeded shuffled mini-batch."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from engine.core.config import SessionConfig
from engine.core.records import IterationRecord, Params

Array = NDArray[np.float64]


def read_only_copy(array: Array) -> Array:
    """A copy nobody can write: records hand the data out, so it must not change under them."""
    copy = np.array(array, dtype=np.float64, copy=True)
    copy.flags.writeable = False
    return copy


class Batches:
    """Iteration k's batch, a function of the seed and k alone (so history can be recomputed).

    Each epoch is one permutation drawn from ``default_rng([seed, 0xBA7C4, epoch])``, cut into
    consecutive batches; the last epoch's permutation is cached.
    """

    def __init__(self, config: SessionConfig) -> None:
        self.x = read_only_copy(config.x)
        self.y = read_only_copy(config.y)
        self.samples = self.x.shape[0]
        self._size = config.batch_size
        self._seed = config.seed
        self._epoch_cache: tuple[int, NDArray[np.intp]] | None = None

    def indices(self, iteration: int) -> NDArray[np.intp]:
        """The samples of ``iteration``'s batch."""
        size = self._size
        if size is None or size >= self.samples:
            return np.arange(self.samples)
        per_epoch = math.ceil(self.samples / size)
        epoch, index = divmod(iteration, per_epoch)
        if self._epoch_cache is None or self._epoch_cache[0] != epoch:
            rng = np.random.default_rng([self._seed, 0xBA7C4, epoch])
            self._epoch_cache = (epoch, rng.permutation(self.samples))
        return self._epoch_cache[1][index * size : (index + 1) * size]

    def arrays(self, k: int) -> tuple[Array, Array]:
        """(inputs, targets) of iteration ``k``'s batch (the whole data set when full batch)."""
        if self._size is None:
            return self.x, self.y
        idx = self.indices(k)
        return self.x[idx], self.y[idx]

    def record(self, k: int, params: Params) -> IterationRecord:
        """Iteration k's record before any stage has run."""
        idx = self.indices(k)
        if idx.shape[0] == self.samples:
            x, y = self.x, self.y
        else:
            x, y = self.x[idx], self.y[idx]
        return IterationRecord(k, idx, x, y, params)
