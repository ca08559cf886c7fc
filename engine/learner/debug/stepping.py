"""Stepping through the learner's lines in the window: for each traced line, where the session's
cursor shows what it computed, which weight or unit to select, and (for a wrong weight or bias
line) the learner's gradient beside the correct one, as a check reports it.

The one rule the window's "Your Code" dock, network view and chain-rule panel follow.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from engine.core.config import SessionConfig
from engine.core.mistakes import MISTAKES
from engine.core.records import LayerParams, ParameterRef, Params
from engine.learner.compare import RELATIVE_TOLERANCE, agree_elements, relative_elements
from engine.learner.debug.discovery import Discovery
from engine.learner.debug.matching import LineVerdict, NameVerdict
from engine.learner.debug.quantities import correct_quantities
from engine.learner.debug.report import DebugReport, _name_text
from engine.learner.diagnosis import Diagnosis, GradientComparison, LayerMarks
from engine.learner.report import CheckReport

Array = NDArray[np.float64]

FORWARD = ("z", "a")
BACKWARD = ("dl_da", "da_dz", "delta", "dW", "db")
UPDATE = ("step_W", "step_b", "W", "b")
WEIGHT_KINDS = ("dW", "step_W", "W", "W_before")
BIAS_KINDS = ("db", "step_b", "b", "b_before")
_GRADIENT_KINDS = {"W": "W", "b": "b", "dW": "W", "db": "b", "step_W": "W", "step_b": "b"}


@dataclass(frozen=True)
class LineStep:
    """One traced line of one iteration, as the window shows it.

    ``cursor`` is (iterations after the line's own, stages done): where the session's cursor
    shows the quantity (an update line: the start of the next iteration, its update visible);
    None for a line that is no quantity. ``ref`` is the weight, or the unit (a bias ref), to
    select; ``check`` the learner's gradient beside the correct one for a wrong weight or bias.
    """

    line: int
    iteration: int
    status: str
    quantity: str | None
    cursor: tuple[int, int] | None
    ref: ParameterRef | None
    text: str
    check: CheckReport | None = None


def cursor_of(kind: str, layer: int | None, layers: int) -> tuple[int, int] | None:
    """Where the session's cursor shows quantity ``kind`` of ``layer`` in a ``layers``-layer network."""
    if kind in FORWARD and layer is not None:
        return (0, layer + 1)
    if kind == "loss":
        return (0, layers + 1)
    if kind in BACKWARD and layer is not None:
        return (0, 2 * layers - layer + 1)  # the backward stages run from the last layer
    if kind in UPDATE:
        return (1, 0)
    if kind in ("X", "Y", "W_before", "b_before"):
        return (0, 0)
    return None


def line_steps(report: DebugReport) -> tuple[LineStep, ...]:
    """Every traced line in execution order, iteration 0 first."""
    return tuple(_step(report, v) for v in report.lines)


def first_wrong_step(report: DebugReport, steps: tuple[LineStep, ...]) -> int | None:
    """The index in ``steps`` of the report's first wrong line."""
    first = report.first_wrong
    if first is None:
        return None
    for index, step in enumerate(steps):
        if (step.line, step.iteration) == (first.line, first.iteration):
            return index
    return None


def _kind(label: str | None) -> tuple[str | None, int | None]:
    if label is None:
        return None, None
    if "[" in label:
        kind, layer = label.rstrip("]").split("[")
        return kind, int(layer)
    return label, None


def _step(report: DebugReport, v: LineVerdict) -> LineStep:
    name = v.judged
    kind, layer = _kind(name.quantity if name.status != "helper" else None)
    layers = len(report.discovery.structure.layers)
    cursor = None if kind is None else cursor_of(kind, layer, layers)
    ref = None if kind is None or layer is None else _ref(report.discovery, kind, layer, name)
    text = "; ".join(_name_text(n) for n in v.names if n.status != "helper") or "a helper value"
    check = None
    if v.status in ("wrong", "matches-mistake") and kind in _GRADIENT_KINDS and layer is not None:
        check = _check(report, v, name, kind, layer)
    return LineStep(v.line, v.iteration, v.status, name.quantity, cursor, ref, text, check)


def _ref(discovery: Discovery, kind: str, layer: int, name: NameVerdict) -> ParameterRef | None:
    """The element the line got wrong first (else the first), in Gradstep's indices."""
    sizes = discovery.config.sizes
    if layer + 1 >= len(sizes):
        return None
    units, inputs = sizes[layer + 1], sizes[layer]
    index = name.difference[0] if name.difference is not None else ()
    s = discovery.structure
    if kind in WEIGHT_KINDS:
        j, i = (index[1], index[0]) if len(index) == 2 and s.weights == "in_out" else (index or (0, 0))[:2]
        return ParameterRef(layer, min(int(j), units - 1), min(int(i), inputs - 1))
    if kind in BIAS_KINDS:
        j = index[-1] if len(index) == 2 and s.layers[layer].bias_shape == "row" else (index or (0,))[0]
    else:  # a unit's z, a or delta: samples as rows put units last
        j = (index[-1] if s.samples == "rows" else index[0]) if index else 0
    return ParameterRef(layer, min(int(j), units - 1), None)


def _traced(report: DebugReport, v: LineVerdict, name: str) -> Array | None:
    trace = report.trace
    if trace is None or v.iteration >= trace.iterations:
        return None
    event = trace.iteration_events(v.iteration)[v.order]
    for change in event.changes:
        if change.name == name and change.value is not None:
            return np.asarray(change.value, dtype=np.float64)
    return None


def _arranged(value: Array, shape: tuple[int, ...], transpose: bool) -> Array | None:
    """The learner's array in Gradstep's orientation (weights (out, in), biases (units,))."""
    if transpose and value.ndim == 2:
        value = value.T
    if value.shape == shape:
        return value
    return value.reshape(shape) if value.size == int(np.prod(shape)) else None


def _check(
    report: DebugReport, v: LineVerdict, name: NameVerdict, kind: str, layer: int
) -> CheckReport | None:
    """The wrong line's gradient of layer ``layer`` beside the correct one, as a check reports it."""
    d = report.discovery
    if name.factor not in (None, "1") or layer >= len(d.iterations[v.iteration].params):
        return None
    value = _traced(report, v, name.name)
    if value is None:
        return None
    data = d.iterations[v.iteration]
    lr = data.config.optimizer.learning_rate
    correct = _correct_gradients(data.config)
    target = _GRADIENT_KINDS[kind]
    before = data.params[layer]
    old = before.weights if target == "W" else before.bias
    arranged = _arranged(value, old.shape, target == "W" and d.structure.weights == "in_out")
    if arranged is None:
        return None
    if kind in ("W", "b"):  # a new parameter: the gradient its update implies, as check's
        gradient = (old - arranged) / lr
    else:
        gradient = arranged / lr if kind.startswith("step_") else arranged
    yours = list(correct)
    mine = yours[layer]
    yours[layer] = LayerParams(gradient, mine.bias) if target == "W" else LayerParams(mine.weights, gradient)
    comparison = _comparison(
        v.iteration, kind in ("W", "b", "step_W", "step_b"), data.params, tuple(yours), correct
    )
    s = d.structure
    bias = (
        s.layers[layer].bias_shape if s.layers[layer].bias_shape in ("vector", "row", "column") else "vector"
    )
    return CheckReport(
        (s.samples, s.weights, bias),
        (),
        _diagnosis(name),
        used_gradients=False,
        learner_output="",
        gradients=comparison,
    )


def _correct_gradients(config: SessionConfig) -> Params:
    q = correct_quantities(config).quantities
    weights = {x.layer: x.value for x in q if x.kind == "dW" and x.layer is not None}
    biases = {x.layer: x.value for x in q if x.kind == "db" and x.layer is not None}
    return tuple(LayerParams(weights[k], biases[k]) for k in sorted(weights))


def _comparison(
    iteration: int, implied: bool, params: Params, yours: Params, correct: Params
) -> GradientComparison:
    relative = tuple(
        LayerParams(relative_elements(y.weights, c.weights), relative_elements(y.bias, c.bias))
        for y, c in zip(yours, correct, strict=True)
    )
    marks = tuple(
        LayerMarks(
            ~agree_elements(y.weights, c.weights, RELATIVE_TOLERANCE),
            ~agree_elements(y.bias, c.bias, RELATIVE_TOLERANCE),
        )
        for y, c in zip(yours, correct, strict=True)
    )
    return GradientComparison(iteration, implied, params, yours, correct, relative, marks)


def _diagnosis(name: NameVerdict) -> Diagnosis:
    made = [m for m in (name.mistakes or ()) if m in MISTAKES]
    matches = (MISTAKES[made[0]],) if made else ()
    return Diagnosis(matches, (_name_text(name),))
