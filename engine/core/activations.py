"""Activation functions, their derivatives, and how each derivative is written."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]

LEAKY_SLOPE = 0.01


def _sigmoid_unguarded(z: Array) -> Array:
    # The textbook form, as the tutorials write it: accurate for every z, and exp's
    # overflow for z < -709 only produces the correct limit 0, so silence the warning.
    result: Array = 1 / (1 + np.exp(-z))
    return result


def _sigmoid(z: Array) -> Array:
    # A fresh errstate per call (a shared one is not re-entrant on NumPy 1.26); entering it
    # costs about as much as the arithmetic on a tiny layer, so runs use forward_unguarded.
    with np.errstate(over="ignore"):
        return _sigmoid_unguarded(z)


def _sigmoid_derivative(z: Array, a: Array) -> Array:
    return a * (1 - a)


def _tanh(z: Array) -> Array:
    return np.tanh(z)


def _tanh_derivative(z: Array, a: Array) -> Array:
    return 1 - a**2


def _relu(z: Array) -> Array:
    return np.maximum(z, 0.0)


def _relu_derivative(z: Array, a: Array) -> Array:
    return (z > 0).astype(np.float64)


def _leaky_relu(z: Array) -> Array:
    return np.where(z > 0, z, LEAKY_SLOPE * z)


def _leaky_relu_derivative(z: Array, a: Array) -> Array:
    return np.where(z > 0, 1.0, LEAKY_SLOPE)


def _linear(z: Array) -> Array:
    return z


def _linear_derivative(z: Array, a: Array) -> Array:
    return np.ones_like(z)


def _softmax(z: Array) -> Array:
    shifted = z - z.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    result: Array = e / e.sum(axis=1, keepdims=True)
    return result


def _softmax_derivative(z: Array, a: Array) -> Array:
    # Softmax's Jacobian is not diagonal; the engine only uses softmax fused with
    # cross-entropy, where dL/dz = a - y is computed directly.
    raise TypeError("softmax has no element-wise derivative")


@dataclass(frozen=True)
class Activation:
    """One activation: the function, its derivative da/dz, and how to explain it."""

    name: str
    forward: Callable[[Array], Array]
    derivative: Callable[[Array, Array], Array]
    derivative_formula: str
    derivative_note: str
    elementwise: bool = True


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation("linear", _linear, _linear_derivative, "1", "linear derivative"),
        Activation("sigmoid", _sigmoid, _sigmoid_derivative, "a(1-a)", "sigmoid derivative"),
        Activation("tanh", _tanh, _tanh_derivative, "1-a^2", "tanh derivative"),
        Activation("relu", _relu, _relu_derivative, "[z>0]", "ReLU derivative: 1 if z > 0, else 0"),
        Activation(
            "leaky_relu",
            _leaky_relu,
            _leaky_relu_derivative,
            "[z>0] + 0.01[z<=0]",
            "leaky ReLU derivative: 1 if z > 0, else 0.01",
        ),
        Activation(
            "softmax",
            _softmax,
            _softmax_derivative,
            "a(δ-a)",
            "softmax Jacobian (fused with cross-entropy)",
            elementwise=False,
        ),
    )
}


def forward_unguarded(name: str) -> Callable[[Array], Array]:
    """The forward function of activation ``name`` without its own ``np.errstate``, for a
    caller that already runs under one ignoring overflow (a run enters it once, not per call).
    The arithmetic is the same function's."""
    return _sigmoid_unguarded if name == "sigmoid" else ACTIVATIONS[name].forward
