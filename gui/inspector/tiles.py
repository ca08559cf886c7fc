"""Where the image tab's tiles go: arrays in, arrays out, no Qt (display reshaping only)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]
GAP = 1  # pixels of background between two tiles


def image_rows_columns(shape: tuple[int, ...]) -> tuple[int, int]:
    """The (rows, columns) an input row is drawn as: the last dimension across, the rest down."""
    return math.prod(shape[:-1]), shape[-1]


@dataclass(frozen=True)
class TileGrid:
    """``count`` tiles of ``rows`` x ``columns`` pixels, ``across`` tiles a row, ``GAP`` apart."""

    count: int
    rows: int
    columns: int
    across: int

    @classmethod
    def fit(cls, count: int, shape: tuple[int, ...], aspect: float = 2.0) -> TileGrid:
        """A grid for ``count`` tiles, about ``aspect`` times as wide as tall."""
        rows, columns = image_rows_columns(shape)
        across = max(1, min(count, math.ceil(math.sqrt(count * aspect * rows / columns))))
        return cls(count, rows, columns, across)

    @property
    def down(self) -> int:
        return math.ceil(self.count / self.across)

    @property
    def size(self) -> tuple[int, int]:
        """The mosaic's (height, width) in pixels."""
        return (
            self.down * (self.rows + GAP) - GAP,
            self.across * (self.columns + GAP) - GAP,
        )

    def origin(self, tile: int) -> tuple[int, int]:
        """The mosaic (row, column) of tile ``tile``'s top-left pixel."""
        down, across = divmod(tile, self.across)
        return down * (self.rows + GAP), across * (self.columns + GAP)

    def mosaic(self, values: Array | None) -> Array:
        """Row ``j`` of ``values`` (one per tile) as tile ``j``; NaN between tiles (and everywhere
        for None: nothing computed yet)."""
        out = np.full(self.size, np.nan)
        if values is None:
            return out
        for j in range(self.count):
            top, left = self.origin(j)
            out[top : top + self.rows, left : left + self.columns] = values[j].reshape(
                self.rows, self.columns
            )
        return out

    def tile(self, mosaic: Array, tile: int) -> Array:
        """Tile ``tile``'s pixels, cut from ``mosaic``."""
        top, left = self.origin(tile)
        return mosaic[top : top + self.rows, left : left + self.columns]

    def hit(self, y: float, x: float) -> tuple[int, int] | None:
        """(tile, input index) of the mosaic point (y down, x across), or None for a gap or outside."""
        if y < 0 or x < 0:
            return None
        down, r = divmod(int(y), self.rows + GAP)
        across, c = divmod(int(x), self.columns + GAP)
        tile = down * self.across + across
        if r >= self.rows or c >= self.columns or across >= self.across or tile >= self.count:
            return None
        return tile, r * self.columns + c
