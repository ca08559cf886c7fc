"""What the drawing writes along the selected parameter's path to the loss (no Qt).

Every number is a field of the engine's :class:`ChainExplanation` (the chain panel's), or, at
the outputs of a hidden parameter's path, the loss stage's own dℓ/da: the drawing only says
where each factor goes. Forward values go above their wire, gradients below, in the colour of
the stage that computed them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from gui.formatting import format_number
from gui.network.layout import STRIP_HALF_WIDTH, NetworkLayout

if TYPE_CHECKING:
    from engine.core.records import IterationRecord
    from engine.explain.chain import ChainExplanation, Factor, SampleTerms, UpstreamTerm

WIDE = 4  # a next layer wider than this gets labels on its top contributors only ...
TOP_TERMS = 3  # ... this many, by |w·δ|
OUTPUT_TERMS = 4  # at most this many outputs labelled at the end of a hidden parameter's path
EDGE_T = 0.35  # where along the selected edge its labels hang (the input end: edges fan out)
UPSTREAM_T = 0.72  # ... and along an edge of the sum (the far end, where they part)

GRADIENT_SIDES = ("below", "above", "below right", "above right", "below left", "above left")
VALUE_SIDES = ("above", "below", "above right", "below right", "above left", "below left")
UNIT_SIDES = ("below", "below right", "above right", "right", "above", "below left", "above left", "left")
SUM_SIDES = ("above", "below", "above right", "below right", "above left", "below left", "right", "left")
OUTPUT_SIDES = ("below", "above", "below right", "above right", "below left", "above left")


@dataclass(frozen=True)
class ChainTerm:
    """One label of the chain on the drawing; ``value`` None is a pending (empty) slot."""

    key: str
    anchor: tuple[float, float]  # view coordinates
    radius: float  # view units around the anchor the label keeps clear of (a node's ring)
    sides: tuple[str, ...]
    symbol: str  # short, as written on the drawing
    value: float | None
    stage: str  # "forward" | "loss" | "backward": who computed it (its colour)
    what: str  # the tooltip: the full symbol and what the factor is
    more: int = 0  # terms of a sum left unlabelled ("+ k more"; all of them: "(k terms)")
    labelled: int = 0  # terms of a sum labelled on their edges
    alternatives: tuple[tuple[float, float], ...] = ()  # other places on the same edge


def chain_terms(
    ex: ChainExplanation, row: int, layout: NetworkLayout, record: IterationRecord
) -> list[ChainTerm]:
    """The labels of ``ex`` for batch row ``row``, in order of importance; ``record`` is the
    record ``ex`` explains (its loss stage gives a hidden parameter's outputs their dℓ/da)."""
    ref = ex.ref
    if ref.layer >= layout.layers:
        return []
    sample = ex.samples[min(row, len(ex.samples) - 1)]
    dz_dw, contribution = _parameter_terms(ex, sample, layout)
    unit = _unit_terms(ex, sample, layout)
    terms = [*dz_dw, *(t for t in unit if t.key == "da_dz")]
    if sample.upstream is not None:  # the terms on the edges first, their sum where they left room
        terms.extend(_upstream_terms(ex, sample, layout))
        terms.extend(_output_terms(ex, record, min(row, record.inputs.shape[0] - 1), layout))
    terms.extend(t for t in unit if t.key != "da_dz")
    return [*terms, contribution]  # the product last: it goes where the factors left room


def _stage_name(kind: str, layer: int | None = None) -> str:
    return {"forward": "Forward", "loss": "Loss", "backward": "Backward"}[kind] + (
        "" if layer is None else f" {layer}"
    )


def _factor(sample: SampleTerms, kind: str) -> Factor | None:
    return next((f for f in sample.factors if f.kind == kind), None)


def shown_number(value: float | None, digits: int) -> str:
    """``value`` as the drawing writes it: −0 is written 0 (adding 0.0 turns −0.0 into 0.0)."""
    return format_number(None if value is None else value + 0.0, digits)


def _what(symbol: str, value: float | None, note: str, computed_by: str, sample: int) -> str:
    shown = shown_number(value, 10)
    return f"{symbol} = {shown}\n{note}\nsample {sample}; computed by {computed_by}"


Point = tuple[float, float]


def _edge_points(
    layout: NetworkLayout, layer: int, unit: int, inp: int, ts: tuple[float, ...]
) -> list[Point]:
    """Points ``ts`` of the way along a line edge (none for a layer drawn as a band)."""
    if layer not in layout.edge_offset:
        return []
    k = layout.edge_index(layer, unit, inp)
    x0, y0, dx, dy = layout.x0[k], layout.y0[k], layout.segment_dx[k], layout.segment_dy[k]
    return [(float(x0 + t * dx), float(y0 + t * dy)) for t in ts]


def _parameter_anchor(layout: NetworkLayout, ex: ChainExplanation) -> tuple[list[Point], float]:
    ref = ex.ref
    if ref.input is None:
        return [layout.bias_position(ref.layer, ref.unit)], layout.bias_size(ref.layer) / 2
    points = _edge_points(layout, ref.layer, ref.unit, ref.input, (EDGE_T, EDGE_T - 0.12, EDGE_T + 0.2))
    return (points, 0.0) if points else ([layout.parameter_point(ref)], 0.0)


def _unit_anchor(layout: NetworkLayout, column: int, unit: int) -> tuple[tuple[float, float], float]:
    col = layout.columns[column]
    radius = STRIP_HALF_WIDTH if col.strip else 0.71 * col.diameter  # the delta ring
    return (col.x, float(col.y[unit])), radius


def _parameter_terms(
    ex: ChainExplanation, sample: SampleTerms, layout: NetworkLayout
) -> tuple[list[ChainTerm], ChainTerm]:
    """On the selected edge (or bias): ∂z/∂w above; the sample's ∂ℓ/∂w below."""
    ref = ex.ref
    points, radius = _parameter_anchor(layout, ex)
    anchor, alternatives = points[0], tuple(points[1:])
    name = "b" if ref.input is None else "w"
    dz_dw = _factor(sample, "dz_dw")
    terms = []
    if dz_dw is not None:
        source = "the data" if ref.layer == 0 else _stage_name("forward", ref.layer - 1)
        computed_by = "its definition (z = … + b)" if ref.input is None else source
        terms.append(
            ChainTerm(
                "dz_dw",
                anchor,
                radius,
                VALUE_SIDES,
                f"∂z/∂{name}",
                dz_dw.value,
                "forward",
                _what(dz_dw.symbol, dz_dw.value, dz_dw.note, computed_by, sample.sample),
                alternatives=alternatives,
            )
        )
    note = "this sample's contribution: δ · ∂z/∂" + name
    contribution = ChainTerm(
        "contribution",
        anchor,
        radius,
        GRADIENT_SIDES,
        f"∂ℓ/∂{name}",
        sample.contribution,
        "backward",
        _what(
            f"∂ℓ/∂{ref.label}",
            sample.contribution,
            note,
            _stage_name("backward", ref.layer),
            sample.sample,
        ),
        alternatives=alternatives,
    )
    return terms, contribution


def _unit_terms(ex: ChainExplanation, sample: SampleTerms, layout: NetworkLayout) -> list[ChainTerm]:
    """At the parameter's unit: ∂a/∂z, and ∂ℓ/∂a (a sum over the next layer for a hidden unit);
    or, for a fused output, ∂ℓ/∂z."""
    ref = ex.ref
    anchor, radius = _unit_anchor(layout, ref.layer + 1, ref.unit)
    terms = []
    output = ref.layer == layout.layers - 1
    for factor in sample.factors:
        if factor.kind == "da_dz":
            stage, by, symbol, sides = "backward", _stage_name("backward", ref.layer), "∂a/∂z", UNIT_SIDES
        elif factor.kind == "dl_dz":
            stage, by, symbol, sides = "loss", _stage_name("loss"), "∂ℓ/∂z", SUM_SIDES
        elif factor.kind == "dl_da" and output:
            stage, by, symbol, sides = "loss", _stage_name("loss"), "∂ℓ/∂a", SUM_SIDES
        elif factor.kind == "dl_da":
            stage, by, symbol, sides = (
                "backward",
                _stage_name("backward", ref.layer + 1),
                "∂ℓ/∂a = Σ w·δ",
                SUM_SIDES,
            )
        else:
            continue
        more = labelled = 0
        if factor.kind == "dl_da" and sample.upstream is not None:
            labelled = len(_labelled_upstream(sample.upstream))
            more = len(sample.upstream) - labelled
        what = _what(factor.symbol, factor.value, factor.note, by, sample.sample)
        terms.append(
            ChainTerm(factor.kind, anchor, radius, sides, symbol, factor.value, stage, what, more, labelled)
        )
    return terms


def largest_terms(upstream: tuple[UpstreamTerm, ...], count: int) -> list[UpstreamTerm] | None:
    """The ``count`` terms of a hidden unit's sum with the largest |w·δ|, largest first (ties
    in the order of k); None while the products are pending. The drawing labels the first few,
    the chain panel's table lists more."""
    products = [u.product for u in upstream]
    if any(p is None for p in products):
        return None
    order = np.argsort([-abs(p) for p in products if p is not None], kind="stable")
    return [upstream[int(k)] for k in order[:count]]


def _labelled_upstream(upstream: tuple[UpstreamTerm, ...]) -> list[UpstreamTerm]:
    """Every term of a narrow next layer; of a wide one its top contributors by |w·δ| (none
    while the products are pending)."""
    if len(upstream) <= WIDE:
        return list(upstream)
    return largest_terms(upstream, TOP_TERMS) or []


def _upstream_terms(ex: ChainExplanation, sample: SampleTerms, layout: NetworkLayout) -> list[ChainTerm]:
    """w·δ on each labelled edge that carries the hidden unit's sum."""
    ref = ex.ref
    nxt = ref.layer + 1
    terms = []
    for term in _labelled_upstream(sample.upstream or ()):
        points = _edge_points(layout, nxt, term.unit, ref.unit, (UPSTREAM_T, 0.6, 0.5, 0.85, 0.4))
        if not points:
            continue
        symbol = f"w[{nxt}][{term.unit},{ref.unit}] · δ[{nxt}]_{term.unit}"
        weight, delta = shown_number(term.weight, 10), shown_number(term.delta, 10)
        note = f"w = {weight}, δ = {delta}: how unit {term.unit} of layer {nxt} passes the loss back"
        what = _what(symbol, term.product, note, _stage_name("backward", nxt), sample.sample)
        terms.append(
            ChainTerm(
                f"upstream {term.unit}",
                points[0],
                0.0,
                GRADIENT_SIDES,
                "w·δ",
                term.product,
                "backward",
                what,
                alternatives=tuple(points[1:]),
            )
        )
    return terms


def _output_terms(
    ex: ChainExplanation, record: IterationRecord, row: int, layout: NetworkLayout
) -> list[ChainTerm]:
    """∂ℓ/∂a (∂ℓ/∂z when fused) at the outputs a hidden parameter's path ends in, from the loss stage."""
    loss = record.loss
    fused = loss is not None and loss.dl_da is None
    values = None if loss is None else (loss.delta if fused else loss.dl_da)
    outputs = layout.sizes[-1]
    shown = list(range(min(outputs, OUTPUT_TERMS)))
    if values is not None and outputs > OUTPUT_TERMS:  # the outputs the loss pulls hardest
        shown = [int(k) for k in np.argsort(-np.abs(values[row]), kind="stable")[:OUTPUT_TERMS]]
    symbol = "∂ℓ/∂z" if fused else "∂ℓ/∂a"
    terms = []
    for o in shown:
        anchor, radius = _unit_anchor(layout, layout.layers, o)
        value = None if values is None else float(values[row, o])
        what = _what(
            f"{symbol} of output {o}",
            value,
            "the loss's derivative at the output",
            "Loss",
            int(record.batch[row]),
        )
        terms.append(ChainTerm(f"output {o}", anchor, radius, OUTPUT_SIDES, symbol, value, "loss", what))
    return terms
