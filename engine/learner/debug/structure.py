"""Find the network in a trace: the weight and bias arrays (shapes that chain input → hidden →
output, changed by the training loop), X and Y, the orientation, and each layer's activation
(the traced values that equal f(z) for the z the found parameters give)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from engine.core.activations import ACTIVATIONS
from engine.learner.debug.compare import arrangements, close
from engine.learner.debug.ranking import definition_order, oriented, pairing, reads_itself, y_score
from engine.learner.debug.recording import Change, Trace

Array = NDArray[np.float64]

# the order a tie is broken in: a non-linearity seen on its own line beats linear
ACTIVATION_ORDER = ("sigmoid", "tanh", "relu", "leaky_relu", "softmax", "linear")
_HINTS = {
    "sigmoid": ("sigmoid", "exp(", "logistic", "sigma"),
    "tanh": ("tanh",),
    "relu": ("relu", "maximum("),
    "leaky_relu": ("leaky",),
    "softmax": ("softmax",),
}
MAX_CHAINS = 400


@dataclass(frozen=True)
class Traced:
    """One value of the first iteration, where it was bound."""

    index: int  # position in the iteration's order of values
    line: int
    name: str
    value: Array


@dataclass(frozen=True)
class LayerRole:
    """Which of the learner's arrays are one layer's weights and bias, and its activation."""

    weights_key: str
    weights_name: str
    bias_key: str | None
    bias_name: str | None
    bias_shape: str  # vector, row, column or none
    activation: str


@dataclass(frozen=True)
class Structure:
    """The network as the learner's program holds it."""

    samples: str  # rows or columns
    weights: str  # in_out or out_in
    layers: tuple[LayerRole, ...]
    x_key: str
    x_name: str
    y_key: str
    y_name: str
    matched_layers: int
    y_score: int = 0


def traced_values(trace: Trace, k: int) -> list[Traced]:
    """The numeric values bound by lines of iteration ``k``, in the order they were bound."""
    out: list[Traced] = []
    for event in trace.iteration_events(k):
        if event.line is None:
            continue
        for change in event.changes:
            if change.value is not None:
                out.append(Traced(len(out), event.line, change.name, change.value.astype(np.float64)))
    return out


def latest(trace: Trace, k: int) -> dict[str, Change]:
    """Every key's value as the iteration ``k`` last saw it (bound before or during it)."""
    return trace.state_before(trace.starts[k + 1])


def parameter_keys(trace: Trace, lines: list[str] | None = None) -> dict[str, Change]:
    """Arrays that existed when the training loop began and that its first iteration updated:
    changed on a line that reads them (``W -= ...``, ``W = W - ...``), not merely overwritten
    (``self.output = sigmoid(...)`` is a forward value kept on ``self``)."""
    before = trace.state_before(trace.starts[0])
    changed: dict[str, Change] = {}
    overwritten: set[str] = set()
    for event in trace.iteration_events(0):
        for change in event.changes:
            old = before.get(change.key)
            if old is None or old.value is None or old.value.ndim < 1 or change.value is None:
                continue
            if change.key in changed or change.key in overwritten:
                continue
            if lines is None or event.line is None or reads_itself(lines[event.line - 1], change.name):
                changed[change.key] = old
            else:
                overwritten.add(change.key)
    return changed


def find_structure(trace: Trace, lines: list[str]) -> Structure | None:
    """The best-supported network in the first iteration, or None when no chain of changed
    arrays reproduces a traced forward pass."""
    params = parameter_keys(trace, lines)
    seen = latest(trace, 0)
    start = trace.state_before(trace.starts[0])
    data = {
        key: change
        for key, change in {**start, **seen}.items()
        if key not in params and change.value is not None and change.value.ndim in (1, 2)
    }
    values = traced_values(trace, 0)
    changed_keys = {c.key for e in trace.iteration_events(0) for c in e.changes}
    best: Structure | None = None
    best_rank: tuple[int, ...] = (-1,)
    order = definition_order(trace)
    memo: dict[tuple[object, ...], _Layer | None] = {}
    for x_key, x_change in data.items():
        assert x_change.value is not None
        if x_change.value.ndim != 2:
            continue
        for samples in ("rows", "columns"):
            x = oriented(x_change.value, samples)
            for chain, y_keys in _chains(x, params, data, samples, x_key):
                layers = _forward(chain, x, values, lines, params, memo, (x_key, samples))
                if layers is None:
                    continue
                roles = _consistent_biases(tuple(layer.role for layer in layers))
                for y_key in y_keys:
                    y_change = data[y_key]
                    last = layers[-1]
                    fixed = y_key in start and y_key not in changed_keys
                    score = y_score(y_change, last.a, last.z, last.role.activation, samples, values, fixed)
                    structure = Structure(
                        samples,
                        chain[0],
                        roles,
                        x_key,
                        x_change.name,
                        y_key,
                        y_change.name,
                        len(roles),
                        score,
                    )
                    rank = (
                        sum(layer.explained for layer in layers),
                        structure.y_score,
                        len(chain[1]),
                        sum(r.bias_key is not None for r in structure.layers),
                        pairing(structure, order),
                    )
                    if rank > best_rank:
                        best, best_rank = structure, rank
    return best


Chain = tuple[str, list[tuple[str, str | None]]]  # (weights orientation, [(weights key, bias key)])


def _chains(
    x: Array, params: dict[str, Change], data: dict[str, Change], samples: str, x_key: str
) -> Iterator[tuple[Chain, list[str]]]:
    """Chains of weight (and bias) arrays from x's width to the width of some target array,
    with the keys of those target arrays."""
    m, width = x.shape
    found = 0
    for orientation in ("in_out", "out_in"):
        for layers in _extend(width, orientation, params, []):
            w = params[layers[-1][0]].value
            assert w is not None
            units = w.shape[1] if orientation == "in_out" else w.shape[0]
            targets = [
                key
                for key, y in data.items()
                if key != x_key and y.value is not None and oriented(y.value, samples).shape == (m, units)
            ]
            if targets:
                found += 1
                yield (orientation, layers), targets
                if found >= MAX_CHAINS:
                    return


def _extend(
    width: int, orientation: str, params: dict[str, Change], used: list[tuple[str, str | None]]
) -> Iterator[list[tuple[str, str | None]]]:
    taken = {k for pair in used for k in pair if k is not None}
    for key, change in params.items():
        w = change.value
        if key in taken or w is None or w.ndim != 2:
            continue
        fan_in, units = (w.shape[0], w.shape[1]) if orientation == "in_out" else (w.shape[1], w.shape[0])
        if fan_in != width:
            continue
        biases: list[str | None] = [
            b
            for b, bc in params.items()
            if b not in taken
            and b != key
            and bc.value is not None
            and bc.value.size == units
            and (bc.value.ndim == 1 or 1 in bc.value.shape)
        ]
        for bias in [*biases, None]:
            layers = [*used, (key, bias)]
            yield layers
            if len(layers) < 6:
                yield from _extend(units, orientation, params, layers)


@dataclass(frozen=True)
class _Layer:
    role: LayerRole
    z: Array
    a: Array
    explained: int  # traced values equal to this layer's z or a


def _forward(
    chain: Chain,
    x: Array,
    values: list[Traced],
    lines: list[str],
    params: dict[str, Change],
    memo: dict[tuple[object, ...], _Layer | None],
    start: tuple[str, str],
) -> list[_Layer] | None:
    """Each layer of ``chain`` on ``x``, with the activation the traced values show; None
    when a layer's z or a appears nowhere in the trace."""
    orientation, pairs = chain
    out: list[_Layer] = []
    a_prev = x
    for k, (w_key, b_key) in enumerate(pairs):
        last = k == len(pairs) - 1
        key = (start, orientation, tuple(pairs[: k + 1]), last)
        if key not in memo:
            memo[key] = _layer(orientation, w_key, b_key, a_prev, values, lines, params, last)
        layer = memo[key]
        if layer is None:
            return None
        out.append(layer)
        a_prev = layer.a
    return out


def _layer(
    orientation: str,
    w_key: str,
    b_key: str | None,
    a_prev: Array,
    values: list[Traced],
    lines: list[str],
    params: dict[str, Change],
    last: bool,
) -> _Layer | None:
    w = params[w_key].value
    assert w is not None
    weights = w.T if orientation == "in_out" else w
    bias = np.zeros(weights.shape[0]) if b_key is None else _bias_of(params[b_key])
    with np.errstate(all="ignore"):
        z = a_prev @ weights.T + bias
    found = _activation(z, values, lines, last=last)
    if found is None:
        return None
    activation, explained = found
    with np.errstate(all="ignore"):
        a = ACTIVATIONS[activation].forward(z)
    role = LayerRole(
        w_key,
        params[w_key].name,
        b_key,
        None if b_key is None else params[b_key].name,
        "none" if b_key is None else _bias_shape(params[b_key]),
        activation,
    )
    return _Layer(role, z, a, explained)


def _consistent_biases(roles: tuple[LayerRole, ...]) -> tuple[LayerRole, ...]:
    """A one-unit bias of shape (1, 1) is a row and a column alike: report the learner's
    convention, the one the other layers' biases show."""
    from dataclasses import replace

    kinds = [r.bias_shape for r in roles if r.bias_shape not in ("none", "single")]
    usual = max(set(kinds), key=kinds.count) if kinds else "row"
    return tuple(replace(r, bias_shape=usual) if r.bias_shape == "single" else r for r in roles)


def _bias_of(change: Change) -> Array:
    assert change.value is not None
    return change.value.astype(np.float64).reshape(-1)


def _bias_shape(change: Change) -> str:
    assert change.value is not None
    shape = change.value.shape
    if len(shape) == 1:
        return "vector"
    if shape == (1, 1):
        return "single"  # a row and a column alike: _consistent_biases decides
    return "row" if shape[0] == 1 else "column"


def _activation(z: Array, values: list[Traced], lines: list[str], last: bool) -> tuple[str, int] | None:
    """The activation whose f(z) a traced value equals (by its own line, then by the line's
    words where values alone cannot tell, e.g. ReLU of a positive z), and how many traced
    values the layer's z and a explain."""
    name = _choose_activation(z, values, lines, last)
    if name is None:
        return None
    with np.errstate(all="ignore"):
        a = ACTIVATIONS[name].forward(z)
    explained = {v.index for v in values if _equals(v.value, z) or _equals(v.value, a)}
    return name, len(explained)


def _choose_activation(z: Array, values: list[Traced], lines: list[str], last: bool) -> str | None:
    z_indices = {v.index for v in values if _equals(v.value, z)}
    candidates: dict[str, set[int]] = {}
    for name in ACTIVATION_ORDER:
        if name == "softmax" and (not last or z.shape[1] < 2):  # one unit's softmax is always 1
            continue
        with np.errstate(all="ignore"):
            a = ACTIVATIONS[name].forward(z)
        hits = {v.index for v in values if _equals(v.value, a)}
        if hits:
            candidates[name] = hits
    if not candidates:
        return "linear" if z_indices else None
    hinted = [
        name
        for name in candidates
        for index in candidates[name]
        if any(h in lines[values[index].line - 1].lower() for h in _HINTS.get(name, ()))
    ]
    if hinted:
        return hinted[0]
    own_line = [name for name, hits in candidates.items() if hits - z_indices]
    if own_line:
        return own_line[0]
    return "linear" if "linear" in candidates else next(iter(candidates))


def _equals(value: Array, quantity: Array) -> bool:
    return any(close(value, arranged) for arranged in arrangements(value, quantity))
