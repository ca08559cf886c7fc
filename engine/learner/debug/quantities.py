"""What a line of backprop can compute: every quantity of one iteration, correct (from the
engine's session) and as each catalogue mistake computes it (from the catalogue's functions).

Arrays are in Gradstep's orientation: samples as rows, weights (out, in), biases (units,).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from engine.core.backprop import BackwardSpec, backward_pass
from engine.core.backprop import forward_pass as core_forward
from engine.core.config import SessionConfig
from engine.core.losses import batch_scale, loss_value
from engine.core.mistakes import MISTAKES, applicable
from engine.core.records import Params
from engine.history.session import Session
from engine.learner.diagnosis import PER_LAYER_MISTAKES

Array = NDArray[np.float64]

CORRECT = ""  # a name no catalogue function knows: that layer is computed correctly


@dataclass(frozen=True)
class Quantity:
    """One quantity: ``kind`` (``z``, ``a``, ``loss``, ``dl_da``, ``da_dz``, ``delta``, ``dW``,
    ``db``, ``step_W``, ``step_b``, ``W``, ``b`` for the new parameters), its layer (None for
    the loss) and its value."""

    kind: str
    layer: int | None
    value: Array

    # W_before and b_before are the parameters the iteration started from

    @property
    def label(self) -> str:
        return self.kind if self.layer is None else f"{self.kind}[{self.layer}]"


@dataclass(frozen=True)
class QuantitySet:
    """All quantities of one iteration as one way of computing them: correct (``mistakes``
    all CORRECT) or with a catalogue mistake in the layers it names."""

    mistakes: tuple[str, ...]
    quantities: tuple[Quantity, ...]

    @property
    def mistake(self) -> str | None:
        names = {m for m in self.mistakes if m != CORRECT}
        return names.pop() if len(names) == 1 else None

    @property
    def layers(self) -> tuple[int, ...]:
        return tuple(k for k, m in enumerate(self.mistakes) if m != CORRECT)


def iteration_config(config: SessionConfig, params: Params, x: Array, y: Array) -> SessionConfig:
    """``config`` started from ``params`` on the batch (x, y), full batch, no teaching mistake."""
    layers = tuple(
        replace(layer, weights=p.weights, bias=p.bias) for layer, p in zip(config.layers, params, strict=True)
    )
    return replace(config, layers=layers, x=x, y=y, batch_size=None, mistake=None, state=None)


def correct_quantities(config: SessionConfig) -> QuantitySet:
    """The engine's own record of one iteration of ``config`` (an :func:`iteration_config`)."""
    session = Session(config)
    record = session.iteration_record(session.start_iteration)
    assert record.loss is not None
    assert record.update is not None
    out: list[Quantity] = [Quantity("X", None, config.x), Quantity("Y", None, config.y)]
    for f in record.forward:
        out += [Quantity("z", f.layer, f.z), Quantity("a", f.layer, f.a)]
    out.append(Quantity("loss", None, np.asarray(record.loss.loss)))
    lr = config.optimizer.learning_rate
    for k, p in enumerate(record.update.params_before):
        out.append(Quantity("W_before", k, p.weights))
        if p.has_bias:  # a layer without biases has no b
            out.append(Quantity("b_before", k, p.bias))
    for b in record.backward:  # last layer first, as they are computed
        after = record.update.params_after[b.layer]
        if b.dl_da is not None:
            out.append(Quantity("dl_da", b.layer, b.dl_da))
        if b.da_dz is not None:
            out.append(Quantity("da_dz", b.layer, b.da_dz))
        out += _layer_quantities(b.layer, b.delta, b.dW, b.db, lr, after.weights, after.bias)
    return QuantitySet(tuple(CORRECT for _ in record.forward), tuple(out))


def _layer_quantities(
    layer: int, delta: Array, dw: Array, db: Array, lr: float, new_w: Array, new_b: Array
) -> list[Quantity]:
    """δ, the gradients, the steps and the new parameters of one layer; no bias quantities
    for a layer without biases (its db is empty)."""
    out = [Quantity("delta", layer, delta), Quantity("dW", layer, dw)]
    if db.shape[0]:
        out += [
            Quantity("db", layer, db),
            Quantity("step_W", layer, lr * dw),
            Quantity("step_b", layer, lr * db),
        ]
    else:
        out.append(Quantity("step_W", layer, lr * dw))
    out.append(Quantity("W", layer, new_w))
    if db.shape[0]:
        out.append(Quantity("b", layer, new_b))
    return out


def forward_pass(config: SessionConfig) -> tuple[list[Array], list[Array]]:
    """(z per layer, [x, a per layer]) of ``config``'s parameters on its batch."""
    weights, biases = _parameters(config)
    return core_forward(weights, biases, [layer.activation for layer in config.layers], config.x)


def _parameters(config: SessionConfig) -> tuple[list[Array], list[Array]]:
    weights, biases = [], []
    for layer in config.layers:
        assert layer.weights is not None
        assert layer.bias is not None
        weights.append(layer.weights)
        biases.append(layer.bias)
    return weights, biases


def mistaken_quantities(
    config: SessionConfig, names: tuple[str, ...], forward: tuple[list[Array], list[Array]] | None = None
) -> QuantitySet:
    """One iteration with catalogue mistake ``names[k]`` made in layer k (CORRECT: none),
    computed by the engine's one backward pass; forward and loss are the correct ones (pass
    :func:`forward_pass`'s result to compute them once for many mistakes)."""
    weights, biases = _parameters(config)
    lr = config.optimizer.learning_rate
    zs, acts = forward if forward is not None else forward_pass(config)
    spec = BackwardSpec(
        config.loss,
        tuple(layer.activation for layer in config.layers),
        lr,
        per_layer=tuple(name if name != CORRECT else None for name in names),
        biased=config.biased,
    )
    grads = backward_pass(spec, weights, zs, acts, config.y, batch_scale(config.loss, config.x.shape[0]))
    out: list[Quantity] = []
    for (delta, dl_da, da_dz, dw, db), layer in zip(grads, range(len(weights) - 1, -1, -1), strict=True):
        if dl_da is not None:
            out.append(Quantity("dl_da", layer, dl_da))
        if da_dz is not None:
            out.append(Quantity("da_dz", layer, da_dz))
        out += _layer_quantities(layer, delta, dw, db, lr, weights[layer] - lr * dw, biases[layer] - lr * db)
    return QuantitySet(names, tuple(out))


def mistake_variants(config: SessionConfig) -> list[tuple[str, ...]]:
    """Every way of making one catalogue mistake: in every layer (where the catalogue allows
    it), and in each layer alone."""
    sizes = config.sizes
    activations = tuple(layer.activation for layer in config.layers)
    n = len(config.layers)
    variants: list[tuple[str, ...]] = []
    for name in MISTAKES:  # a mistake in one layer alone first: it says where
        if n > 1 and name in PER_LAYER:
            for k in range(n):
                variants.append(tuple(name if j == k else CORRECT for j in range(n)))
        if applicable(name, sizes, activations, config.loss, config.biased) is None:
            variants.append(tuple(name for _ in range(n)))
    return variants


# mistakes a learner makes in one layer and not another (the output layer is often written
# apart from the hidden layers): check's list, and the halved or doubled gradient, which a
# line-by-line trace can place in one layer where check's whole-step comparison cannot
PER_LAYER = (*PER_LAYER_MISTAKES, "half_gradient", "double_gradient")


def mistake_pairs(config: SessionConfig) -> list[tuple[str, ...]]:
    """Two layers, each with its own catalogue mistake ("layer 0: activation derivative
    missing; layer 1: sum instead of mean")."""
    n = len(config.layers)
    pairs: list[tuple[str, ...]] = []
    for j in range(n):
        for k in range(j + 1, n):
            for first in PER_LAYER:
                for second in PER_LAYER:
                    names = [CORRECT] * n
                    names[j], names[k] = first, second
                    pairs.append(tuple(names))
    return pairs


def loss_values(config: SessionConfig) -> dict[str, float]:
    """The value of every loss that fits the output layer, on the iteration's forward pass."""
    zs, acts = forward_pass(config)
    z, a = zs[-1], acts[-1]
    names = ["half_sse", "mse", "sse"]
    if config.layers[-1].activation == "sigmoid":
        names += ["bce", "bce_sum"]
    if config.layers[-1].activation == "softmax":
        names = ["cross_entropy", "cross_entropy_sum"]
    with np.errstate(all="ignore"):
        return {name: loss_value(name, z, a, config.y) for name in names}
