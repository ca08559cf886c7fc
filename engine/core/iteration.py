"""One iteration stage by stage: each stage takes the record so far and returns it with one
more stage, computed by the same functions the fast path of a long run calls."""

from __future__ import annotations

from dataclasses import replace

from engine.core import compute
from engine.core.backprop import BackwardSpec, backward_layer
from engine.core.config import OptimizerConfig
from engine.core.losses import batch_scale, loss_value
from engine.core.records import (
    BackwardRecord,
    ForwardRecord,
    IterationRecord,
    LayerParams,
    LossRecord,
    OptimizerState,
    UpdateRecord,
)


def forward_stage(rec: IterationRecord, layer: int, activation: str) -> IterationRecord:
    """z = a_prev @ W.T + b and a = f(z) of ``layer``."""
    a_prev = rec.activation_in(layer)
    assert a_prev is not None  # the stages run in order
    z, a = compute.forward_layer(rec.params[layer], a_prev, activation)
    return replace(rec, forward=(*rec.forward, ForwardRecord(layer, z, a)))


def loss_stage(rec: IterationRecord, loss: str, activation: str) -> IterationRecord:
    """The batch loss and the output's dℓ/da (or, fused, δ = dℓ/dz) per sample."""
    out = rec.forward[-1]
    value = loss_value(loss, out.z, out.a, rec.targets)
    delta, dl_da, _ = compute.output_delta(loss, activation, out.z, out.a, rec.targets)
    fused = delta if dl_da is None else None
    return replace(rec, loss=LossRecord(value, dl_da, fused))


def backward_stage(rec: IterationRecord, layer: int, spec: BackwardSpec) -> IterationRecord:
    """δ, dW and db of ``layer`` through the one backward pass (with the spec's mistake)."""
    fwd = rec.forward[layer]
    upper = None
    if layer < len(rec.params) - 1:
        above = rec.backward[-1]
        upper = (above.delta, rec.params[layer + 1].weights, above.dW)
    a_prev = rec.activation_in(layer)
    assert a_prev is not None
    scale = batch_scale(spec.loss, rec.inputs.shape[0])
    delta, dl_da, da_dz, dw, db = backward_layer(spec, layer, fwd.z, fwd.a, a_prev, rec.targets, upper, scale)
    return replace(rec, backward=(*rec.backward, BackwardRecord(layer, dl_da, da_dz, delta, dw, db)))


def update_stage(rec: IterationRecord, optimizer: OptimizerConfig, state: OptimizerState) -> IterationRecord:
    """The optimizer's update from the record's gradients and the state at the iteration's start."""
    grads = tuple(LayerParams(b.dW, b.db) for b in reversed(rec.backward))
    after, new_state, steps = compute.optimizer_update(optimizer, rec.params, grads, state)
    update = UpdateRecord(rec.params, after, state, new_state, optimizer.learning_rate, steps)
    return replace(rec, update=update)


def compute_stage(
    rec: IterationRecord, s: int, spec: BackwardSpec, optimizer: OptimizerConfig, state: OptimizerState
) -> IterationRecord:
    """Stage ``s`` (0-based, of 2L + 2) of the record's iteration."""
    n = len(spec.activations)
    if s < n:
        return forward_stage(rec, s, spec.activations[s])
    if s == n:
        return loss_stage(rec, spec.loss, spec.activations[-1])
    if s < 2 * n + 1:
        return backward_stage(rec, 2 * n - s, spec)
    return update_stage(rec, optimizer, state)
