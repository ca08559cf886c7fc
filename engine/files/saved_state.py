"""The session file's ``state`` field: where a saved live session had got to."""

from __future__ import annotations

from typing import Any

import numpy as np

from engine.core.config import LayerConfig, SavedState
from engine.core.records import OptimizerState, Params
from engine.errors import GradstepError
from engine.files.fields import int_at_least, known_keys, object_, params_list

# the buffers each optimizer keeps between updates, in state.optimizer
_BUFFERS = {"sgd": (), "momentum": ("first",), "adam": ("first", "second")}


def parse_state(
    raw: Any, layers: tuple[LayerConfig, ...], sizes: tuple[int, ...], optimizer: str
) -> SavedState:
    """The saved iteration and optimizer state, refusing a state the optimizer would silently
    restart (see ``_check_buffers``) and a negative Adam second moment."""
    state = object_(raw, "state")
    known_keys(state, "state", {"iteration", "optimizer"})
    if any(layer.weights is None or (layer.bias is None and layer.has_bias) for layer in layers):
        raise GradstepError(
            "state: a saved state needs explicit weights in every layer and a bias in every layer "
            "that has biases",
            "state",
        )
    iteration = int_at_least(state.get("iteration", 0), "state.iteration", 0)
    opt = object_(state.get("optimizer", {}), "state.optimizer")
    known_keys(opt, "state.optimizer", {"step", "first", "second"})
    step = int_at_least(opt.get("step", 0), "state.optimizer.step", 0)
    buffers = {key: opt.get(key) for key in ("first", "second")}
    _check_buffers(buffers, step, optimizer)
    first = second = None
    biased = tuple(layer.has_bias for layer in layers)
    if buffers["first"] is not None:
        first = params_list(buffers["first"], "state.optimizer.first", sizes, biased)
    if buffers["second"] is not None:
        second = params_list(buffers["second"], "state.optimizer.second", sizes, biased)
        _check_second_moment(second)
    return SavedState(iteration, OptimizerState(step, first, second))


def _check_buffers(buffers: dict[str, Any], step: int, optimizer: str) -> None:
    """Refuse a state the optimizer would silently restart: a null or missing buffer after
    updates (momentum's velocity back to the gradient, Adam's moments back to zero), or Adam's
    moments without the step count its bias correction divides by."""
    kept = _BUFFERS[optimizer]
    for key, value in buffers.items():
        where = f"state.optimizer.{key}"
        if value is not None and key not in kept:
            raise GradstepError(f"{where}: {optimizer} keeps no such buffer", where)
        if value is None and key in kept and step > 0:
            raise GradstepError(
                f"{where}: missing or null after {step} updates ({optimizer} keeps it between updates)", where
            )
    if optimizer == "adam" and step == 0 and any(v is not None for v in buffers.values()):
        raise GradstepError(
            "state.optimizer.step: missing or 0 beside Adam's moments (its bias correction needs "
            "the number of updates they come from)",
            "state.optimizer.step",
        )


def _check_second_moment(second: Params) -> None:
    for k, layer in enumerate(second):
        for name, values in (("weights", layer.weights), ("bias", layer.bias)):
            bad = np.argwhere(values < 0)
            if bad.size:
                index = "".join(f"[{i}]" for i in bad[0])
                where = f"state.optimizer.second[{k}].{name}"
                raise GradstepError(
                    f"{where}{index}: Adam's second moment is a mean of squares and cannot be "
                    f"negative, got {values[tuple(bad[0])]!r}",
                    where,
                )
