"""What a session hands out: the cursor's snapshot, run results and breakpoints."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

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
        return self._shown

    @cached_property
    def _shown(self) -> IterationRecord:
        # Compared once a snapshot: the window asks about seven times a redraw, and comparing
        # 784-256-256-10's parameters took 2 ms each time. (Its arrays are read-only.)
        previous = self.previous
        if self.stage > 0 or previous is None or previous.update is None:
            return self.record
        same = all(
            np.array_equal(a.weights, b.weights, equal_nan=True)
            and np.array_equal(a.bias, b.bias, equal_nan=True)
            for a, b in zip(previous.update.params_after, self.params, strict=True)
        )
        return previous if same else self.record


@dataclass(frozen=True)
class PositionName:
    """How the window names a cursor position: see :func:`name_position`."""

    iteration: int  # the iteration shown (0-based)
    done: int  # how many of its stages are done (0 .. len(stages))
    updates: int  # updates applied since the initial parameters
    text: str  # e.g. "iteration 499 · after Update · 500 updates done"


def name_position(snap: Snapshot) -> PositionName:
    """Name the cursor's position: the one rule the strip, history, status bar and chain use.

    Iterations are 0-based. At the start of iteration k the cursor shows iteration k - 1
    complete (its Update done), as :meth:`Snapshot.shown_record` does, unless a parameter was
    edited since; the number of updates applied is said in words.

    Parameters
    ----------
    snap
        The cursor's snapshot.

    Returns
    -------
    PositionName
        The iteration shown, its stages done, the updates applied and the text.
    """
    stages = len(snap.stages)
    if snap.stage == 0 and snap.previous is not None and snap.shown_record() is snap.previous:
        iteration, done = snap.iteration - 1, stages
    else:
        iteration, done = snap.iteration, snap.stage
    where = "not started" if done == 0 else f"after {snap.stages[done - 1].label}"
    updates = snap.iteration
    noun = "update" if updates == 1 else "updates"
    text = f"iteration {iteration} · {where} · {updates} {noun} done"
    return PositionName(iteration, done, updates, text)
