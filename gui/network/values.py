"""What the network drawing shows at a snapshot: the arrays each part is coloured by (no Qt)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from engine import IterationRecord, Snapshot
from engine.core.records import LayerParams

Array = NDArray[np.float64]
Values = dict[int, Array | None]  # per layer or column; None: not computed yet (pending)
LastUpdate = tuple[IterationRecord, tuple[LayerParams, ...]]

COLOR_MODES = {"weight": "weight w", "gradient": "gradient ∂L/∂w", "update": "last update Δw"}


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
