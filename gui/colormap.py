"""The network view's diverging colours: bucket lookup for edges and a lookup table for images.

The stops are the panels' ColorBrewer RdBu (blue negative, pale grey zero, red positive), so a
value has the same colour in the drawing, the matrix tables and the colour bar.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from PySide6.QtGui import QColor

from gui.matrix_table import DIVERGING_STOPS

BUCKETS = 33  # odd, so that zero has a bucket of its own
PENDING_EDGE = "#d4d4d4"


def _interpolated(count: int) -> NDArray[np.uint8]:
    stops = np.array([QColor(c).getRgb()[:3] for c in DIVERGING_STOPS], dtype=np.float64)
    where = np.linspace(0.0, 1.0, len(stops))
    t = np.linspace(0.0, 1.0, count)
    rgb = np.stack([np.interp(t, where, stops[:, k]) for k in range(3)], axis=1)
    return np.round(rgb).astype(np.uint8)


BUCKET_RGB = _interpolated(BUCKETS)
LUT = _interpolated(256)  # for ImageItem bands: same map, finer steps


def bucket_colors() -> list[QColor]:
    """One QColor per bucket, from most negative to most positive."""
    return [QColor(int(r), int(g), int(b)) for r, g, b in BUCKET_RGB]


def buckets(values: NDArray[np.float64], scale: float) -> NDArray[np.intp]:
    """Bucket index of each value on a symmetric scale of half-width ``scale`` (NaN: the middle)."""
    if scale <= 0 or not np.isfinite(scale):
        return np.full(values.shape, BUCKETS // 2, dtype=np.intp)
    t = np.clip(np.nan_to_num(values / scale, nan=0.0, posinf=1.0, neginf=-1.0), -1.0, 1.0)
    return np.rint((t + 1.0) * 0.5 * (BUCKETS - 1)).astype(np.intp)


def bucket_magnitude(index: int) -> float:
    """|value| / scale at the centre of bucket ``index`` (0 at zero, 1 at either end)."""
    return abs(index / (BUCKETS - 1) * 2.0 - 1.0)


def color_of(value: float, scale: float) -> QColor:
    """The colour of one value (for node fills and swatches)."""
    index = int(buckets(np.array([value]), scale)[0])
    r, g, b = BUCKET_RGB[index]
    return QColor(int(r), int(g), int(b))


def text_color_on(background: QColor) -> QColor:
    """Dark or light text, whichever reads on ``background``."""
    lum = 0.2126 * background.red() + 0.7152 * background.green() + 0.0722 * background.blue()
    return QColor("#ffffff") if lum < 0.45 * 255 else QColor("#1f1f1f")
