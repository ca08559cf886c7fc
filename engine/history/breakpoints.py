"""Breakpoints: which stage of a record first meets a condition that stops a run."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from engine.core.records import IterationRecord, Params
from engine.core.stages import Stage
from engine.history.snapshot import Breakpoints, RunResult

Array = NDArray[np.float64]


def hit(reason: str, message: str, k: int, stage: Stage, layer: int | None) -> RunResult:
    """A run stopped at iteration k, ``stage`` (and ``layer``) for ``reason``."""
    return RunResult(0, reason, message, k, stage, layer)


def stage_hit(
    bp: Breakpoints, rec: IterationRecord, stage: Stage, activations: tuple[str, ...]
) -> RunResult | None:
    """The breakpoint the stage just computed into ``rec`` meets, if any."""
    where = f"iteration {rec.iteration}, stage {stage.label}"
    if stage.kind == "forward":
        return _forward_hit(bp, rec, stage, where, activations)
    if stage.kind == "loss":
        return _loss_hit(bp, rec, stage, where)
    if stage.kind == "backward":
        return _backward_hit(bp, rec, stage, where)
    return _update_hit(bp, rec, stage, where)


def _forward_hit(
    bp: Breakpoints, rec: IterationRecord, stage: Stage, where: str, activations: tuple[str, ...]
) -> RunResult | None:
    fwd = rec.forward[-1]
    layer = fwd.layer
    if bp.non_finite:
        for name, arr in (("z", fwd.z), ("a", fwd.a)):
            if not np.isfinite(arr).all():
                message = f"non-finite {name} in layer {layer} at {where}"
                return hit("non_finite", message, rec.iteration, stage, layer)
    if bp.dead_relu and activations[layer] == "relu" and not fwd.a.any():
        message = f"every ReLU unit of layer {layer} is dead at {where}"
        return hit("dead_relu", message, rec.iteration, stage, layer)
    return None


def _loss_hit(bp: Breakpoints, rec: IterationRecord, stage: Stage, where: str) -> RunResult | None:
    assert rec.loss is not None
    loss = rec.loss.loss
    if bp.non_finite and not math.isfinite(loss):
        return hit("non_finite", f"non-finite loss ({loss}) at {where}", rec.iteration, stage, None)
    if bp.loss_below is not None and loss < bp.loss_below:
        message = f"loss {loss:.6g} is below {bp.loss_below:g} at {where}"
        return hit("loss_below", message, rec.iteration, stage, None)
    return None


def _backward_hit(bp: Breakpoints, rec: IterationRecord, stage: Stage, where: str) -> RunResult | None:
    b = rec.backward[-1]
    if bp.non_finite:
        for name, arr in (("delta", b.delta), ("dW", b.dW), ("db", b.db)):
            if not np.isfinite(arr).all():
                message = f"non-finite {name} in layer {b.layer} at {where}"
                return hit("non_finite", message, rec.iteration, stage, b.layer)
    if bp.grad_norm_above is not None:
        norm = float(np.linalg.norm(b.dW))
        if norm > bp.grad_norm_above:
            message = f"||dW|| of layer {b.layer} is {norm:.6g}, above {bp.grad_norm_above:g}, at {where}"
            return hit("grad_norm_above", message, rec.iteration, stage, b.layer)
    return None


def _update_hit(bp: Breakpoints, rec: IterationRecord, stage: Stage, where: str) -> RunResult | None:
    if not bp.non_finite:
        return None
    assert rec.update is not None
    for layer, p in enumerate(rec.update.params_after):
        if not (np.isfinite(p.weights).all() and np.isfinite(p.bias).all()):
            message = f"non-finite parameter in layer {layer} after {where}"
            return hit("non_finite", message, rec.iteration, stage, layer)
    return None


def staged_checks(bp: Breakpoints) -> bool:
    """Whether ``bp`` has a condition the fast path can only suspect, not locate."""
    return bp.loss_below is not None or bp.grad_norm_above is not None or bp.dead_relu


def suspicious(
    bp: Breakpoints,
    loss: float,
    outputs: list[Array],
    grads: Params,
    activations: tuple[str, ...],
) -> bool:
    """Whether a whole iteration may have hit a loss, gradient-norm or dead-ReLU breakpoint
    (``outputs`` are each layer's activations a)."""
    if bp.loss_below is not None and loss < bp.loss_below:
        return True
    if bp.grad_norm_above is not None and any(
        float(np.linalg.norm(g.weights)) > bp.grad_norm_above for g in grads
    ):
        return True
    return bp.dead_relu and any(act == "relu" and not outputs[i].any() for i, act in enumerate(activations))
