"""From the network found in a trace to a Gradstep session: the loss, the learning rate (from
the observed update), the starting parameters and each iteration's batch."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from engine.core.config import SessionConfig
from engine.core.losses import LOSSES
from engine.core.records import LayerParams, Params
from engine.errors import GradstepError
from engine.files.session_file import parse_session
from engine.learner.debug.compare import SINGLE_TOLERANCE, close, legitimate_factors
from engine.learner.debug.quantities import correct_quantities, iteration_config
from engine.learner.debug.recording import Trace
from engine.learner.debug.structure import Structure, latest

Array = NDArray[np.float64]

_RATE_NAME = re.compile(r"(^|_)(lr|learning_?rate|alpha|eta|rate|step_?size)($|_)", re.IGNORECASE)
_EFFECTIVE = "the step your code took; no scalar in your code is this rate"
_LITERAL = re.compile(r"(?<![\w.])(\d+\.\d*|\.\d+|\d+e-?\d+|\d+\.\d*e-?\d+)(?![\w.])")


@dataclass(frozen=True)
class IterationData:
    """One iteration as the engine sees it: the learner's parameters at its start (in
    Gradstep's orientation) and its batch, as a full-batch session."""

    params: Params
    x: Array
    y: Array
    config: SessionConfig


@dataclass(frozen=True)
class Discovery:
    """The inferred session and where each part of it came from."""

    structure: Structure
    loss: str
    learning_rate: float
    rate_source: str
    rate_exact: bool  # the learner's own rate, or the effective rate of their update
    session: dict[str, Any]  # the gradstep-session object (iteration 0's start)
    config: SessionConfig
    iterations: tuple[IterationData, ...]
    notes: tuple[str, ...]
    loss_given: bool = False  # the loss came from --session, not from the program's gradient


def candidate_losses(structure: Structure) -> list[str]:
    """The engine's losses that fit the output activation; the summed ones last, so that on a
    tie (their gradients differ from the others' by a factor a correct program may carry) the
    classic one is inferred, and a summed one only where the program computes it."""
    output = structure.layers[-1].activation
    if output == "softmax":
        return ["cross_entropy", "cross_entropy_sum"]
    if output == "sigmoid":
        return ["half_sse", "mse", "bce", "sse", "bce_sum"]
    return ["half_sse", "mse", "sse"]


class _Summarised(Exception):
    """A value the tracer kept only as a summary (the memory bound) is needed whole."""


def _whole(value: Array | None) -> Array:
    if value is None:
        raise _Summarised
    return value


def parameters_at(trace: Trace, structure: Structure, index: int) -> Params:
    """The learner's parameters before event ``index``, in Gradstep's orientation."""
    state = trace.state_before(index)
    out = []
    for role in structure.layers:
        w = _whole(state[role.weights_key].value)
        weights = w.astype(np.float64)
        weights = weights.T.copy() if structure.weights == "in_out" else weights.copy()
        if role.bias_key is None:  # a layer without biases: an empty bias array, as the engine holds it
            bias = np.zeros(0)
        else:
            b = _whole(state[role.bias_key].value)
            bias = b.astype(np.float64).reshape(-1).copy()
        out.append(LayerParams(weights, bias))
    return tuple(out)


def batch_of(trace: Trace, structure: Structure, k: int) -> tuple[Array, Array]:
    """The (X, Y) iteration ``k`` used, samples as rows."""
    seen = latest(trace, k)
    x = _whole(seen[structure.x_key].value)
    y = _whole(seen[structure.y_key].value)
    x = x.astype(np.float64)
    y = y.astype(np.float64)
    if y.ndim == 1:
        y = y.reshape(-1, 1) if structure.samples == "rows" else y.reshape(1, -1)
    if structure.samples == "columns":
        return x.T.copy(), y.T.copy()
    return x.copy(), y.copy()


def discover(
    trace: Trace,
    structure: Structure,
    loss: str,
    lines: list[str],
    override: SessionConfig | None = None,
) -> Discovery:
    """The session of ``structure`` trained on ``loss`` (or the ``override``'s loss, rate and
    activations), with the learning rate taken from the observed update.

    Raises
    ------
    GradstepError
        When the session cannot be built (targets a loss cannot take, a session that does not
        fit the program's network).
    """
    notes: list[str] = []
    if override is not None:
        structure = _with_activations(structure, override)
        loss = override.loss
    per_iteration = []
    for k in range(trace.iterations):
        try:
            params = parameters_at(trace, structure, trace.starts[k])
            x, y = batch_of(trace, structure, k)
        except _Summarised:
            notes.append(
                f"iterations {k} and later are not compared: the memory bound summarised their "
                "parameters or data"
            )
            break
        per_iteration.append((params, x, y))
    if not per_iteration:
        raise GradstepError(
            "the memory bound (200 MB of copied values) was reached before your training loop"
        )
    params0, x0, y0 = per_iteration[0]
    if override is not None:
        _check_fits(override, params0)
    base = _session(structure, loss, 1.0, params0, x0, y0)
    if override is not None:
        rate, source = override.optimizer.learning_rate, "from --session"
    else:
        try:
            after = parameters_at(trace, structure, trace.starts[1])
        except _Summarised:
            raise GradstepError(
                "the memory bound (200 MB of copied values) was reached before your first update: "
                "give the session with --session"
            ) from None
        rate, source = _learning_rate(trace, structure, base, params0, after, lines, notes)
    session = _session(structure, loss, rate, params0, x0, y0)
    config = _parse(session)
    iterations = tuple(IterationData(p, x, y, iteration_config(config, p, x, y)) for p, x, y in per_iteration)
    if len({x.shape for _, x, _ in per_iteration}) > 1 or any(
        not np.array_equal(x, x0) for _, x, _ in per_iteration
    ):
        notes.append("each iteration is compared on the batch your code used in it")
    exact = override is not None or " x " not in source and source != _EFFECTIVE
    return Discovery(
        structure, loss, rate, source, exact, session, config, iterations, tuple(notes), override is not None
    )


def _check_fits(override: SessionConfig, params: Params) -> None:
    """A --session gives the loss, the rate and the activations of the program's own network:
    one of another shape would be compared line by line with numbers of a different network."""
    ours = (params[0].weights.shape[1], *(p.weights.shape[0] for p in params))
    if tuple(override.sizes) != ours:
        theirs = "-".join(str(n) for n in override.sizes)
        raise GradstepError(
            f"--session: the session's network is {theirs}, your program's "
            f"{'-'.join(str(n) for n in ours)}: give a session of your program's network, or none "
            "(Gradstep infers it)"
        )


def _with_activations(structure: Structure, override: SessionConfig) -> Structure:
    from dataclasses import replace

    sizes = len(override.layers)
    if sizes != len(structure.layers):
        raise GradstepError(
            f"--session: the session has {sizes} layers of weights, your program {len(structure.layers)}"
        )
    roles = tuple(
        replace(role, activation=layer.activation)
        for role, layer in zip(structure.layers, override.layers, strict=True)
    )
    return replace(structure, layers=roles)


def _session(
    structure: Structure, loss: str, rate: float, params: Params, x: Array, y: Array
) -> dict[str, Any]:
    layers = [
        {
            "units": int(p.weights.shape[0]),
            "activation": role.activation,
            "weights": p.weights.tolist(),
            "bias": p.bias.tolist() if role.bias_key is not None else False,
        }
        for p, role in zip(params, structure.layers, strict=True)
    ]
    return {
        "format": "gradstep-session",
        "version": 1,
        "title": "inferred by gradstep debug",
        "network": {"inputs": int(x.shape[1]), "init": "zeros", "layers": layers},
        "loss": loss,
        "optimizer": {"name": "sgd", "learning_rate": rate},
        "data": {"inputs": x.tolist(), "targets": y.tolist()},
        "batch_size": None,
    }


def _parse(session: dict[str, Any]) -> SessionConfig:
    try:
        return parse_session(session)
    except GradstepError as exc:
        raise GradstepError(
            f"the inferred session is not valid: {exc} (give the session with --session)"
        ) from None


def _learning_rate(
    trace: Trace,
    structure: Structure,
    session: dict[str, Any],
    before: Params,
    after: Params,
    lines: list[str],
    notes: list[str],
) -> tuple[float, str]:
    """The learning rate: the learner's own (a named scalar or a literal on an update line)
    when the output layer's update is that rate times the gradient, else the rate the update
    shows."""
    config = _parse(session)
    gradient = next(
        q.value
        for q in correct_quantities(config).quantities
        if q.kind == "dW" and q.layer == len(before) - 1
    )
    change = before[-1].weights - after[-1].weights
    ratio = _ratio(change, gradient)
    scalars = _rate_scalars(trace, structure, lines)
    m, outputs = config.x.shape[0], config.y.shape[1]
    if ratio is None or ratio <= 0:
        if scalars:
            return scalars[0]
        raise GradstepError(
            "could not determine the learning rate: your output layer's update is not a multiple of "
            "its gradient and no scalar looks like a learning rate (give it with --session)"
        )
    # tolerances a float32 program's rounding stays within
    for value, words in scalars:
        if abs(ratio - value) <= 1e-6 * value:
            return value, words
    for value, words in scalars:
        if abs(ratio - value * value) <= 1e-6 * value * value:
            return value, words  # the learning rate applied twice: the update lines will say so
    for value, words in scalars:
        for f in legitimate_factors(m, outputs, 1.0):
            if f.value > 0 and abs(ratio - value * f.value) <= 1e-6 * ratio:
                notes.append(
                    f"learning rate {ratio:.10g}: your {value:g} ({words}) x {f.words}, the factor "
                    f"your gradient carries against {LOSSES[config.loss].formula}"
                )
                return ratio, f"{words} x {f.words}"
    return ratio, _EFFECTIVE


def _ratio(change: Array, gradient: Array) -> float | None:
    with np.errstate(all="ignore"):
        denominator = float(np.vdot(gradient, gradient))
        if denominator == 0 or not np.isfinite(denominator):
            return None
        c = float(np.vdot(gradient, change)) / denominator
    return c if close(change, c * gradient, SINGLE_TOLERANCE) else None


def _rate_scalars(trace: Trace, structure: Structure, lines: list[str]) -> list[tuple[float, str]]:
    """Float scalars named like a learning rate when the loop began, then numeric literals on
    the lines that update the weights."""
    state = trace.state_before(trace.starts[0])
    named: list[tuple[float, str]] = []
    others: list[tuple[float, str]] = []
    for change in state.values():
        if change.value is None or change.value.ndim != 0:
            continue
        value = float(change.value)
        if not 0 < value <= 10:
            continue
        short = change.name.split(".")[-1]
        entry = (value, f"{change.name} = {value:g}")
        (named if _RATE_NAME.search(short) else others).append(entry)
    literals = []
    keys = {r.weights_key for r in structure.layers}
    for event in trace.iteration_events(0):
        if event.line is None or not any(c.key in keys for c in event.changes):
            continue
        for text in _LITERAL.findall(lines[event.line - 1].split("#")[0]):
            value = float(text)
            if 0 < value <= 10:
                literals.append((value, f"the literal {text} on line {event.line}"))
    return named + literals + others
