"""What the network drawing shows at a snapshot: the arrays each part is coloured by (no Qt)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from engine import IterationRecord, Snapshot
from engine.core.records import LayerParams

Array = NDArray[np.float64]
Values = dict[int, Array | None]  # per layer or column; None: not computed yet (pending)
LastUpdate = tuple[IterationRecord, tuple[LayerParams, ...]]

COLOR_MODES = {"weight": "weight w", "gradient": "gradient ∂L/∂w", "update": "last update Δw"}
# how gradients and updates (and the units' δ rings) are scaled; weights keep one linear scale
SCALE_MODES = {"layer": "scale per layer", "symlog": "shared symlog scale"}
DEFAULT_SCALE_MODE = "layer"
SYMLOG_THRESHOLD = 1e-3  # symlog is linear below this fraction of the largest magnitude


@dataclass(frozen=True)
class ColorScale:
    """How values map to positions on the colour map, -1 (most negative) to 1 (most positive).

    ``kind`` "linear": one symmetric scale of half-width ``peak``; "layer": each layer on its own,
    of half-width ``layers[k]``; "symlog": one shared scale, sign(x)·log1p(|x|/c) / log1p(peak/c)
    with the linear threshold c = ``threshold`` (``SYMLOG_THRESHOLD`` × peak), so magnitudes from
    peak down to a thousandth of it each get their share of the colours.
    """

    kind: str
    peak: float
    layers: tuple[float, ...] = ()
    threshold: float = 0.0

    def half_width(self, layer: int) -> float:
        """The magnitude drawn at either end of the map for ``layer``."""
        return self.layers[layer] if self.kind == "layer" else self.peak

    def positions(self, values: Array, layer: int) -> Array:
        """Where ``values`` of ``layer`` fall on the map, in [-1, 1] (NaN stays NaN)."""
        if self.kind == "symlog":
            return symlog(values, self.peak, self.threshold)
        clipped: Array = np.clip(values / self.half_width(layer), -1.0, 1.0)
        return clipped


def symlog(values: Array, peak: float, threshold: float) -> Array:
    """sign(x)·log1p(|x|/c) / log1p(peak/c) with c = ``threshold``: odd, increasing, 0 at 0 and
    ±1 at ±``peak`` (clipped beyond)."""
    with np.errstate(invalid="ignore"):
        t = np.sign(values) * np.log1p(np.abs(values) / threshold) / np.log1p(peak / threshold)
    clipped: Array = np.clip(t, -1.0, 1.0)
    return clipped


def peak(values: list[Array | None]) -> float | None:
    """The largest finite magnitude among the computed ``values`` (None: there are none)."""
    peaks = [
        float(np.max(np.abs(v), initial=0.0, where=np.isfinite(v)))
        for v in values
        if v is not None and v.size
    ]
    return max(peaks) if peaks else None


def colored_values(snap: Snapshot, mode: str, update: LastUpdate | None) -> tuple[Values, Values]:
    """What the edges and the biases are coloured by in ``mode`` ("weight", "gradient" or
    "update"; ``update`` is the latest update visible at ``snap``), per layer."""
    layers = range(len(snap.params))
    if mode == "weight":
        return {k: snap.params[k].weights for k in layers}, {k: snap.params[k].bias for k in layers}
    if mode == "gradient":
        source = snap.shown_record()
        backs = [source.backward_of(k) for k in layers]
        return (
            {k: None if b is None else b.dW for k, b in enumerate(backs)},
            {k: None if b is None else b.db for k, b in enumerate(backs)},
        )
    if mode != "update":
        raise ValueError(f"unknown colour mode {mode!r} (expected one of: {', '.join(COLOR_MODES)})")
    return (
        {k: None if update is None else update[1][k].weights for k in layers},
        {k: None if update is None else update[1][k].bias for k in layers},
    )


def edge_scale(edge_values: Values, bias_values: Values) -> float | None:
    """Half-width of the edges' colour scale: the largest magnitude shown (1 when all are zero;
    None while nothing is computed)."""
    top = peak([*edge_values.values(), *bias_values.values()])
    return None if top is None else (top or 1.0)


def color_scale(edge_values: Values, bias_values: Values, kind: str) -> ColorScale | None:
    """The scale the edges and biases are coloured on (None while nothing is computed).

    ``kind`` "linear" and "symlog" share one scale over every layer; "layer" gives each layer
    its edges' largest magnitude (its biases' where it has no non-zero edge; 1 where all are
    zero), so a layer's biggest weight is at the end of the map however small beside other layers'
    (a bias beyond it is drawn at the end).
    """
    if kind not in ("linear", *SCALE_MODES):
        raise ValueError(
            f"unknown colour scale {kind!r} (expected linear or one of: {', '.join(SCALE_MODES)})"
        )
    top = edge_scale(edge_values, bias_values)
    if top is None:
        return None
    if kind == "layer":
        layers = tuple(
            peak([edge_values.get(k)]) or peak([bias_values.get(k)]) or 1.0
            for k in range(max(len(edge_values), len(bias_values)))
        )
        return ColorScale("layer", top, layers)
    if kind == "symlog":
        return ColorScale("symlog", top, threshold=SYMLOG_THRESHOLD * top)
    return ColorScale("linear", top)


def scale_kind(color_mode: str, scale_mode: str) -> str:
    """The scale ``color_mode`` is drawn on: weights linear, gradients and updates ``scale_mode``."""
    return "linear" if color_mode == "weight" else scale_mode


def delta_scale(deltas: list[tuple[int, Array]], scale_mode: str) -> ColorScale | None:
    """The scale of the units' δ rings, chosen as for gradients (None: no δ yet)."""
    if not deltas:
        return None
    values: Values = dict(deltas)
    layers = max(values) + 1
    return color_scale({k: values.get(k) for k in range(layers)}, {}, scale_mode)


def node_values(record: IterationRecord, sample: int) -> Values:
    """The activations filling each column's nodes for ``sample`` (column 0: the inputs)."""
    values: Values = {0: record.inputs[sample]}
    for c in range(1, len(record.params) + 1):
        forward = record.forward[c - 1] if len(record.forward) >= c else None
        values[c] = None if forward is None else forward.a[sample]
    return values


def node_scale(values: Values) -> float:
    """Half-width of the nodes' colour scale: at least 1, so activations within ±1 (sigmoid, tanh)
    keep one scale from stage to stage instead of the largest always looking saturated."""
    return max(1.0, peak(list(values.values())) or 0.0)


def deltas(record: IterationRecord, sample: int) -> list[tuple[int, Array]]:
    """(layer, δ of each unit for ``sample``) of every layer the backward pass has reached."""
    return [
        (layer, back.delta[sample])
        for layer in range(len(record.params))
        if (back := record.backward_of(layer)) is not None
    ]
