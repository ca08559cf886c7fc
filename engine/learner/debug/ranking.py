"""How much speaks for one reading of a trace over another: which array holds the targets,
which bias goes with which weights, which changed arrays are parameters."""

from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from engine.core.activations import ACTIVATIONS
from engine.learner.debug.compare import arrangements, close
from engine.learner.debug.recording import Change, Trace

if TYPE_CHECKING:
    from engine.learner.debug.structure import Structure, Traced

Array = NDArray[np.float64]


def definition_order(trace: Trace) -> dict[str, int]:
    """Where each key was first bound, in execution order."""
    order: dict[str, int] = {}
    for event in trace.events[: trace.starts[0]]:
        for change in event.changes:
            order.setdefault(change.key, len(order))
    return order


_DIGITS = re.compile(r"(\d+)$")


def pairing(structure: Structure, order: dict[str, int]) -> int:
    """How well biases pair with weights when shapes cannot tell (two zero biases of the same
    width): W1 with b1 by their digits, and biases defined in the same order as the weights."""
    score = 0
    biases = [r.bias_key for r in structure.layers if r.bias_key is not None]
    by_definition = sorted(biases, key=lambda key: order.get(key, 0))
    if biases == by_definition:
        score += 1
    for role in structure.layers:
        if role.bias_name is None:
            continue
        w, b = _DIGITS.search(role.weights_name), _DIGITS.search(role.bias_name)
        if w is not None and b is not None and w.group(1) == b.group(1):
            score += 1
    return score


_Y_NAMES = re.compile(r"^(y|t|target|label|truth|expected|desired)", re.IGNORECASE)


def y_score(
    y_change: Change,
    a: Array,
    z: Array,
    activation: str,
    samples: str,
    values: list[Traced],
    fixed: bool = False,
) -> int:
    """How much speaks for this array being the targets: a traced value proportional to a - y
    (or to (a - y) f'(z)), data the loop does not change (``fixed``), a name like y or
    target, a float dtype."""
    assert y_change.value is not None
    y = oriented(y_change.value, samples)
    with np.errstate(all="ignore"):
        error = a - y
        forms = [error]
        if ACTIVATIONS[activation].elementwise:
            forms.append(error * ACTIVATIONS[activation].derivative(z, a))
    score = 0
    if any(_proportional(v.value, form) for v in values for form in forms):
        score += 4
    if fixed:
        score += 2
    if _Y_NAMES.match(y_change.name.split(".")[-1]):
        score += 2
    if y_change.value.dtype.kind == "f":
        score += 1
    return score


def _proportional(value: Array, quantity: Array) -> bool:
    for arranged in arrangements(value, quantity):
        with np.errstate(all="ignore"):
            denominator = float(np.vdot(arranged, arranged))
            if not denominator:
                continue
            c = float(np.vdot(arranged, value)) / denominator
        if c and close(value, c * arranged):
            return True
    return False


def oriented(value: Array, samples: str) -> Array:
    """``value`` as float64 with samples as rows (a vector as one column)."""
    array = value.astype(np.float64)
    if array.ndim == 1:
        array = array.reshape(-1, 1)
    return array if samples == "rows" else array.T


def reads_itself(line: str, name: str) -> bool:
    """Whether the statement on ``line`` reads ``name`` (its last part: ``self.W1`` is ``W1``,
    ``weights[0]`` is ``weights``) as it changes it; True when the line cannot be parsed alone."""
    short = re.sub(r"\[\d+\]$", "", name).split(".")[-1]
    try:
        tree = ast.parse(line.strip())
    except SyntaxError:
        return True
    if not tree.body:
        return True
    statement = tree.body[0]
    if isinstance(statement, ast.AugAssign):
        return True
    read = statement.value if isinstance(statement, ast.Assign | ast.AnnAssign) else statement
    if read is None:
        return False
    for node in ast.walk(read):
        if (isinstance(node, ast.Name) and node.id == short) or (
            isinstance(node, ast.Attribute) and node.attr == short
        ):
            return True
    return False
