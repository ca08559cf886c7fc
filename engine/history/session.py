"""A live debugging session: stage-by-stage training with time travel.

The cursor is (iteration k, stage s): the parameters P_k at the start of iteration k and the
first s of its 2L + 2 stages computed. Every stage is a deterministic function of P_k, the
optimizer state and iteration k's batch (itself a function of the seed and k), so history
is kept as sparse checkpoints of (P_k, optimizer state) and anything in between is
recomputed, bit for bit, on demand.
"""

from __future__ import annotations

import bisect
import math
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from engine.core import compute
from engine.core.backprop import BackwardSpec, backprop_function, backward_layer
from engine.core.config import SessionConfig
from engine.core.losses import batch_scale, loss_value
from engine.core.quiet import quiet
from engine.core.records import (
    BackwardRecord,
    ForwardRecord,
    IterationRecord,
    LayerParams,
    LossRecord,
    OptimizerState,
    Params,
    UpdateRecord,
)
from engine.core.stages import Stage, iteration_stages, stages_done, truncate
from engine.errors import GradstepError
from engine.explain.chain import ChainExplanation, ParameterRef, explain
from engine.files.jsonio import dumps, write_atomic
from engine.files.session_file import session_json
from engine.history.snapshot import Breakpoints, IterationSummary, RunResult, Snapshot

Array = NDArray[np.float64]

DEFAULT_HISTORY_BYTES = 400 * 1024 * 1024
BASE_CHECKPOINT_INTERVAL = 16
RECENT_RECORDS = 6


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
        # read-only copies: records hand these out, and nobody may change them behind the records
        self._x = _read_only_copy(config.x)
        self._y = _read_only_copy(config.y)
        self._samples = config.x.shape[0]
        self._spec = BackwardSpec(
            config.loss, self._activations, config.optimizer.learning_rate, config.mistake
        )
        # called under the quiet of run_iterations, goto and iteration_record
        self._backprop = backprop_function(self._spec, self._samples)
        self._track_norms = track_gradient_norms
        self._mistake = config.mistake
        self._budget = history_bytes
        self._interval = BASE_CHECKPOINT_INTERVAL
        self._epoch_cache: tuple[int, NDArray[np.intp]] | None = None

        params = compute.init_params(config)
        opt = config.state.optimizer if config.state is not None else OptimizerState()
        self.start_iteration = config.state.iteration if config.state is not None else 0
        self._checkpoints: dict[int, tuple[Params, OptimizerState]] = {}
        self._history_bytes = 0
        self._checkpoint_keys: list[int] = []
        self._pinned: set[int] = {self.start_iteration}
        self._recent: OrderedDict[int, IterationRecord] = OrderedDict()
        self._work: IterationRecord
        self._losses: list[float] = []
        self._norms: list[tuple[float, ...]] = []
        self._add_checkpoint(self.start_iteration, params, opt)
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
        """The parameters of the current iteration, before its update."""
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
        n = len(self._losses)
        return np.arange(self.start_iteration, self.start_iteration + n), np.array(self._losses)

    def last_loss(self) -> tuple[int, float] | None:
        """(iteration, loss) of the latest iteration whose loss is known, without copying them all."""
        if not self._losses:
            return None
        return self.start_iteration + len(self._losses) - 1, self._losses[-1]

    def gradient_norms(self) -> tuple[NDArray[np.int64], Array]:
        """(iterations, norms) with norms[i, l] = ||dW_l|| at that iteration (needs tracking on)."""
        n = len(self._norms)
        norms = np.array(self._norms) if n else np.zeros((0, self._n))
        return np.arange(self.start_iteration, self.start_iteration + n), norms

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
        size = self.config.batch_size
        if size is None or size >= self._samples:
            return np.arange(self._samples)
        per_epoch = math.ceil(self._samples / size)
        epoch, index = divmod(iteration, per_epoch)
        if self._epoch_cache is None or self._epoch_cache[0] != epoch:
            rng = np.random.default_rng([self.config.seed, 0xBA7C4, epoch])
            self._epoch_cache = (epoch, rng.permutation(self._samples))
        return self._epoch_cache[1][index * size : (index + 1) * size]

    def history_bytes(self) -> int:
        """Bytes held by history checkpoints (an upper bound: arrays may be shared)."""
        return self._history_bytes

    @staticmethod
    def _checkpoint_bytes(params: Params, opt: OptimizerState) -> int:
        return (
            compute.params_nbytes(params)
            + compute.params_nbytes(opt.first)
            + compute.params_nbytes(opt.second)
        )

    @property
    def checkpoint_interval(self) -> int:
        """Iterations between history checkpoints (grows to keep within the budget)."""
        return self._interval

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
        if iteration < self.start_iteration:
            raise GradstepError(
                f"iteration {iteration} is before this session's start ({self.start_iteration})"
            )
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
        if iteration in self._recent:
            self._recent.move_to_end(iteration)
            return self._recent[iteration]
        if iteration == self._k and stages_done(self._work) == len(self.stages):
            return self._work
        params, opt = self._start_of(iteration)
        record = self._fresh_record(iteration, params)
        for s in range(len(self.stages)):
            record = self._compute_stage(record, s, opt)
        self._remember(record)
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
        bp = breakpoints or Breakpoints()
        done = 0
        first = self._k
        if self._s > 0 and count > 0:
            k = self._k
            hit = self._finish_checked(bp)
            if hit is not None:
                return replace(hit, iterations=done)
            if on_iteration is not None:
                on_iteration(self._summary(self.iteration_record(k)))
            done = 1
        cfg = self.config
        # Plain SGD without a mistake runs on bare arrays: LayerParams, OptimizerState and
        # the tuples around them are built only when something keeps or shows them (a
        # checkpoint, a finite check, a breakpoint, the callback, the run's end), because
        # on a tiny network building them costs as much as the arithmetic.
        plain_sgd = cfg.optimizer.name == "sgd"
        lr = cfg.optimizer.learning_rate
        sgd_step = compute.sgd_step
        backprop = self._backprop
        checkpoints = self._checkpoints
        start = self.start_iteration
        track_norms = self._track_norms
        non_finite = bp.non_finite
        isfinite = math.isfinite
        k = self._k
        params: Params | None = self._params
        opt: OptimizerState | None = self._opt
        ws = [p.weights for p in self._params]
        bs = [p.bias for p in self._params]
        step = self._opt.step

        def state() -> tuple[Params, OptimizerState]:
            """The start of iteration k as records (built once, when first asked for)."""
            nonlocal params, opt
            if params is None:
                params = tuple(LayerParams(w, b) for w, b in zip(ws, bs, strict=True))
            if opt is None:
                opt = OptimizerState(step)
            return params, opt

        clean = (k, *state())  # last start known to be finite
        collect = on_iteration is not None
        check_every = 1 if collect else 32
        staged_checks = bp.loss_below is not None or bp.grad_norm_above is not None or bp.dead_relu
        keep_arrays = staged_checks or collect  # the activations and gradients are looked at
        no_arrays: tuple[list[Array], list[Array]] = ([], [])
        stopped_at_hit = False
        try:
            while done < count:
                if should_stop is not None and should_stop():
                    return RunResult(done, "stopped", f"paused at iteration {k}")
                new_params: Params | None
                new_opt: OptimizerState | None
                grads: Params | None = None
                if plain_sgd:
                    loss, zs, a_in, dws, dbs = backprop(*self._batch(k), ws, bs)
                    norms = tuple(float(np.linalg.norm(dw)) for dw in dws) if track_norms else None
                    self._record_metrics(k, loss, norms)
                    new_ws = sgd_step(ws, dws, lr)
                    new_bs = sgd_step(bs, dbs, lr)
                    new_params = new_opt = None
                    acts = (zs, a_in[1:]) if keep_arrays else no_arrays
                else:
                    new_params, new_opt, loss, acts, grads = self._fast_iteration(k, *state())
                    new_ws = [p.weights for p in new_params]
                    new_bs = [p.bias for p in new_params]
                if non_finite and not isfinite(loss):
                    stopped_at_hit = True
                    hit = self._locate(bp, clean, k)
                    return replace(hit, iterations=(hit.iteration or k) - first)
                if grads is None and keep_arrays:
                    grads = tuple(LayerParams(dw, db) for dw, db in zip(dws, dbs, strict=True))
                if staged_checks:
                    assert grads is not None
                    if self._suspicious(bp, loss, acts, grads):
                        self._begin(k, *state())
                        hit = self._finish_checked(bp)
                        if hit is not None:
                            stopped_at_hit = True
                            return replace(hit, iterations=done)
                        self._begin(k, *state())  # a false alarm: the fast path goes on from here
                check = non_finite and (done % check_every == check_every - 1 or done == count - 1)
                if new_params is None and (check or collect):
                    new_params = tuple(LayerParams(w, b) for w, b in zip(new_ws, new_bs, strict=True))
                if new_opt is None and check:
                    new_opt = OptimizerState(step + 1)
                if check:
                    assert new_params is not None
                    assert new_opt is not None
                    if not compute.all_finite(new_params):
                        stopped_at_hit = True
                        hit = self._locate(bp, clean, k)
                        return replace(hit, iterations=(hit.iteration or k) - first)
                    clean = (k + 1, new_params, new_opt)
                if on_iteration is not None:
                    assert grads is not None
                    assert new_params is not None
                    on_iteration(IterationSummary(k, loss, tuple(acts[0]), tuple(acts[1]), grads, new_params))
                k += 1
                done += 1
                params, opt, ws, bs = new_params, new_opt, new_ws, new_bs
                step = step + 1 if new_opt is None else new_opt.step
                # _checkpoint_or, with the records built only when a checkpoint is due
                if k in checkpoints:
                    params, opt = checkpoints[k]  # a pinned (edited) checkpoint wins
                    ws = [p.weights for p in params]
                    bs = [p.bias for p in params]
                    step = opt.step
                elif (k - start) % self._interval == 0:
                    self._add_checkpoint(k, *state())
        finally:
            if not stopped_at_hit and (self._k != k or self._s != 0):
                self._begin(k, *state())
        return RunResult(done)

    def _locate(self, bp: Breakpoints, clean: tuple[int, Params, OptimizerState], last: int) -> RunResult:
        """Replay from a clean start stage by stage to the first non-finite value."""
        k, params, opt = clean
        self._begin(k, params, opt)
        while self._k <= last:
            hit = self._finish_checked(bp)
            if hit is not None:
                return hit
        return RunResult(0, "non_finite", f"non-finite value by iteration {last}", last)

    def _suspicious(
        self, bp: Breakpoints, loss: float, acts: tuple[list[Array], list[Array]], grads: Params
    ) -> bool:
        """Whether a whole iteration may have hit a loss, gradient-norm or dead-ReLU breakpoint."""
        if bp.loss_below is not None and loss < bp.loss_below:
            return True
        if bp.grad_norm_above is not None and any(
            float(np.linalg.norm(g.weights)) > bp.grad_norm_above for g in grads
        ):
            return True
        return bp.dead_relu and any(
            act == "relu" and not acts[1][i].any() for i, act in enumerate(self._activations)
        )

    # ---- editing ----

    @quiet
    def set_parameter(self, ref: ParameterRef, value: float) -> None:
        """Set one weight or bias of the current iteration's parameters.

        History after this point is discarded (a new branch starts here); stages of the
        current iteration that depended on the parameter are invalidated and the cursor
        moves back to the first of them.
        """
        ref.check(self.config.sizes)
        if not math.isfinite(value):
            raise GradstepError(f"value must be a finite number, got {value}")
        params = ref.replaced_in(self._params, value)
        k = self._k
        for key in [key for key in self._checkpoints if key > k]:
            self._drop_checkpoint(key)
            self._pinned.discard(key)
        for key in [key for key in self._recent if key >= k]:
            del self._recent[key]
        del self._losses[k - self.start_iteration :]
        del self._norms[k - self.start_iteration :]
        self._pinned.add(k)
        self._add_checkpoint(k, params, self._opt)
        keep = min(self._s, ref.layer)  # forward stages of earlier layers do not depend on it
        old = self._work
        self._begin(k, params, self._opt)
        self._work = replace(self._work, forward=old.forward[:keep])
        self._s = keep

    # ---- explaining ----

    @quiet
    def explain(self, ref: ParameterRef, record: IterationRecord | None = None) -> ChainExplanation:
        """The chain-rule breakdown of one parameter's gradient in ``record`` (default: the
        current iteration up to the cursor; factors not yet computed are None)."""
        ref.check(self.config.sizes)
        record = record if record is not None else self.record()
        return explain(record, ref, self.config, compute.batch_loss)

    # ---- saving ----

    def to_json(self) -> dict[str, Any]:
        """The session file of the current state: loading it continues from this iteration."""
        return session_json(self.config, self._params, self._opt, self._k)

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

    # ---- internals ----

    def _batch(self, k: int) -> tuple[Array, Array]:
        """(inputs, targets) of iteration ``k``'s batch (the whole data set when full batch)."""
        if self.config.batch_size is None:
            return self._x, self._y
        idx = self.batch_indices(k)
        return self._x[idx], self._y[idx]

    def _fresh_record(self, k: int, params: Params) -> IterationRecord:
        idx = self.batch_indices(k)
        if idx.shape[0] == self._samples:
            x, y = self._x, self._y
        else:
            x, y = self._x[idx], self._y[idx]
        return IterationRecord(k, idx, x, y, params)

    def _begin(self, k: int, params: Params, opt: OptimizerState) -> None:
        self._k = k
        self._s = 0
        self._params = params
        self._opt = opt
        self._work = self._fresh_record(k, params)

    def _ensure(self, stages: int) -> None:
        """Compute the current iteration's stages up to ``stages`` (reusing those done)."""
        done = stages_done(self._work)
        for s in range(done, stages):
            self._work = self._compute_stage(self._work, s, self._opt)
        if stages_done(self._work) == len(self.stages):
            self._remember(self._work)

    def _advance(self) -> None:
        update = self._work.update
        assert update is not None
        self._begin(self._k + 1, *self._checkpoint_or(self._k + 1, update.params_after, update.state_after))

    def _checkpoint_or(self, k: int, params: Params, opt: OptimizerState) -> tuple[Params, OptimizerState]:
        """The start of iteration k: a pinned (edited) checkpoint wins over the computed one."""
        if k in self._checkpoints:
            return self._checkpoints[k]
        if (k - self.start_iteration) % self._interval == 0:
            self._add_checkpoint(k, params, opt)
        return params, opt

    def _add_checkpoint(self, k: int, params: Params, opt: OptimizerState) -> None:
        if k in self._checkpoints:
            self._drop_checkpoint(k)
        bisect.insort(self._checkpoint_keys, k)
        self._checkpoints[k] = (params, opt)
        self._history_bytes += self._checkpoint_bytes(params, opt)
        if self._history_bytes > self._budget:
            self._thin()

    def _drop_checkpoint(self, k: int) -> None:
        params, opt = self._checkpoints.pop(k)
        self._history_bytes -= self._checkpoint_bytes(params, opt)
        self._checkpoint_keys.remove(k)

    def _thin(self) -> None:
        while self._history_bytes > self._budget and len(self._checkpoints) > len(self._pinned):
            self._interval *= 2
            for key in list(self._checkpoints):
                if key not in self._pinned and (key - self.start_iteration) % self._interval:
                    params, opt = self._checkpoints.pop(key)
                    self._history_bytes -= self._checkpoint_bytes(params, opt)
        self._checkpoint_keys = sorted(self._checkpoints)

    def _start_of(self, k: int) -> tuple[Params, OptimizerState]:
        """(P_k, optimizer state) at the start of iteration k, from the nearest earlier state."""
        if k in self._checkpoints:
            return self._checkpoints[k]
        if k == self._k:
            return self._params, self._opt
        previous = self._recent.get(k - 1)
        if previous is not None and previous.update is not None:
            return previous.update.params_after, previous.update.state_after
        i = bisect.bisect_right(self._checkpoint_keys, k) - 1
        j = self._checkpoint_keys[i]
        params, opt = self._checkpoints[j]
        if self._k <= k and self._k > j:
            j, params, opt = self._k, self._params, self._opt  # closer to the target
        for it in range(j, k):
            params, opt, *_ = self._fast_iteration(it, params, opt)
            params, opt = self._checkpoint_or(it + 1, params, opt)
        return params, opt

    def _remember(self, record: IterationRecord) -> None:
        self._recent[record.iteration] = record
        self._recent.move_to_end(record.iteration)
        while len(self._recent) > RECENT_RECORDS:
            self._recent.popitem(last=False)

    def _record_metrics(self, k: int, loss: float, norms: tuple[float, ...] | None) -> None:
        i = k - self.start_iteration
        if i < len(self._losses):
            self._losses[i] = loss
        elif i == len(self._losses):
            self._losses.append(loss)
        if norms is not None:
            if i < len(self._norms):
                self._norms[i] = norms
            elif i == len(self._norms):
                self._norms.append(norms)

    def _compute_stage(self, rec: IterationRecord, s: int, opt: OptimizerState) -> IterationRecord:
        n = self._n
        cfg = self.config
        if s < n:
            a_prev = rec.activation_in(s)
            assert a_prev is not None
            z, a = compute.forward_layer(rec.params[s], a_prev, self._activations[s])
            return replace(rec, forward=(*rec.forward, ForwardRecord(s, z, a)))
        if s == n:
            out = rec.forward[-1]
            value = loss_value(cfg.loss, out.z, out.a, rec.targets)
            delta, dl_da, _ = compute.output_delta(cfg.loss, self._activations[-1], out.z, out.a, rec.targets)
            fused = delta if dl_da is None else None
            if not self._track_norms:
                self._record_metrics(rec.iteration, value, None)
            return replace(rec, loss=LossRecord(value, dl_da, fused))
        if s < 2 * n + 1:
            layer = 2 * n - s
            fwd = rec.forward[layer]
            upper = None
            if layer < n - 1:
                above = rec.backward[-1]
                upper = (above.delta, rec.params[layer + 1].weights, above.dW)
            a_prev = rec.activation_in(layer)
            assert a_prev is not None
            scale = batch_scale(cfg.loss, rec.inputs.shape[0])
            delta, dl_da, da_dz, dw, db = backward_layer(
                self._spec, layer, fwd.z, fwd.a, a_prev, rec.targets, upper, scale
            )
            record = replace(
                rec, backward=(*rec.backward, BackwardRecord(layer, dl_da, da_dz, delta, dw, db))
            )
            if layer == 0 and self._track_norms:
                assert record.loss is not None
                norms = tuple(float(np.linalg.norm(b.dW)) for b in reversed(record.backward))
                self._record_metrics(rec.iteration, record.loss.loss, norms)
            return record
        grads_ = tuple(LayerParams(b.dW, b.db) for b in reversed(rec.backward))
        new_params, new_opt, steps = compute.optimizer_update(cfg.optimizer, rec.params, grads_, opt)
        update = UpdateRecord(rec.params, new_params, opt, new_opt, cfg.optimizer.learning_rate, steps)
        return replace(rec, update=update)

    def _fast_iteration(
        self, k: int, params: Params, opt: OptimizerState
    ) -> tuple[Params, OptimizerState, float, tuple[list[Array], list[Array]], Params]:
        """One whole iteration without records, through the same functions as the stages."""
        ws = [p.weights for p in params]
        bs = [p.bias for p in params]
        loss, zs, acts, dws, dbs = self._backprop(*self._batch(k), ws, bs)
        grads = tuple(LayerParams(dw, db) for dw, db in zip(dws, dbs, strict=True))
        new_params, new_opt = compute.optimizer_step(self.config.optimizer, params, grads, opt)
        norms = tuple(float(np.linalg.norm(dw)) for dw in dws) if self._track_norms else None
        self._record_metrics(k, loss, norms)
        return new_params, new_opt, loss, (zs, acts[1:]), grads

    def _summary(self, record: IterationRecord) -> IterationSummary:
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

    def _finish_checked(self, bp: Breakpoints) -> RunResult | None:
        while True:
            s = self._s
            self._ensure(s + 1)
            hit = self._check_stage(bp, self._work, s)
            if hit is not None:
                if s + 1 == len(self.stages):
                    self._advance()  # the update is done: the cursor shows it as the last stage
                else:
                    self._s = s + 1
                return hit
            if s + 1 == len(self.stages):
                self._advance()
                return None
            self._s = s + 1

    def _check_stage(self, bp: Breakpoints, rec: IterationRecord, s: int) -> RunResult | None:
        stage = self.stages[s]
        k = rec.iteration
        where = f"iteration {k}, stage {stage.label}"
        if stage.kind == "forward":
            fwd = rec.forward[-1]
            layer = fwd.layer
            if bp.non_finite:
                for name, arr in (("z", fwd.z), ("a", fwd.a)):
                    if not np.isfinite(arr).all():
                        return self._hit(
                            "non_finite", f"non-finite {name} in layer {layer} at {where}", k, stage, layer
                        )
            if bp.dead_relu and self._activations[layer] == "relu" and not fwd.a.any():
                return self._hit(
                    "dead_relu", f"every ReLU unit of layer {layer} is dead at {where}", k, stage, layer
                )
        elif stage.kind == "loss":
            assert rec.loss is not None
            loss = rec.loss.loss
            if bp.non_finite and not math.isfinite(loss):
                return self._hit("non_finite", f"non-finite loss ({loss}) at {where}", k, stage, None)
            if bp.loss_below is not None and loss < bp.loss_below:
                return self._hit(
                    "loss_below", f"loss {loss:.6g} is below {bp.loss_below:g} at {where}", k, stage, None
                )
        elif stage.kind == "backward":
            b = rec.backward[-1]
            if bp.non_finite:
                for name, arr in (("delta", b.delta), ("dW", b.dW), ("db", b.db)):
                    if not np.isfinite(arr).all():
                        return self._hit(
                            "non_finite",
                            f"non-finite {name} in layer {b.layer} at {where}",
                            k,
                            stage,
                            b.layer,
                        )
            if bp.grad_norm_above is not None:
                norm = float(np.linalg.norm(b.dW))
                if norm > bp.grad_norm_above:
                    return self._hit(
                        "grad_norm_above",
                        f"||dW|| of layer {b.layer} is {norm:.6g}, above {bp.grad_norm_above:g}, at {where}",
                        k,
                        stage,
                        b.layer,
                    )
        elif stage.kind == "update" and bp.non_finite:
            assert rec.update is not None
            for layer, p in enumerate(rec.update.params_after):
                if not (np.isfinite(p.weights).all() and np.isfinite(p.bias).all()):
                    return self._hit(
                        "non_finite", f"non-finite parameter in layer {layer} after {where}", k, stage, layer
                    )
        return None

    @staticmethod
    def _hit(reason: str, message: str, k: int, stage: Stage, layer: int | None) -> RunResult:
        return RunResult(0, reason, message, k, stage, layer)


def _read_only_copy(array: Array) -> Array:
    copy = np.array(array, dtype=np.float64, copy=True)
    copy.flags.writeable = False
    return copy
