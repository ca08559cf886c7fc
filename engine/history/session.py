"""A live debugging session: stage-by-stage training with time travel.

The cursor is (iteration k, stage s): the parameters P_k at the start of iteration k and the
first s of its 2L + 2 stages computed. Every stage is a deterministic function of P_k, the
optimizer state and iteration k's batch (itself a function of the seed and k), so history
is kept as sparse checkpoints of (P_k, optimizer state) (``checkpoints.py``) and anything in
between is recomputed, bit for bit, on demand. Long runs go through ``runner.py``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from engine.core import compute
from engine.core.backprop import BackwardSpec, backprop_function
from engine.core.config import SessionConfig
from engine.core.iteration import compute_stage
from engine.core.quiet import quiet
from engine.core.records import IterationRecord, LayerParams, OptimizerState, ParameterRef, Params
from engine.core.stages import Stage, iteration_stages, stages_done, truncate
from engine.errors import GradstepError
from engine.explain.memo import ExplainMemo
from engine.files.jsonio import dumps, write_atomic
from engine.files.session_file import session_json
from engine.history import runner
from engine.history.batches import Batches
from engine.history.checkpoints import BASE_CHECKPOINT_INTERVAL, RECENT_RECORDS, Checkpoints, RecentRecords
from engine.history.metrics import Metrics, frobenius_norms
from engine.history.snapshot import Breakpoints, IterationSummary, RunResult, Snapshot

if TYPE_CHECKING:
    from engine.explain.chain import ChainExplanation

Array = NDArray[np.float64]

DEFAULT_HISTORY_BYTES = 400 * 1024 * 1024
__all__ = ["BASE_CHECKPOINT_INTERVAL", "DEFAULT_HISTORY_BYTES", "RECENT_RECORDS", "Session"]

# (parameters after, optimizer state after, loss, (zs, as), gradients) of one whole iteration
FastIteration = tuple[Params, OptimizerState, float, tuple[list[Array], list[Array]], Params]


class _Stopped(Exception):
    """A replay was asked to stop (see Session.prepare)."""


class Session:
    """Training of one network, steppable stage by stage and reversible.

    Parameters
    ----------
    config
        A validated session (see :func:`engine.parse_session`).
    history_bytes
        Budget for history checkpoints; when exceeded the checkpoint interval doubles.
    track_gradient_norms
        Record each layer's ||dW|| for every iteration (for the window's plot).
    """

    def __init__(
        self,
        config: SessionConfig,
        *,
        history_bytes: int = DEFAULT_HISTORY_BYTES,
        track_gradient_norms: bool = False,
    ) -> None:
        self.config = config
        self.stages = iteration_stages(len(config.layers))
        self._n = len(config.layers)
        self._activations = tuple(layer.activation for layer in config.layers)
        self._batches = Batches(config)
        self._spec = BackwardSpec(
            config.loss,
            self._activations,
            config.optimizer.learning_rate,
            config.mistake,
            biased=config.biased,
        )
        # called under the quiet of run_iterations, goto and iteration_record
        self._backprop = backprop_function(self._spec, self._batches.samples)
        self._track_norms = track_gradient_norms
        self._explained = ExplainMemo()  # what the stages of an iteration's explanations share

        params = compute.init_params(config)
        opt = config.state.optimizer if config.state is not None else OptimizerState()
        self.start_iteration = config.state.iteration if config.state is not None else 0
        self._checkpoints = Checkpoints(self.start_iteration, history_bytes)
        self._recent = RecentRecords()
        self._metrics = Metrics(self.start_iteration, self._n)
        self._work: IterationRecord
        self._checkpoints.add(self.start_iteration, params, opt)
        self._begin(self.start_iteration, params, opt)

    # ---- reading the state ----

    @property
    def iteration(self) -> int:
        """The iteration the cursor is in (the number of updates done, counting loaded ones)."""
        return self._k

    @property
    def stage(self) -> int:
        """How many stages of the current iteration are done (0 .. 2L + 1)."""
        return self._s

    @property
    def position(self) -> int:
        """Stages executed since the session's first iteration."""
        return (self._k - self.start_iteration) * len(self.stages) + self._s

    @property
    def params(self) -> Params:
        """The parameters of the current iteration, before its update (read-only arrays)."""
        return self._params

    @property
    def optimizer_state(self) -> OptimizerState:
        """The optimizer state at the start of the current iteration."""
        return self._opt

    @property
    def next_stage(self) -> Stage:
        """The stage :meth:`step` runs next."""
        return self.stages[self._s]

    def record(self) -> IterationRecord:
        """The current iteration's record up to the cursor."""
        return truncate(self._work, self._s)

    def snapshot(self) -> Snapshot:
        """An immutable view of the cursor's state for drawing."""
        previous = None
        if self._k > self.start_iteration:
            previous = self.iteration_record(self._k - 1)
        return Snapshot(
            iteration=self._k,
            stage=self._s,
            stages=self.stages,
            record=self.record(),
            previous=previous,
            params=self._params,
            optimizer_state=self._opt,
            position=self.position,
        )

    def losses(self) -> tuple[NDArray[np.int64], Array]:
        """(iterations, losses) of every iteration whose loss has been computed, in order."""
        return self._metrics.losses()

    def last_loss(self) -> tuple[int, float] | None:
        """(iteration, loss) of the latest iteration whose loss is known, without copying them all."""
        return self._metrics.last_loss()

    def gradient_norms(self) -> tuple[NDArray[np.int64], Array]:
        """(iterations, norms) with norms[i, l] = ||dW_l|| at that iteration (needs tracking on)."""
        return self._metrics.gradient_norms()

    @quiet
    def predict(self, inputs: Array, params: Params | None = None) -> Array:
        """The network's output for ``inputs`` (rows are samples), by default with the current
        parameters: the window's decision-boundary surface is drawn from this."""
        a = np.asarray(inputs, dtype=np.float64)
        if a.ndim != 2 or a.shape[1] != self.config.inputs:
            raise GradstepError(f"inputs: expected shape (n, {self.config.inputs}), got {a.shape}")
        for p, act in zip(params or self._params, self._activations, strict=True):
            a = compute.forward_layer(p, a, act)[1]
        return a

    def batch_indices(self, iteration: int) -> NDArray[np.intp]:
        """The samples of ``iteration``'s batch: all of them, or the seeded shuffled mini-batch."""
        return self._batches.indices(iteration)

    def history_bytes(self) -> int:
        """Bytes held by history checkpoints (an upper bound: arrays may be shared): within the
        budget, and one start more (the one kept beside the cursor)."""
        return self._checkpoints.total_bytes

    @property
    def checkpoint_interval(self) -> int:
        """Iterations between history checkpoints (grows to keep within the budget)."""
        return self._checkpoints.interval

    # ---- moving the cursor ----

    @quiet
    def step(self) -> Stage:
        """Run the next stage and return it; after the update the cursor enters the next iteration."""
        stage = self.stages[self._s]
        self._ensure(self._s + 1)
        if self._s + 1 == len(self.stages):
            self._advance()
        else:
            self._s += 1
        return stage

    def back(self, count: int = 1) -> int:
        """Step back ``count`` stages (not before the session's start); returns how many."""
        target = max(0, self.position - count)
        moved = self.position - target
        self.goto_position(target)
        return moved

    def goto_position(self, position: int) -> None:
        """Move to ``position`` stages after the session's start, forwards or backwards."""
        if position < 0:
            raise GradstepError(f"position must be non-negative, got {position}")
        k, s = divmod(position, len(self.stages))
        self.goto(self.start_iteration + k, s)

    @quiet
    def goto(self, iteration: int, stage: int = 0) -> None:
        """Move the cursor to ``stage`` stages into ``iteration``, recomputing what is needed."""
        self._check_iteration(iteration)
        if not 0 <= stage < len(self.stages):
            raise GradstepError(f"stage must be in 0..{len(self.stages) - 1}, got {stage}")
        if iteration != self._k:
            params, opt = self._start_of(iteration)
            self._begin(iteration, params, opt)
        self._ensure(stage)
        self._s = stage

    def finish_iteration(self) -> None:
        """Run the remaining stages of the current iteration, through its update."""
        while True:
            stage = self.step()
            if stage.kind == "update":
                return

    @quiet
    def iteration_record(self, iteration: int) -> IterationRecord:
        """The complete record (every stage, update included) of a past or future iteration."""
        record = self._recent.use(iteration)
        if record is not None:
            return record
        if iteration == self._k and stages_done(self._work) == len(self.stages):
            return self._work
        params, opt = self._start_of(iteration)
        record = self._batches.record(iteration, params)
        for s in range(len(self.stages)):
            record = self._compute_stage(record, s, opt)
        self._recent.keep(record)
        return record

    # ---- running ----

    @quiet
    def run_iterations(
        self,
        count: int,
        breakpoints: Breakpoints | None = None,
        *,
        should_stop: Callable[[], bool] | None = None,
        on_iteration: Callable[[IterationSummary], None] | None = None,
    ) -> RunResult:
        """Run ``count`` updates (finishing the current iteration first if it is under way),
        stopping early at a breakpoint or when ``should_stop()`` answers True.

        Whole iterations run on a fast path with cheap checks (the loss every iteration, all
        parameters every few); when a check fires, the iterations since the last clean state
        are replayed stage by stage so the run stops exactly where the condition first held,
        like an anomaly detector.
        """
        return runner.run(self, count, breakpoints or Breakpoints(), should_stop, on_iteration)

    # ---- editing ----

    @quiet
    def set_parameter(self, ref: ParameterRef, value: float) -> None:
        """Set one weight or bias of the current iteration's parameters.

        History after this point is discarded (a new branch starts here); stages of the
        current iteration that depended on the parameter are invalidated and the cursor
        moves back to the first of them.
        """
        ref.check(self.config.sizes, self.config.biased)
        if not math.isfinite(value):
            raise GradstepError(f"value must be a finite number, got {value}")
        params = ref.replaced_in(self._params, value)
        k = self._k
        self._checkpoints.drop_after(k)
        self._recent.drop_from(k)
        self._metrics.forget_from(k)
        self._checkpoints.pin(k, params, self._opt)
        keep = min(self._s, ref.layer)  # forward stages of earlier layers do not depend on it
        old = self._work
        self._begin(k, params, self._opt)
        self._work = replace(self._work, forward=old.forward[:keep])
        self._s = keep

    def forget_future(self) -> None:
        """Forget the history after the current iteration (a new branch starts here): stepping
        on recomputes it from the current state, as a session saved now would.

        Recording a walkthrough starts here, so an edit made in a later iteration before
        going back cannot reappear in the recording and not in its replay.
        """
        k = self._k
        self._checkpoints.drop_after(k)
        self._recent.drop_from(k + 1)
        self._metrics.forget_from(k + 1)

    # ---- explaining ----

    @quiet
    def explain(self, ref: ParameterRef, record: IterationRecord | None = None) -> ChainExplanation:
        """The chain-rule breakdown of one parameter's gradient in ``record`` (default: the
        current iteration up to the cursor; factors not yet computed are None)."""
        from engine.explain.chain import explain  # on first use: launch explains nothing

        ref.check(self.config.sizes, self.config.biased)
        record = record if record is not None else self.record()
        memo = self._explained
        fd = memo.finite_difference(record, ref, self.config, compute.batch_loss)
        upstream = memo.upstream(record, ref, self.config)
        return explain(record, ref, self.config, compute.batch_loss, fd, upstream)

    # ---- saving ----

    def to_json(self) -> dict[str, Any]:
        """The session file of the current state: loading it continues from this iteration."""
        return session_json(self.config, self._params, self._opt, self._k)

    def _repr_html_(self) -> str:
        """Jupyter's display: the session and its cursor (:func:`engine.notebook.session_text`)."""
        from engine.notebook import session_text, session_title, text_html

        return text_html(session_title(self), session_text(self))

    def _repr_markdown_(self) -> str:
        from engine.notebook import session_text, session_title, text_markdown

        return text_markdown(session_title(self), session_text(self))

    def save(self, path: str | Path) -> None:
        """Write the session atomically; a CSV data path is rewritten relative to ``path``."""
        path = Path(path)
        data = self.to_json()
        if "csv" in self.config.data:
            source = Path(self.config.data["csv"])
            if not source.is_absolute():
                source = (self.config.base_dir or Path.cwd()) / source
            try:
                data["data"] = {
                    **data["data"],
                    "csv": str(source.resolve().relative_to(path.resolve().parent)),
                }
            except ValueError:
                data["data"] = {**data["data"], "csv": str(source.resolve())}
        write_atomic(path, dumps(data))

    # ---- internals (the run loop in runner.py uses them too) ----

    def _begin(self, k: int, params: Params, opt: OptimizerState) -> None:
        self._k = k
        self._s = 0
        self._params = params
        self._opt = opt
        self._work = self._batches.record(k, params)

    def _ensure(self, stages: int) -> None:
        """Compute the current iteration's stages up to ``stages`` (reusing those done)."""
        done = stages_done(self._work)
        for s in range(done, stages):
            self._work = self._compute_stage(self._work, s, self._opt)
        if stages_done(self._work) == len(self.stages):
            self._recent.keep(self._work)

    def _advance(self) -> None:
        update = self._work.update
        assert update is not None
        self._begin(self._k + 1, *self._checkpoint_or(self._k + 1, update.params_after, update.state_after))

    def _checkpoint_or(self, k: int, params: Params, opt: OptimizerState) -> tuple[Params, OptimizerState]:
        """The start of iteration k: a pinned (edited) checkpoint wins over the computed one."""
        if k in self._checkpoints:
            return self._checkpoints[k]
        if self._checkpoints.due(k):
            self._checkpoints.add(k, params, opt)
        return params, opt

    def replay_length(self, iteration: int) -> int:
        """How many iterations a jump to ``iteration`` and the snapshot there (which shows the
        iteration before complete) recompute from the nearest kept start (0: all at hand), so a
        window can tell a long jump from a short one."""
        self._check_iteration(iteration)
        to_start = iteration - self._nearest_start(iteration)[0]
        if to_start or not self._needs_previous(iteration):
            return to_start  # a replay to its start passes the iteration before and keeps it
        return iteration - 1 - self._nearest_start(iteration - 1)[0]

    @quiet
    def prepare(self, iteration: int, should_stop: Callable[[], bool] | None = None) -> bool:
        """Recompute the start of ``iteration`` and keep what a jump there then needs (the
        start of the iteration before, which its snapshot shows complete): a goto there costs
        an iteration, not a replay. False if ``should_stop()`` answered True first (what was
        recomputed until then is kept; nothing the session shows changes)."""
        self._check_iteration(iteration)
        try:
            if iteration - self._nearest_start(iteration)[0]:
                self._start_of(iteration, should_stop)  # keeps the start of the one before
            elif self._needs_previous(iteration):
                params, opt = self._start_of(iteration - 1, should_stop)
                self._checkpoints.keep_extra(iteration - 1, params, opt)
        except _Stopped:
            return False
        return True

    def _check_iteration(self, iteration: int) -> None:
        if iteration < self.start_iteration:
            raise GradstepError(
                f"iteration {iteration} is before this session's start ({self.start_iteration})"
            )

    def _needs_previous(self, iteration: int) -> bool:
        """Whether the snapshot at ``iteration`` would recompute the record of the iteration
        before (it shows it complete) from a kept start."""
        k = iteration - 1
        if k < self.start_iteration or self._recent.peek(k) is not None or k in self._checkpoints:
            return False
        return not (k == self._k and stages_done(self._work) == len(self.stages))

    def _nearest_start(self, k: int) -> tuple[int, Params, OptimizerState]:
        """The kept or current state nearest before iteration k to recompute its start from."""
        if k in self._checkpoints:
            return (k, *self._checkpoints[k])
        if k == self._k:
            return k, self._params, self._opt
        previous = self._recent.peek(k - 1)
        if previous is not None and previous.update is not None:
            return k, previous.update.params_after, previous.update.state_after
        j, params, opt = self._checkpoints.nearest(k)
        if self._k <= k and self._k > j:
            j, params, opt = self._k, self._params, self._opt  # closer to the target
        return j, params, opt

    def _start_of(
        self, k: int, should_stop: Callable[[], bool] | None = None
    ) -> tuple[Params, OptimizerState]:
        """(P_k, optimizer state) at the start of iteration k, from the nearest earlier state
        (raises _Stopped when ``should_stop()`` answers True between two iterations)."""
        j, params, opt = self._nearest_start(k)
        for it in range(j, k):
            if should_stop is not None and should_stop():
                raise _Stopped
            if it == k - 1:
                # the snapshot at k shows iteration k - 1 complete: kept, its record is one
                # iteration away, not another replay from the same checkpoint (which had doubled
                # the cost of going back: 19 + 17 ms for 784-128-10)
                self._checkpoints.keep_extra(it, params, opt)
            params, opt, *_ = self._fast_iteration(it, params, opt)
            params, opt = self._checkpoint_or(it + 1, params, opt)
        return params, opt

    def _compute_stage(self, rec: IterationRecord, s: int, opt: OptimizerState) -> IterationRecord:
        record = compute_stage(rec, s, self._spec, self.config.optimizer, opt)
        if s == self._n and not self._track_norms:
            assert record.loss is not None
            self._metrics.record(rec.iteration, record.loss.loss, None)
        elif s == 2 * self._n and self._track_norms:  # the backward stage of layer 0
            assert record.loss is not None
            norms = frobenius_norms(b.dW for b in reversed(record.backward))
            self._metrics.record(rec.iteration, record.loss.loss, norms)
        return record

    def _fast_iteration(self, k: int, params: Params, opt: OptimizerState) -> FastIteration:
        """One whole iteration without records, through the same functions as the stages."""
        ws = [p.weights for p in params]
        bs = [p.bias for p in params]
        loss, zs, acts, dws, dbs = self._backprop(*self._batches.arrays(k), ws, bs)
        grads = tuple(LayerParams(dw, db) for dw, db in zip(dws, dbs, strict=True))
        new_params, new_opt = compute.optimizer_step(self.config.optimizer, params, grads, opt)
        norms = frobenius_norms(dws) if self._track_norms else None
        self._metrics.record(k, loss, norms)
        return new_params, new_opt, loss, (zs, acts[1:]), grads
