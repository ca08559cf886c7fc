"""A session's long runs: whole iterations on a fast path, stopped exactly at breakpoints.

Plain SGD runs on bare arrays: LayerParams, OptimizerState and the tuples around them are
built only when something keeps or shows them (a checkpoint, a finite check, a breakpoint,
the callback, the run's end), because on a tiny network building them costs as much as the
arithmetic. Other optimizers run through the session's fast iteration. Cheap checks run on
the fast path (the loss every iteration, all parameters every few); when one fires, the
iterations since the last clean state are replayed stage by stage, so the run stops exactly
where the condition first held, like an anomaly detector.

The loop is the session's own (it moves the session's cursor, checkpoints and metrics), kept
here by job; it uses the session's internal methods.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from engine import progress
from engine.core import compute
from engine.core.records import IterationRecord, LayerParams, OptimizerState, Params
from engine.history import breakpoints
from engine.history.metrics import frobenius_norms
from engine.history.snapshot import Breakpoints, IterationSummary, RunResult

if TYPE_CHECKING:
    from engine.history.session import Session

Array = NDArray[np.float64]
Callback = Callable[[IterationSummary], None]

_NO_ARRAYS: tuple[list[Array], list[Array]] = ([], [])
# an iteration's start on the fast path: k, its records (None until built), ws, bs, step
_Start = tuple[int, Params | None, OptimizerState | None, list[Array], list[Array], int]


def run(
    session: Session,
    count: int,
    bp: Breakpoints,
    should_stop: Callable[[], bool] | None,
    on_iteration: Callback | None,
) -> RunResult:
    """Run ``count`` updates of ``session`` (see :meth:`Session.run_iterations`)."""
    if count <= 0:
        return RunResult(0)  # and the cursor stays where it is, mid-iteration too
    done = 0
    if session._s > 0:
        k = session._k
        hit = finish_checked(session, bp)
        if hit is not None:
            return replace(hit, iterations=done)
        if on_iteration is not None:
            on_iteration(summary(session.iteration_record(k)))
        done = 1
    return _FastRun(session, bp, on_iteration).run(done, count, should_stop)


def finish_checked(session: Session, bp: Breakpoints) -> RunResult | None:
    """Finish the current iteration stage by stage, stopping at the first breakpoint hit."""
    last = len(session.stages) - 1
    while True:
        s = session._s
        session._ensure(s + 1)
        hit = breakpoints.stage_hit(bp, session._work, session.stages[s], session._activations)
        if s == last:
            session._advance()  # the update is done: the cursor shows it as the last stage
        else:
            session._s = s + 1
        if hit is not None or s == last:
            return hit


def run_in_chunks(session: Session, count: int, chunk: int, label: str) -> None:
    """Run ``count`` iterations ``chunk`` at a time, with a progress bar where the command line
    draws one.

    Chunks give the numbers of one run (the batches follow the iteration number); Ctrl+C
    between chunks ends the work, and a chunk that runs nothing (a breakpoint) ends it early.
    """
    bar = progress.tracked(count, label)
    try:
        done = 0
        while done < count:
            ran = session.run_iterations(min(chunk, count - done)).iterations
            if ran == 0:
                break
            done += ran
            bar.update(done)
    finally:
        bar.close()


def summary(record: IterationRecord) -> IterationSummary:
    """What a run's callback gets of a complete record."""
    assert record.loss is not None
    assert record.update is not None
    return IterationSummary(
        record.iteration,
        record.loss.loss,
        tuple(f.z for f in record.forward),
        tuple(f.a for f in record.forward),
        tuple(LayerParams(b.dW, b.db) for b in reversed(record.backward)),
        record.update.params_after,
    )


@dataclass
class _Step:
    """What one fast iteration computed; the records are built on demand."""

    loss: float
    acts: tuple[list[Array], list[Array]]
    new_ws: list[Array]
    new_bs: list[Array]
    dws: list[Array] | None = None
    dbs: list[Array] | None = None
    grads: Params | None = None
    new_params: Params | None = None
    new_opt: OptimizerState | None = None


class _FastRun:
    """The state of one run: iteration k's start as bare arrays (and records once built)."""

    def __init__(self, session: Session, bp: Breakpoints, on_iteration: Callback | None) -> None:
        self.session = session
        self.bp = bp
        self.on_iteration = on_iteration
        self.first = session._k
        self.k = session._k
        self.params: Params | None = session._params
        self.opt: OptimizerState | None = session._opt
        self.ws = [p.weights for p in session._params]
        self.bs = [p.bias for p in session._params]
        self.step = session._opt.step
        self.plain_sgd = session.config.optimizer.name == "sgd"
        self.clean = (self.k, *self.state())  # the last start known to be finite
        self.collect = on_iteration is not None
        self.check_every = 1 if self.collect else 32
        self.staged_checks = breakpoints.staged_checks(bp)
        self.keep_arrays = self.staged_checks or self.collect  # activations and gradients are looked at
        self.stopped_at_hit = False
        # the start of the last iteration run (k, params, opt, ws, bs, step), kept for the
        # session: its next snapshot shows that iteration, recomputed from there
        self.last_start: _Start | None = None

    def state(self) -> tuple[Params, OptimizerState]:
        """The start of iteration k as records (built once, when first asked for)."""
        if self.params is None:
            self.params = tuple(LayerParams(w, b) for w, b in zip(self.ws, self.bs, strict=True))
        if self.opt is None:
            self.opt = OptimizerState(self.step)
        return self.params, self.opt

    def run(self, done: int, count: int, should_stop: Callable[[], bool] | None) -> RunResult:
        session = self.session
        try:
            while done < count:
                if should_stop is not None and should_stop():
                    return RunResult(done, "stopped", f"paused at iteration {self.k}")
                result = self._iteration(done, count)
                if result is not None:
                    return result
                done += 1
        finally:
            if not self.stopped_at_hit:
                if session._k != self.k or session._s != 0:
                    session._begin(self.k, *self.state())
                if self.last_start is not None:
                    k, params, opt, ws, bs, step = self.last_start
                    if params is None:
                        params = tuple(LayerParams(w, b) for w, b in zip(ws, bs, strict=True))
                    session._checkpoints.keep_extra(k, params, opt or OptimizerState(step))
        return RunResult(done)

    def _iteration(self, done: int, count: int) -> RunResult | None:
        """One iteration on the fast path and its checks; a RunResult when the run stops."""
        step = self._compute()
        k = self.k
        if self.bp.non_finite and not math.isfinite(step.loss):
            return self._locate(k)
        if step.grads is None and self.keep_arrays:
            assert step.dws is not None
            assert step.dbs is not None
            step.grads = tuple(LayerParams(dw, db) for dw, db in zip(step.dws, step.dbs, strict=True))
        if self.staged_checks:
            hit = self._staged_check(step, done)
            if hit is not None:
                return hit
        check = self.bp.non_finite and (done % self.check_every == self.check_every - 1 or done == count - 1)
        if step.new_params is None and (check or self.collect):
            step.new_params = tuple(LayerParams(w, b) for w, b in zip(step.new_ws, step.new_bs, strict=True))
        if step.new_opt is None and check:
            step.new_opt = OptimizerState(self.step + 1)
        if check:
            assert step.new_params is not None
            assert step.new_opt is not None
            if not compute.all_finite(step.new_params):
                return self._locate(k)
            self.clean = (k + 1, step.new_params, step.new_opt)
        if self.on_iteration is not None:
            assert step.grads is not None
            assert step.new_params is not None
            acts = step.acts
            self.on_iteration(
                IterationSummary(k, step.loss, tuple(acts[0]), tuple(acts[1]), step.grads, step.new_params)
            )
        self._advance(step)
        return None

    def _compute(self) -> _Step:
        session = self.session
        k = self.k
        if not self.plain_sgd:
            new_params, new_opt, loss, acts, grads = session._fast_iteration(k, *self.state())
            new_ws = [p.weights for p in new_params]
            new_bs = [p.bias for p in new_params]
            return _Step(loss, acts, new_ws, new_bs, grads=grads, new_params=new_params, new_opt=new_opt)
        loss, zs, a_in, dws, dbs = session._backprop(*session._batches.arrays(k), self.ws, self.bs)
        norms = frobenius_norms(dws) if session._track_norms else None
        session._metrics.record(k, loss, norms)
        lr = session.config.optimizer.learning_rate
        new_ws = compute.sgd_step(self.ws, dws, lr)
        new_bs = compute.sgd_step(self.bs, dbs, lr)
        acts = (zs, a_in[1:]) if self.keep_arrays else _NO_ARRAYS
        return _Step(loss, acts, new_ws, new_bs, dws=dws, dbs=dbs)

    def _staged_check(self, step: _Step, done: int) -> RunResult | None:
        """Replay a suspicious iteration stage by stage to see whether a breakpoint holds."""
        session = self.session
        assert step.grads is not None
        if not breakpoints.suspicious(self.bp, step.loss, step.acts[1], step.grads, session._activations):
            return None
        session._begin(self.k, *self.state())
        hit = finish_checked(session, self.bp)
        if hit is not None:
            self.stopped_at_hit = True
            return replace(hit, iterations=done)
        session._begin(self.k, *self.state())  # a false alarm: the fast path goes on from here
        return None

    def _locate(self, last: int) -> RunResult:
        """Replay from the last clean start stage by stage to the first non-finite value."""
        self.stopped_at_hit = True
        session = self.session
        k, params, opt = self.clean
        session._begin(k, params, opt)
        hit: RunResult | None = None
        while session._k <= last and hit is None:
            hit = finish_checked(session, self.bp)
        if hit is None:
            hit = RunResult(0, "non_finite", f"non-finite value by iteration {last}", last)
        return replace(hit, iterations=(hit.iteration or last) - self.first)

    def _advance(self, step: _Step) -> None:
        """Move to the next iteration's start (a pinned checkpoint wins; one may be due)."""
        checkpoints = self.session._checkpoints
        self.last_start = (self.k, self.params, self.opt, self.ws, self.bs, self.step)
        self.k += 1
        self.params, self.opt, self.ws, self.bs = step.new_params, step.new_opt, step.new_ws, step.new_bs
        self.step = self.step + 1 if step.new_opt is None else step.new_opt.step
        k = self.k
        if k in checkpoints:
            self.params, self.opt = checkpoints[k]  # a pinned (edited) checkpoint wins
            self.ws = [p.weights for p in self.params]
            self.bs = [p.bias for p in self.params]
            self.step = self.opt.step
        elif checkpoints.due(k):
            checkpoints.add(k, *self.state())
