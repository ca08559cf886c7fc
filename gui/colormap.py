"""The one diverging colour map: edges, nodes, the colour bars, the matrix tables and the images.

ColorBrewer RdBu reversed: blue for negative, a pale grey at zero, red for positive. It stays
distinguishable with every common colour-vision deficiency (ColorBrewer's "colorblind safe").
Every colour of a value comes from :func:`diverging_rgb`, so a value has the same colour in the
drawing, the matrix tables and the colour bars; the views differ only in how many steps they use.

On a dark background the network uses the same map turned inside out (after Crameri's "berlin"):
zero is a dark grey just above the background and both ends are light, so "near zero = faint"
still holds; blue is still negative and red positive.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from numpy.typing import NDArray
from PySide6.QtCore import QPointF
from PySide6.QtGui import QColor, QLinearGradient

DIVERGING_STOPS: tuple[str, ...] = (
    "#053061",
    "#2166ac",
    "#4393c3",
    "#92c5de",
    "#d1e5f0",
    "#f7f7f7",
    "#fddbc7",
    "#f4a582",
    "#d6604d",
    "#b2182b",
    "#67001f",
)
DARK_DIVERGING_STOPS: tuple[str, ...] = (
    "#9bb0ff",
    "#7ea4ee",
    "#6192d6",
    "#4879b3",
    "#345a85",
    "#3a3a3a",
    "#7a3424",
    "#a3422d",
    "#c95d44",
    "#e88b74",
    "#ffb4a8",
)
BUCKETS = 33  # the network's steps: odd, so that zero has a bucket of its own
TABLE_LEVELS = 257  # the matrix tables' steps: 8 between two buckets, so both agree on the buckets
PENDING_EDGE = "#d4d4d4"

_STOP_RGB = np.array(
    [(QColor(c).red(), QColor(c).green(), QColor(c).blue()) for c in DIVERGING_STOPS], dtype=np.float64
)
_DARK_STOP_RGB = np.array(
    [(QColor(c).red(), QColor(c).green(), QColor(c).blue()) for c in DARK_DIVERGING_STOPS], dtype=np.float64
)
_STOP_AT = np.linspace(0.0, 1.0, len(DIVERGING_STOPS))


def diverging_rgb(t: NDArray[np.float64], dark: bool = False) -> NDArray[np.uint8]:
    """RGB rows for positions ``t`` in [0, 1] (0: most negative, 0.5: zero, 1: most positive);
    ``dark``: the map for a dark background."""
    stops = _DARK_STOP_RGB if dark else _STOP_RGB
    rgb = np.stack([np.interp(t, _STOP_AT, stops[:, k]) for k in range(3)], axis=-1)
    return np.round(rgb).astype(np.uint8)


def diverging_table(levels: int, dark: bool = False) -> NDArray[np.uint8]:
    """The map in ``levels`` evenly spaced steps, most negative first."""
    return diverging_rgb(np.linspace(0.0, 1.0, levels), dark)


def level_indices(values: NDArray[np.float64], scale: float, levels: int) -> NDArray[np.intp]:
    """Step index of each value on a symmetric scale of half-width ``scale`` (NaN: the middle)."""
    if scale <= 0 or not np.isfinite(scale):
        return np.full(values.shape, levels // 2, dtype=np.intp)
    return position_indices(values / scale, levels)


def position_indices(positions: NDArray[np.float64], levels: int) -> NDArray[np.intp]:
    """Step index of each position in [-1, 1] on the map (-1: most negative; NaN: the middle)."""
    t = np.clip(np.nan_to_num(positions, nan=0.0, posinf=1.0, neginf=-1.0), -1.0, 1.0)
    return np.rint((t + 1.0) * 0.5 * (levels - 1)).astype(np.intp)


BUCKET_RGB = diverging_table(BUCKETS)
DARK_BUCKET_RGB = diverging_table(BUCKETS, dark=True)
LUT = diverging_table(256)  # for ImageItem bands and strips: same map, finer steps
DARK_LUT = diverging_table(256, dark=True)


def buckets(values: NDArray[np.float64], scale: float) -> NDArray[np.intp]:
    """Bucket index of each value on a symmetric scale of half-width ``scale`` (NaN: the middle)."""
    return level_indices(values, scale, BUCKETS)


def bucket_magnitude(index: int) -> float:
    """|value| / scale at the centre of bucket ``index`` (0 at zero, 1 at either end)."""
    return abs(index / (BUCKETS - 1) * 2.0 - 1.0)


def qcolors(rgb: NDArray[np.uint8]) -> list[QColor]:
    """One QColor per RGB row."""
    return [QColor(int(r), int(g), int(b)) for r, g, b in rgb]


def bucket_colors(dark: bool = False) -> list[QColor]:
    """One QColor per bucket, from most negative to most positive."""
    return qcolors(DARK_BUCKET_RGB if dark else BUCKET_RGB)


def color_of(value: float, scale: float, levels: int = BUCKETS) -> QColor:
    """The colour of one value in ``levels`` steps (for node fills, swatches and table cells)."""
    index = int(level_indices(np.array([value], dtype=np.float64), scale, levels)[0])
    r, g, b = diverging_rgb(np.array([index / (levels - 1)]))[0]
    return QColor(int(r), int(g), int(b))


def text_color_on(background: QColor) -> QColor:
    """Dark or light text, whichever reads on ``background``."""
    # Relative luminance decides between dark and light text (WCAG's threshold is about 0.18).
    lum = 0.2126 * background.red() + 0.7152 * background.green() + 0.0722 * background.blue()
    return QColor("#ffffff") if lum < 0.45 * 255 else QColor("#1f1f1f")


def diverging_colormap() -> pg.ColorMap:
    """The map as a pyqtgraph ColorMap over [0, 1], for images and their colour bars."""
    return pg.ColorMap(_STOP_AT, [QColor(c) for c in DIVERGING_STOPS])


def diverging_gradient(positive: QPointF, negative: QPointF, dark: bool = False) -> QLinearGradient:
    """The map as a linear gradient from ``positive`` down to ``negative`` (a colour bar's fill)."""
    gradient = QLinearGradient(positive, negative)
    stops = DARK_DIVERGING_STOPS if dark else DIVERGING_STOPS
    for k, stop in enumerate(reversed(stops)):
        gradient.setColorAt(k / (len(stops) - 1), QColor(stop))
    return gradient
