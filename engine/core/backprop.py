"""The one backward pass: each layer's δ, dℓ/da, da/dz, dW and db, correct or with a mistake.

The stages call :func:`backward_layer` one layer at a time; a whole iteration (a long run's
fast path, teaching mode, the checker's "what would this mistake give") calls
:func:`backward_pass`, which loops over the same function. A catalogue mistake
(``engine.core.mistakes``) can be made in every layer or in some layers only, as a learner
who writes the output layer apart from the hidden layers' loop often does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from engine.core import compute, mistakes
from engine.core.activations import ACTIVATIONS, forward_unguarded
from engine.core.losses import batch_scale, loss_function

Array = NDArray[np.float64]

# the gradient of a layer without biases: as empty as its bias array (read-only, shared)
_NO_BIAS: Array = np.zeros(0)
_NO_BIAS.flags.writeable = False

# (δ, dℓ/da, da/dz, dW, db) of one layer; the two middle ones are None for a fused output
LayerGradients = tuple[Array, Array | None, Array | None, Array, Array]


@dataclass(frozen=True)
class BackwardSpec:
    """What the backward pass needs besides arrays: the loss, each layer's activation, and
    the mistake to make (None: none) in ``mistake_layers`` (None: every layer).

    ``learning_rate`` is used by the mistake that back-propagates through updated weights.
    ``biased`` says per layer whether it has biases (None: every layer); a layer without
    gets an empty db, shaped like its empty bias array. ``per_layer``, when given, names each
    layer's own mistake (None: computed correctly) and takes the place of ``mistake`` and
    ``mistake_layers``: a learner may make two different mistakes in two layers.
    """

    loss: str
    activations: tuple[str, ...]
    learning_rate: float = 0.0
    mistake: str | None = None
    mistake_layers: frozenset[int] | None = None
    per_layer: tuple[str | None, ...] | None = None
    biased: tuple[bool, ...] | None = None

    def mistake_in(self, layer: int) -> str | None:
        """The mistake made in ``layer``, or None where it is computed correctly."""
        if self.per_layer is not None:
            return self.per_layer[layer]
        if self.mistake is None or (self.mistake_layers is not None and layer not in self.mistake_layers):
            return None
        return self.mistake


def backward_layer(
    spec: BackwardSpec,
    layer: int,
    z: Array,
    a: Array,
    a_prev: Array,
    targets: Array,
    upper: tuple[Array, Array, Array] | None,
    scale: float,
) -> LayerGradients:
    """One layer's gradients. ``upper`` is (δ, W, dW) of the next layer (None for the output
    layer); ``scale`` reduces the per-sample terms over the batch (1/N for a mean, 1 for a sum)."""
    activation = spec.activations[layer]
    # spec.mistake_in(layer), inline for the common case: on a tiny network a method call per
    # layer shows
    mistake = spec.mistake if spec.per_layer is None else spec.per_layer[layer]
    if mistake is not None and spec.mistake_layers is not None and layer not in spec.mistake_layers:
        mistake = None
    if mistake is None:
        if upper is None:
            delta, dl_da, da_dz = compute.output_delta(spec.loss, activation, z, a, targets)
        else:
            delta, dl_da, da_dz = compute.hidden_delta(upper[0], upper[1], activation, z, a)
        dw, db = compute.parameter_gradients(delta, a_prev, scale)
        if spec.biased is not None and not spec.biased[layer]:
            db = _NO_BIAS
        return delta, dl_da, da_dz, dw, db
    if upper is None:
        delta, dl_da, da_dz = mistakes.output_delta(mistake, spec.loss, activation, z, a, targets)
    else:
        delta, dl_da, da_dz = mistakes.hidden_delta(
            mistake, upper[0], upper[1], upper[2], spec.learning_rate, activation, z, a
        )
    dw, db = mistakes.parameter_gradients(mistake, delta, a_prev, scale, a_prev.shape[0])
    if spec.biased is not None and not spec.biased[layer]:
        db = _NO_BIAS
    return delta, dl_da, da_dz, dw, db


def backward_pass(
    spec: BackwardSpec,
    weights: Sequence[Array],
    zs: Sequence[Array],
    acts: Sequence[Array],
    targets: Array,
    scale: float,
) -> list[LayerGradients]:
    """Every layer's gradients, last layer first, as the stages compute them; ``acts`` starts
    with the input x (``acts[k]`` is layer k's input, ``acts[k + 1]`` its output)."""
    out: list[LayerGradients] = []
    upper: tuple[Array, Array, Array] | None = None
    for layer in range(len(weights) - 1, -1, -1):
        grads = backward_layer(spec, layer, zs[layer], acts[layer + 1], acts[layer], targets, upper, scale)
        out.append(grads)
        upper = (grads[0], weights[layer], grads[3])
    return out


def forward_pass(
    weights: Sequence[Array], biases: Sequence[Array], activations: Sequence[str], x: Array
) -> tuple[list[Array], list[Array]]:
    """(zs, acts) of every layer, ``acts`` starting with x, as the forward stages compute them."""
    zs: list[Array] = []
    acts = [x]
    for w, b, activation in zip(weights, biases, activations, strict=True):
        z = compute.affine(acts[-1], w, b)
        zs.append(z)
        acts.append(ACTIVATIONS[activation].forward(z))
    return zs, acts


Backprop = Callable[
    [Array, Array, list[Array], list[Array]],
    tuple[float, list[Array], list[Array], list[Array], list[Array]],
]


def backprop_function(spec: BackwardSpec, samples: int) -> Backprop:
    """A function ``(x, y, weights, biases) -> (loss, zs, activations, dWs, dbs)`` for whole
    iterations on bare arrays (``activations`` starts with the input x; dWs in layer order).

    The forward stages' arithmetic, then :func:`backward_pass`, with every look-up done here
    once: on a tiny network the look-ups cost as much as the arithmetic. It uses the
    activations' unguarded forms, so call it under ``np.errstate(over="ignore")``.
    """
    forwards = tuple(forward_unguarded(name) for name in spec.activations)
    value = loss_function(spec.loss)
    full_scale = batch_scale(spec.loss, samples)
    affine = compute.affine

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
        batch = x.shape[0]
        scale = full_scale if batch == samples else batch_scale(spec.loss, batch)
        dws = []
        dbs = []
        for grads in reversed(backward_pass(spec, weights, zs, acts, y, scale)):
            dws.append(grads[3])
            dbs.append(grads[4])
        return value(z, a, y), zs, acts, dws, dbs

    return backprop
