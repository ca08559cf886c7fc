"""The classic backprop mistakes, each defined once.

Teaching mode runs the engine with one of them switched on (the session's ``mistake``), so a
teacher can show what it does to the loss curve; the checker (``gradstep check``) recomputes
a step with each of them to name the one a learner's code makes. Every mistake changes the
backward pass or the update only; the forward pass and the loss stay correct.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from engine.core.activations import ACTIVATIONS
from engine.core.losses import LOSSES, fused_delta, output_dl_da

Array = NDArray[np.float64]


@dataclass(frozen=True)
class Mistake:
    """One catalogue entry: its name, a title, and what the code does wrong."""

    name: str
    title: str
    explanation: str


MISTAKES: dict[str, Mistake] = {
    m.name: m
    for m in (
        Mistake(
            "missing_activation_derivative",
            "activation derivative missing",
            "delta = dL/da without the factor da/dz = f'(z)",
        ),
        Mistake(
            "derivative_of_z",
            "a(1-a) applied to z",
            "the derivative written in terms of the output, a(1-a) (or 1-a^2), is evaluated on "
            "z instead of a",
        ),
        Mistake(
            "derivative_of_a",
            "sigma'(z) applied to a",
            "the derivative written in terms of the input, sigma(z)(1-sigma(z)) (or 1-tanh(z)^2), "
            "is evaluated on a instead of z",
        ),
        Mistake("half_gradient", "gradient halved", "every gradient is 1/2 of the correct one"),
        Mistake("double_gradient", "gradient doubled", "every gradient is 2 times the correct one"),
        Mistake(
            "wrong_batch_reduction",
            "sum instead of mean over the batch (or mean instead of sum)",
            "the per-sample gradients are reduced over the batch with the wrong operation, so the "
            "gradient is off by the batch size",
        ),
        Mistake("wrong_sign", "wrong sign (gradient ascent)", "the update adds the gradient"),
        Mistake(
            "transposed_weights",
            "transposed weight matrix in the backward pass",
            "the hidden delta is propagated through W instead of W transposed",
        ),
        Mistake(
            "bias_not_summed",
            "bias gradient not summed over the batch alone",
            "the bias gradient is summed over every element of delta (samples and units), so "
            "every unit of the layer gets the same bias gradient",
        ),
        Mistake(
            "updated_weights_backprop",
            "back-propagating through already-updated weights",
            "the next layer's weights are updated before the hidden layer's delta is computed through them",
        ),
        Mistake(
            "other_loss_gradient",
            "the gradient of another loss",
            "the output delta belongs to another loss: a - y (binary cross-entropy's, with a "
            "sigmoid) under a squared-error loss, or (a - y) a(1-a) under binary cross-entropy",
        ),
    )
}


def applicable(
    name: str,
    sizes: tuple[int, ...],
    activations: tuple[str, ...],
    loss: str,
    biased: tuple[bool, ...] | None = None,
) -> str | None:
    """Why ``name`` cannot be injected into this network, or None when it can; ``biased``
    says per layer whether it has biases (None: every layer)."""
    if name == "bias_not_summed" and biased is not None and not any(biased):
        return 'bias_not_summed needs a layer with biases (every layer here has "bias": false)'
    if name == "transposed_weights":
        for k in range(1, len(activations)):
            if sizes[k] != sizes[k + 1]:
                return (
                    f"transposed_weights needs square weight matrices after the first layer "
                    f"(layer {k} is {sizes[k + 1]}x{sizes[k]})"
                )
        if len(activations) < 2:
            return "transposed_weights needs a hidden layer"
    if name == "updated_weights_backprop" and len(activations) < 2:
        return "updated_weights_backprop needs a hidden layer"
    if name == "other_loss_gradient" and (
        LOSSES[loss].family == "cross_entropy" or activations[-1] != "sigmoid"
    ):
        return "other_loss_gradient needs a sigmoid output with a squared-error loss or bce"
    if name in ("derivative_of_z", "derivative_of_a") and not any(
        a in ("sigmoid", "tanh") for a in activations
    ):
        return f"{name} needs a sigmoid or tanh layer"
    return None


def derivative(name: str, activation: str, z: Array, a: Array) -> Array:
    """da/dz as the mistaken code computes it."""
    if name == "missing_activation_derivative":
        return np.ones_like(z)
    if name == "derivative_of_z" and activation == "sigmoid":
        return z * (1 - z)
    if name == "derivative_of_z" and activation == "tanh":
        return 1 - z**2
    if name == "derivative_of_a" and activation == "sigmoid":
        s = ACTIVATIONS["sigmoid"].forward(a)
        return s * (1 - s)
    if name == "derivative_of_a" and activation == "tanh":
        return 1 - np.tanh(a) ** 2
    return ACTIVATIONS[activation].derivative(z, a)


def output_delta(
    name: str, loss: str, activation: str, z: Array, a: Array, y: Array
) -> tuple[Array, Array | None, Array | None]:
    """(δ, dℓ/da, da/dz) of the output layer as the mistaken code computes them."""
    if activation == "softmax":
        delta = fused_delta(loss, a, y)
        assert delta is not None
        return delta, None, None
    da_dz = derivative(name, activation, z, a)
    family = LOSSES[loss].family
    if name == "other_loss_gradient":
        if family == "bce":
            dl_da = a - y  # half_sse's derivative
            return dl_da * da_dz, dl_da, da_dz
        k = a.shape[1]
        # bce's fused delta (the mean's over K outputs for a mean loss), no activation factor
        wrong = a - y if k == 1 or LOSSES[loss].reduction == "sum" else (a - y) / k
        return wrong, wrong, np.ones_like(z)
    if family == "bce":
        # With a sigmoid output, bce's delta a - y has no activation factor to get wrong:
        # the derivative mistakes show in the hidden layers only.
        fused = fused_delta(loss, a, y)
        assert fused is not None
        return fused, None, None
    dl_da = output_dl_da(loss, a, y)
    return dl_da * da_dz, dl_da, da_dz


def hidden_delta(
    name: str,
    delta_next: Array,
    weights_next: Array,
    dw_next: Array,
    learning_rate: float,
    activation: str,
    z: Array,
    a: Array,
) -> tuple[Array, Array, Array]:
    """(δ, dℓ/da, da/dz) of a hidden layer as the mistaken code computes them."""
    if name == "transposed_weights":
        dl_da = delta_next @ weights_next.T
    elif name == "updated_weights_backprop":
        dl_da = delta_next @ (weights_next - learning_rate * dw_next)
    else:
        dl_da = delta_next @ weights_next
    da_dz = derivative(name, activation, z, a)
    return dl_da * da_dz, dl_da, da_dz


def parameter_gradients(
    name: str, delta: Array, a_prev: Array, scale: float, batch: int
) -> tuple[Array, Array]:
    """(dW, db) as the mistaken code reduces them over the batch."""
    if name == "wrong_batch_reduction":
        scale = 1.0 if scale != 1.0 else 1.0 / batch
    dw = scale * (delta.T @ a_prev)
    db = scale * delta.sum(axis=0)
    if name == "bias_not_summed":
        db = np.full_like(db, scale * delta.sum())
    elif name == "half_gradient":
        dw, db = 0.5 * dw, 0.5 * db
    elif name == "double_gradient":
        dw, db = 2.0 * dw, 2.0 * db
    elif name == "wrong_sign":
        dw, db = -dw, -db
    return dw, db
