"""The engine's full-batch step from given parameters, correct or with catalogue mistakes: the
reference the learner's step is compared with and the candidates the diagnosis tries."""

from __future__ import annotations

from dataclasses import replace

from engine.core import mistakes as catalogue
from engine.core.compute import forward_layer, optimizer_step
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
    from the hidden layers' loop and makes it in one of them only. The same catalogue
    functions as teaching mode's, layer by layer.
    """
    activations = [layer.activation for layer in config.layers]
    lr = config.optimizer.learning_rate
    acts, zs = [config.x], []
    for p, activation in zip(params, activations, strict=True):
        z, a = forward_layer(p, acts[-1], activation)
        zs.append(z)
        acts.append(a)
    n = len(params)
    batch = config.x.shape[0]
    scale = batch_scale(config.loss, batch)
    grads: list[LayerParams] = [params[k] for k in range(n)]  # placeholders, each replaced below
    delta, _, _ = catalogue.output_delta(names[-1], config.loss, activations[-1], zs[-1], acts[-1], config.y)
    for layer in range(n - 1, -1, -1):
        if layer < n - 1:
            delta, _, _ = catalogue.hidden_delta(
                names[layer],
                delta,
                params[layer + 1].weights,
                grads[layer + 1].weights,
                lr,
                activations[layer],
                zs[layer],
                acts[layer + 1],
            )
        dw, db = catalogue.parameter_gradients(names[layer], delta, acts[layer], scale, batch)
        grads[layer] = LayerParams(dw, db)
    after, _ = optimizer_step(config.optimizer, params, tuple(grads), OptimizerState())  # sgd
    return after, tuple(grads)
