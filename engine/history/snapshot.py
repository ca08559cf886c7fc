"""What a session hands out: the cursor's snapshot, run results and breakpoints."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from engine.core.records import IterationRecord, OptimizerState, Params, freeze
from engine.core.stages import Stage

Array = NDArray[np.float64]


@dataclass(frozen=True)
class Breakpoints:
    """Conditions that stop a run. The non-finite check is on unless switched off."""

    non_finite: bool = True
    loss_below: float | None = None
    grad_norm_above: float | None = None
    dead_relu: bool = False


@dataclass(frozen=True)
class RunResult:
    """How a run ended: ``reason`` is None when it ran all its iterations."""

    iterations: int
    reason: str | None = None
    message: str = ""
    iteration: int | None = None
    stage: Stage | None = None
    layer: int | None = None


@dataclass(frozen=True)
class IterationSummary:
    """What one iteration computed, handed to a run's ``on_iteration`` (the trace writer)."""

    iteration: int
    loss: float
    z: tuple[Array, ...]
    a: tuple[Array, ...]
    grads: Params
    params_after: Params

    def __post_init__(self) -> None:
        freeze(*self.z, *self.a)  # the run goes on from these: nobody may change them


@dataclass(frozen=True)
class Snapshot:
    """Everything a view needs to draw the cursor's state."""

    iteration: int
    stage: int
    stages: tuple[Stage, ...]
    record: IterationRecord
    previous: IterationRecord | None
    params: Params
    optimizer_state: OptimizerState
    position: int

    @property
    def last_stage(self) -> Stage | None:
        """The stage that ran last: in this iteration, or the previous one's update."""
        if self.stage > 0:
            return self.stages[self.stage - 1]
        return self.stages[-1] if self.previous is not None else None

    def shown_record(self) -> IterationRecord:
        """The record the cursor shows: the one rule every view, check and export uses.

        The current iteration's, up to the cursor; at the start of an iteration the one just
        finished instead, so its gradients and update stay visible, unless a parameter was
        edited since: then that update no longer leads to the parameters shown, and the edited
        state is what the cursor shows.
        """
        previous = self.previous
        if self.stage > 0 or previous is None or previous.update is None:
            return self.record
        same = all(
            np.array_equal(a.weights, b.weights, equal_nan=True)
            and np.array_equal(a.bias, b.bias, equal_nan=True)
            for a, b in zip(previous.update.params_after, self.params, strict=True)
        )
        return previous if same else self.record
