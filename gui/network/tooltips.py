"""The network's tooltips: what is under the pointer, with its value, gradient and last update (no Qt)."""

from __future__ import annotations

from engine import ParameterRef, Snapshot
from gui.formatting import format_number
from gui.network.hits import Hit
from gui.network.layout import node_name
from gui.network.values import LastUpdate


def parameter_value(snap: Snapshot, ref: ParameterRef) -> float:
    """The value of ``ref`` at ``snap``."""
    return ref.value_in(snap.params)


def describe(
    hit: Hit,
    snap: Snapshot,
    sample: int,
    update: LastUpdate | None,
    activations: tuple[str, ...],
    digits: int,
) -> str:
    """The tooltip text of ``hit`` at ``snap``: for a parameter its value, gradient and ``update``
    (the latest update visible, see ``SessionController.last_update``)."""
    sizes = (snap.record.inputs.shape[1], *(p.weights.shape[0] for p in snap.params))
    if hit.kind == "loss":
        loss = None if snap.record.loss is None else snap.record.loss.loss
        return f"loss L (batch of {snap.record.inputs.shape[0]})\nvalue {format_number(loss, digits)}"
    if hit.kind == "input":
        value = float(snap.record.inputs[sample, hit.index])
        name = node_name(sizes, 0, hit.index)
        return f"input {name} = x[{hit.index}]\nsample {sample}: {format_number(value, digits)}"
    if hit.kind == "unit":
        unit = ParameterRef(hit.column - 1, hit.index, None)
        lines = _unit_lines(unit, snap, sample, sizes, activations, digits, hit.ref is not None)
    elif hit.ref is None:
        return ""
    else:
        lines = []
    if hit.ref is None:  # a unit of a layer without biases: no parameter of its own
        return "\n".join(lines).rstrip("\n")
    return "\n".join([*lines, *_parameter_lines(hit.ref, snap, sizes, update, digits)])


def _unit_lines(
    ref: ParameterRef,
    snap: Snapshot,
    sample: int,
    sizes: tuple[int, ...],
    activations: tuple[str, ...],
    n: int,
    has_bias: bool = True,
) -> list[str]:
    """A unit's z, a and δ for the sample; its parameter lines follow (its bias's, if it has one)."""
    layer, j = ref.layer, ref.unit
    record = snap.record
    forward = record.forward[layer] if len(record.forward) > layer else None
    back = record.backward_of(layer)
    z = None if forward is None else float(forward.z[sample, j])
    a = None if forward is None else float(forward.a[sample, j])
    delta = None if back is None else float(back.delta[sample, j])
    return [
        f"unit {node_name(sizes, layer + 1, j)} = a[{layer}][{j}] ({activations[layer]})",
        f"sample {sample}:",
        f"  z = {format_number(z, n)}",
        f"  a = {format_number(a, n)}",
        f"  δ = ∂ℓ/∂z = {format_number(delta, n)}",
        f"click: select its bias b[{layer}][{j}]" if has_bias else "no bias (a layer without biases)",
        "",
    ]


def _parameter_lines(
    ref: ParameterRef, snap: Snapshot, sizes: tuple[int, ...], update: LastUpdate | None, n: int
) -> list[str]:
    grad_record = snap.shown_record()
    back = grad_record.backward_of(ref.layer)
    gradient = None if back is None else ref.gradient_in(back)
    change = None if update is None else ref.value_in(update[1])
    if ref.input is None:
        what = f"bias {ref.label} of {node_name(sizes, ref.layer + 1, ref.unit)}"
    else:
        what = (
            f"weight {ref.label}: {node_name(sizes, ref.layer, ref.input)} → "
            f"{node_name(sizes, ref.layer + 1, ref.unit)}"
        )
    suffix = f" (iteration {grad_record.iteration})" if grad_record is not snap.record else ""
    when = f" (iteration {update[0].iteration})" if update is not None else ""
    return [
        what,
        f"value {format_number(parameter_value(snap, ref), n)}",
        f"gradient ∂L/∂{'b' if ref.input is None else 'w'} {format_number(gradient, n)}{suffix}",
        f"last update Δ {format_number(change, n)}{when}",
    ]
