"""The arithmetic of one iteration, as pure functions on arrays.

Both the stage-by-stage path and the fast path of a long run call these same functions in
the same order, so both produce bit-identical numbers.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
from numpy.typing import NDArray

from engine.core.activations import ACTIVATIONS, forward_unguarded
from engine.core.config import OptimizerConfig, SessionConfig
from engine.core.losses import batch_scale, fused_delta, loss_function, output_dl_da
from engine.core.records import LayerParams, OptimizerState, Params

Array = NDArray[np.float64]

_add_reduce = np.add.reduce


def init_params(config: SessionConfig) -> Params:
    """Initial parameters: explicit values where the session gives them, else drawn by the
    session's scheme from ``numpy.random.default_rng(seed)``, layer by layer."""
    rng = np.random.default_rng(config.seed)
    params = []
    fan_in = config.inputs
    for layer in config.layers:
        shape = (layer.units, fan_in)
        weights = layer.weights.copy() if layer.weights is not None else draw_weights(config.init, shape, rng)
        bias = layer.bias.copy() if layer.bias is not None else np.zeros(layer.units)
        params.append(LayerParams(weights, bias))
        fan_in = layer.units
    return tuple(params)


def draw_weights(scheme: str, shape: tuple[int, int], rng: np.random.Generator) -> Array:
    """Weights of ``shape`` = (fan_out, fan_in) drawn by ``scheme``."""
    fan_out, fan_in = shape
    if scheme == "uniform":
        return rng.uniform(-1.0, 1.0, size=shape)
    if scheme == "normal":
        return rng.standard_normal(size=shape)
    if scheme == "xavier_uniform":
        limit = math.sqrt(6.0 / (fan_in + fan_out))
        return rng.uniform(-limit, limit, size=shape)
    if scheme == "xavier_normal":
        return rng.normal(0.0, math.sqrt(2.0 / (fan_in + fan_out)), size=shape)
    if scheme == "he_normal":
        return rng.normal(0.0, math.sqrt(2.0 / fan_in), size=shape)
    if scheme == "zeros":
        return np.zeros(shape)
    raise ValueError(f"unknown init scheme {scheme!r}")


def forward_layer(p: LayerParams, a_prev: Array, activation: str) -> tuple[Array, Array]:
    """z = a_prev @ W.T + b and a = f(z), samples as rows."""
    z = affine(a_prev, p.weights, p.bias)
    return z, ACTIVATIONS[activation].forward(z)


def affine(a_prev: Array, weights: Array, bias: Array) -> Array:
    """z = a_prev @ W.T + b, samples as rows."""
    z: Array = a_prev @ weights.T + bias
    return z


def output_delta(
    loss: str, activation: str, z: Array, a: Array, y: Array, *, factors: bool = True
) -> tuple[Array, Array | None, Array | None]:
    """(δ, dℓ/da, da/dz) of the output layer, per sample; with ``factors`` False only δ is
    guaranteed (a fused δ skips the display-only factors)."""
    fused = fused_delta(loss, a, y) if loss in ("bce", "cross_entropy") else None
    if activation == "softmax":
        assert fused is not None  # config guarantees softmax goes with cross-entropy
        return fused, None, None
    if fused is not None and not factors:
        return fused, None, None
    dl_da = output_dl_da(loss, a, y)
    da_dz = ACTIVATIONS[activation].derivative(z, a)
    return (fused if fused is not None else dl_da * da_dz), dl_da, da_dz


def hidden_delta(
    delta_next: Array, weights_next: Array, activation: str, z: Array, a: Array
) -> tuple[Array, Array, Array]:
    """(δ, dℓ/da, da/dz) of a hidden layer: dℓ/da_J = Σ_K W_KJ δ_K, then times f'(z_J)."""
    dl_da = delta_next @ weights_next
    da_dz = ACTIVATIONS[activation].derivative(z, a)
    return dl_da * da_dz, dl_da, da_dz


def parameter_gradients(delta: Array, a_prev: Array, scale: float) -> tuple[Array, Array]:
    """dW = scale * δᵀ a_prev and db = scale * Σ_s δ: the batch reduction of per-sample terms."""
    # np.add.reduce is what delta.sum(axis=0) runs, without the Python call in between
    if scale == 1.0:  # a sum over the batch: multiplying by 1.0 would change nothing
        return delta.T @ a_prev, _add_reduce(delta, 0)
    return scale * (delta.T @ a_prev), scale * _add_reduce(delta, 0)


Backprop = Callable[
    [Array, Array, list[Array], list[Array]],
    tuple[float, list[Array], list[Array], list[Array], list[Array]],
]


def backprop_function(loss: str, activations: Sequence[str], samples: int) -> Backprop:
    """A function ``(x, y, weights, biases) -> (loss, zs, activations, dWs, dbs)`` for whole
    iterations on bare arrays (``activations`` starts with the input x).

    It calls the functions the stages call, in their order, with every look-up done here
    once: on a tiny network the look-ups cost as much as the arithmetic. It uses the
    activations' unguarded forms, so call it under ``np.errstate(over="ignore")``.
    """
    forwards = tuple(forward_unguarded(name) for name in activations)
    output_activation = activations[-1]
    hidden_activations = tuple(activations)
    value = loss_function(loss)
    full_scale = batch_scale(loss, samples)

    def backprop(
        x: Array, y: Array, weights: list[Array], biases: list[Array]
    ) -> tuple[float, list[Array], list[Array], list[Array], list[Array]]:
        zs = []
        acts = [x]
        z = a = x
        for w, b, forward in zip(weights, biases, forwards, strict=True):
            z = affine(a, w, b)
            a = forward(z)
            zs.append(z)
            acts.append(a)
        batch_loss = value(z, a, y)
        delta = output_delta(loss, output_activation, z, a, y, factors=False)[0]
        batch = x.shape[0]
        scale = full_scale if batch == samples else batch_scale(loss, batch)
        dws = []
        dbs = []
        layer = len(weights) - 1
        while True:  # last layer first, as the stages go
            dw, db = parameter_gradients(delta, acts[layer], scale)
            dws.append(dw)
            dbs.append(db)
            if not layer:
                break
            delta = hidden_delta(
                delta, weights[layer], hidden_activations[layer - 1], zs[layer - 1], acts[layer]
            )[0]
            layer -= 1
        dws.reverse()
        dbs.reverse()
        return batch_loss, zs, acts, dws, dbs

    return backprop


def optimizer_step(
    opt: OptimizerConfig, params: Params, grads: Params, state: OptimizerState
) -> tuple[Params, OptimizerState]:
    """One update in PyTorch's conventions (SGD, SGD with momentum, Adam)."""
    lr = opt.learning_rate
    if opt.name == "sgd":
        weights = sgd_step([p.weights for p in params], [g.weights for g in grads], lr)
        biases = sgd_step([p.bias for p in params], [g.bias for g in grads], lr)
        new = tuple(LayerParams(w, b) for w, b in zip(weights, biases, strict=True))
        return new, OptimizerState(state.step + 1)
    if opt.name == "momentum":
        m = opt.momentum
        if state.first is None:
            velocity = grads
        else:
            velocity = tuple(
                LayerParams(m * v.weights + g.weights, m * v.bias + g.bias)
                for v, g in zip(state.first, grads, strict=True)
            )
        new = tuple(
            LayerParams(p.weights - lr * v.weights, p.bias - lr * v.bias)
            for p, v in zip(params, velocity, strict=True)
        )
        return new, OptimizerState(state.step + 1, velocity)
    if opt.name == "adam":
        b1, b2, eps = opt.beta1, opt.beta2, opt.eps
        step = state.step + 1
        zeros = tuple(LayerParams(np.zeros_like(p.weights), np.zeros_like(p.bias)) for p in params)
        first_prev = state.first if state.first is not None else zeros
        second_prev = state.second if state.second is not None else zeros
        first = tuple(
            LayerParams(b1 * m_.weights + (1 - b1) * g.weights, b1 * m_.bias + (1 - b1) * g.bias)
            for m_, g in zip(first_prev, grads, strict=True)
        )
        second = tuple(
            LayerParams(
                b2 * v.weights + (1 - b2) * (g.weights * g.weights),
                b2 * v.bias + (1 - b2) * (g.bias * g.bias),
            )
            for v, g in zip(second_prev, grads, strict=True)
        )
        # PyTorch's arrangement: step size lr / (1 - β1^t), denominator √v / √(1 - β2^t) + ε.
        step_size = lr / (1 - b1**step)
        bc2_sqrt = math.sqrt(1 - b2**step)
        new = tuple(
            LayerParams(
                p.weights - step_size * (m_.weights / (np.sqrt(v.weights) / bc2_sqrt + eps)),
                p.bias - step_size * (m_.bias / (np.sqrt(v.bias) / bc2_sqrt + eps)),
            )
            for p, m_, v in zip(params, first, second, strict=True)
        )
        return new, OptimizerState(step, first, second)
    raise ValueError(f"unknown optimizer {opt.name!r}")


def sgd_step(values: Sequence[Array], grads: Sequence[Array], lr: float) -> list[Array]:
    """Plain SGD on each array: value - lr * grad (new arrays; history keeps the old ones)."""
    new = []
    for value, grad in zip(values, grads, strict=True):  # a loop: a comprehension is a call more
        new.append(value - lr * grad)
    return new


def batch_loss(config: SessionConfig, params: Params, x: Array, y: Array) -> float:
    """The loss of ``params`` on a batch (used for finite differences)."""
    from engine.core.losses import loss_value

    a = x
    z = x
    for p, layer in zip(params, config.layers, strict=True):
        z, a = forward_layer(p, a, layer.activation)
    return loss_value(config.loss, z, a, y)


def params_nbytes(params: Params | None) -> int:
    """Bytes held by a parameter set (0 for None)."""
    if params is None:
        return 0
    return sum(p.weights.nbytes + p.bias.nbytes for p in params)


def all_finite(params: Params) -> bool:
    """True when no parameter is NaN or infinite."""
    with np.errstate(over="ignore", invalid="ignore"):  # the sums below may overflow, by design
        return _all_finite(params)


def _all_finite(params: Params) -> bool:
    for p in params:
        for values in (p.weights, p.bias):
            # A NaN or infinite term makes the sum non-finite, so a finite sum proves them
            # all finite in one pass and no temporary; only a finite sum that overflowed
            # needs the element-wise test.
            if not math.isfinite(_add_reduce(values, None)) and not np.isfinite(values).all():
                return False
    return True
