"""The arithmetic of one iteration, as pure functions on arrays.

Both the stage-by-stage path and the fast path of a long run call these same functions in
the same order, so both produce bit-identical numbers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from engine.core.activations import ACTIVATIONS
from engine.core.config import OptimizerConfig, SessionConfig
from engine.core.losses import fused_delta, is_fused, output_dl_da
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
        bias = layer.bias.copy() if layer.bias is not None else np.zeros(layer.units if layer.has_bias else 0)
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
    """z = a_prev @ W.T + b, samples as rows; z = a_prev @ W.T for a layer without biases
    (its bias array is empty)."""
    z: Array = a_prev @ weights.T
    if bias.shape[0]:
        z += bias  # in place: the same sum as a_prev @ W.T + b, bit for bit, one array fewer
    return z


def output_delta(
    loss: str, activation: str, z: Array, a: Array, y: Array
) -> tuple[Array, Array | None, Array | None]:
    """(δ, dℓ/da, da/dz) of the output layer, per sample.

    Sigmoid + binary cross-entropy and softmax + cross-entropy are fused: δ = dℓ/dz comes
    straight from the loss and the two factors are None, because a saturated sigmoid makes
    dℓ/da infinite and da/dz zero while their product, a − y, stays exact.
    """
    if is_fused(loss):
        fused = fused_delta(loss, a, y)
        assert fused is not None
        return fused, None, None
    dl_da = output_dl_da(loss, a, y)
    da_dz = ACTIVATIONS[activation].derivative(z, a)
    return dl_da * da_dz, dl_da, da_dz


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


def optimizer_step(
    opt: OptimizerConfig, params: Params, grads: Params, state: OptimizerState
) -> tuple[Params, OptimizerState]:
    """One update in PyTorch's conventions (SGD, SGD with momentum, Adam): (after, state)."""
    after, new_state, _ = optimizer_update(opt, params, grads, state)
    return after, new_state


def optimizer_update(
    opt: OptimizerConfig, params: Params, grads: Params, state: OptimizerState
) -> tuple[Params, OptimizerState, Params]:
    """One update: (parameters after, optimizer state after, steps), where ``steps`` is what
    the learning rate multiplied (g, the velocity v, or m̂ / (√v̂ + ε)) and after is exactly
    before − lr · steps, so the chain rule shows the step the update applied."""
    if opt.name == "sgd":
        steps = grads
        new_state = OptimizerState(state.step + 1)
    elif opt.name == "momentum":
        steps = _momentum_velocity(opt.momentum, state.first, grads)
        new_state = OptimizerState(state.step + 1, steps)
    elif opt.name == "adam":
        new_state, steps = _adam_steps(opt, state, grads)
    else:
        raise ValueError(f"unknown optimizer {opt.name!r}")
    lr = opt.learning_rate
    weights = sgd_step([p.weights for p in params], [s.weights for s in steps], lr)
    biases = sgd_step([p.bias for p in params], [s.bias for s in steps], lr)
    return tuple(LayerParams(w, b) for w, b in zip(weights, biases, strict=True)), new_state, steps


def _momentum_velocity(momentum: float, previous: Params | None, grads: Params) -> Params:
    """v = μ·v_prev + g; the first velocity is a copy of g (PyTorch's), never g's own arrays."""
    if previous is None:
        return tuple(LayerParams(g.weights.copy(), g.bias.copy()) for g in grads)
    return tuple(
        LayerParams(momentum * v.weights + g.weights, momentum * v.bias + g.bias)
        for v, g in zip(previous, grads, strict=True)
    )


def _zeros_like(params: Params) -> Params:
    """Buffers of zeros shaped like ``params``: PyTorch starts Adam's moments there."""
    return tuple(LayerParams(np.zeros_like(p.weights), np.zeros_like(p.bias)) for p in params)


def adam_corrections(opt: OptimizerConfig, step: int) -> tuple[float, float]:
    """Adam's bias corrections (1 − β1^t, 1 − β2^t) at step t: m̂ = m / the first, v̂ = v / the second."""
    return 1 - opt.beta1**step, 1 - opt.beta2**step


def _adam_steps(opt: OptimizerConfig, state: OptimizerState, grads: Params) -> tuple[OptimizerState, Params]:
    """Adam's moments after this gradient and its steps m̂ / (√v̂ + ε), with m̂ and v̂ written
    out as the chain rule shows them (PyTorch folds the corrections differently: the
    results agree to rounding)."""
    b1, b2, eps = opt.beta1, opt.beta2, opt.eps
    step = state.step + 1
    first_prev = _zeros_like(grads) if state.first is None else state.first
    second_prev = _zeros_like(grads) if state.second is None else state.second
    first = tuple(
        LayerParams(b1 * m.weights + (1 - b1) * g.weights, b1 * m.bias + (1 - b1) * g.bias)
        for m, g in zip(first_prev, grads, strict=True)
    )
    second = tuple(
        LayerParams(
            b2 * v.weights + (1 - b2) * (g.weights * g.weights),
            b2 * v.bias + (1 - b2) * (g.bias * g.bias),
        )
        for v, g in zip(second_prev, grads, strict=True)
    )
    bc1, bc2 = adam_corrections(opt, step)
    steps = tuple(
        LayerParams(
            (m.weights / bc1) / (np.sqrt(v.weights / bc2) + eps),
            (m.bias / bc1) / (np.sqrt(v.bias / bc2) + eps),
        )
        for m, v in zip(first, second, strict=True)
    )
    return OptimizerState(step, first, second), steps


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
