"""What lies under a point of the network drawing: geometry on the layout's arrays (no Qt)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine import ParameterRef
from gui.network.layout import NetworkLayout


@dataclass(frozen=True)
class Hit:
    """What lies under a point of the drawing: a weight, a bias, a unit, an input or the loss."""

    kind: str  # "weight" | "bias" | "unit" | "input" | "loss"
    ref: ParameterRef | None = None  # the parameter (a unit's is its bias; None without biases)
    column: int = 0
    index: int = 0


def hit_test(layout: NetworkLayout, px: float, py: float, tolerance: float) -> Hit | None:
    """What is drawn at (``px``, ``py``), within ``tolerance`` (view units) for thin edges."""
    for find in (_node_at, _loss_at, _bias_at, _band_pixel_at, _edge_at):
        hit = find(layout, px, py, tolerance)
        if hit is not None:
            return hit
    return None


def _node_hit(layout: NetworkLayout, column: int, index: int) -> Hit:
    if column == 0:
        return Hit("input", None, 0, index)
    if not layout.biased[column - 1]:  # a unit without a bias selects nothing
        return Hit("unit", None, column, index)
    return Hit("unit", ParameterRef(column - 1, index, None), column, index)


def _node_at(layout: NetworkLayout, px: float, py: float, tolerance: float) -> Hit | None:
    for c, column in enumerate(layout.columns):
        r = column.radius
        if abs(px - column.x) > r + tolerance:
            continue
        if column.strip:
            half = column.half_height
            if -half <= py <= half:
                return _node_hit(layout, c, int(np.clip((half - py) / column.spacing, 0, len(column.y) - 1)))
            continue
        i = int(np.argmin(np.abs(column.y - py)))
        if (px - column.x) ** 2 + (py - column.y[i]) ** 2 <= (r + tolerance / 2) ** 2:
            return _node_hit(layout, c, i)
    return None


def _loss_at(layout: NetworkLayout, px: float, py: float, tolerance: float) -> Hit | None:
    loss_x, loss_y = layout.loss_position
    if (px - loss_x) ** 2 + (py - loss_y) ** 2 <= 0.35**2:
        return Hit("loss", None, len(layout.sizes), 0)
    return None


def _bias_at(layout: NetworkLayout, px: float, py: float, tolerance: float) -> Hit | None:
    for layer in range(layout.layers):
        if not layout.has_bias_squares(layer):
            continue
        column = layout.columns[layer + 1]
        half = layout.bias_size(layer) / 2 + tolerance / 2
        if abs(px - (column.x - 1.0 * column.diameter)) > half:
            continue
        by = column.y + 0.55 * column.diameter
        j = int(np.argmin(np.abs(by - py)))
        if abs(py - by[j]) <= half:
            return Hit("bias", ParameterRef(layer, j, None), layer + 1, j)
    return None


def _band_pixel_at(layout: NetworkLayout, px: float, py: float, tolerance: float) -> Hit | None:
    for layer, rect in layout.band_rects.items():
        if rect.contains(px, py):
            units, inputs = layout.sizes[layer + 1], layout.sizes[layer]
            unit = min(max(int((px - rect.x) / rect.width * units), 0), units - 1)
            inp = min(max(int((rect.y_max - py) / rect.height * inputs), 0), inputs - 1)
            return Hit("weight", ParameterRef(layer, unit, inp), layer, unit)
    return None


def _edge_at(layout: NetworkLayout, px: float, py: float, tolerance: float) -> Hit | None:
    """Nearest segment to the point, among the layers whose columns bracket it."""
    for layer in layout.line_layers:
        if not layout.columns[layer].x <= px <= layout.columns[layer + 1].x:
            continue
        start = layout.edge_offset[layer]
        sl = slice(start, start + layout.sizes[layer] * layout.sizes[layer + 1])
        x0, y0 = layout.x0[sl], layout.y0[sl]
        dx, dy = layout.segment_dx[sl], layout.segment_dy[sl]
        t = np.clip(((px - x0) * dx + (py - y0) * dy) / layout.segment_len2[sl], 0.0, 1.0)
        dist2 = (x0 + t * dx - px) ** 2 + (y0 + t * dy - py) ** 2
        k = int(np.argmin(dist2))
        if dist2[k] <= tolerance**2:
            unit, inp = divmod(k, layout.sizes[layer])
            return Hit("weight", ParameterRef(layer, unit, inp), layer, k)
    return None
