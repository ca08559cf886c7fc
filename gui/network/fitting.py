"""What the network view shows when it is fitted to its size (no Qt): the rectangle of the
drawing with room for its labels, and the stretch of its gaps that fills the view's width."""

from __future__ import annotations

import math

from gui.network.layout import NetworkLayout, Rect, fill_stretch

HEADER_ROOM = 40.0  # pixels above the tallest column for a two-line header
FOOT_ROOM = 44.0  # ... below the lowest node for a value label and the stage's name
CAPTION_ROOM = 36.0  # ... and a band's two-line caption


def fit_rect(layout: NetworkLayout, width: float, height: float) -> Rect:
    """``layout``'s scene bounds, grown where their margins (view units) are fewer pixels than
    the headers above and the value labels and stage name below need when fitted to a view of
    ``width`` by ``height`` pixels."""
    bounds = layout.scene_bounds()
    if width <= 0 or height <= 0:
        return bounds
    left, right, low, high = bounds.x, bounds.right, bounds.y, bounds.y_max
    lowest = min(float(c.y[-1]) - c.spacing / 2 for c in layout.columns)
    foot = FOOT_ROOM + (CAPTION_ROOM if layout.band_rects else 0.0)
    for _ in range(2):  # growing the rectangle shrinks the scale: once more settles it
        scale = min(width / (right - left), height / (high - low))
        high = max(high, layout.header_top() + HEADER_ROOM / scale)
        low = min(low, lowest - foot / scale)
    return Rect(left, low, right - left, high - low)


def view_stretch(layout: NetworkLayout, width: float, height: float) -> float:
    """The stretch that makes ``layout``'s network as wide as a view of ``width`` by ``height``
    pixels allows when it is fitted to the view's height (``layout``'s own before the view has
    a size)."""
    if width <= 0 or height <= 0:
        return layout.stretch
    tall = fit_rect(layout, math.inf, height)  # the fit as if the view were as wide as need be
    return fill_stretch(layout, tall.height * width / height)
