"""The engine's full-batch step from given parameters, correct or with catalogue mistakes: the
reference the learner's step is compared with and the candidates the diagnosis tries."""

from __future__ import annotations

from dataclasses import replace

from engine.core.backprop import BackwardSpec, backward_pass, forward_pass
from engine.core.compute import optimizer_step
from engine.core.config import SessionConfig
from engine.core.losses import batch_scale
from engine.core.records import LayerParams, OptimizerState, Params

_CORRECT = ""  # a name no catalogue function knows: the layer is computed correctly


def _step(config: SessionConfig, params: Params, mistake: str | None) -> tuple[Params, Params]:
    """(parameters after one full-batch step, gradients) from ``params``, as the engine
    computes them, optionally with a catalogue mistake."""
    from engine.history.session import Session

    layers = tuple(
        replace(layer, weights=p.weights, bias=p.bias) for layer, p in zip(config.layers, params, strict=True)
    )
    session = Session(replace(config, layers=layers, mistake=mistake, state=None, batch_size=None))
    record = session.iteration_record(session.start_iteration)
    assert record.update is not None
    grads = tuple(LayerParams(b.dW, b.db) for b in reversed(record.backward))
    return record.update.params_after, grads


def _layered_step(config: SessionConfig, params: Params, names: tuple[str, ...]) -> tuple[Params, Params]:
    """(parameters after one full-batch step, gradients) with catalogue mistake ``names[k]``
    made in layer ``k`` alone (``_CORRECT``: that layer computed correctly).

    Teaching mode makes a mistake in every layer; a learner often writes the output layer apart
    from the hidden layers' loop and makes it in one of them only. The engine's one backward
    pass, with the mistake confined to those layers.
    """
    activations = tuple(layer.activation for layer in config.layers)
    per_layer = tuple(name if name != _CORRECT else None for name in names)
    spec = BackwardSpec(
        config.loss, activations, config.optimizer.learning_rate, per_layer=per_layer, biased=config.biased
    )
    weights = [p.weights for p in params]
    zs, acts = forward_pass(weights, [p.bias for p in params], activations, config.x)
    layer_grads = backward_pass(
        spec, weights, zs, acts, config.y, batch_scale(config.loss, config.x.shape[0])
    )
    grads = tuple(LayerParams(g[3], g[4]) for g in reversed(layer_grads))
    after, _ = optimizer_step(config.optimizer, params, grads, OptimizerState())  # sgd
    return after, grads
