"""The session side of the controller: cursor, runs, selection, colour, sample and files.

While a run is under way the session belongs to the worker thread, and views draw from the
snapshot it hands back after each chunk.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray
from PySide6.QtCore import QObject, QThread, QTimer, Signal, Slot

from engine import (
    Breakpoints,
    GradstepError,
    IterationRecord,
    LayerParams,
    ParameterRef,
    RunResult,
    Session,
    SessionConfig,
    Snapshot,
)
from engine.files.walkthrough import Step
from engine.history.runner import summary
from gui.control.run_worker import RunProgress, RunWorker

if TYPE_CHECKING:
    from engine.explain.chain import ChainExplanation


class SessionCore(QObject):
    """Owns the :class:`engine.Session`: the cursor, runs, selection, colour and sample, files.
    Every change goes through here and is re-emitted; :class:`gui.controller.SessionController`
    adds the modes (tutorial replay, recording, a running check)."""

    stage_changed = Signal()  # the cursor moved or a parameter changed: redraw from snapshot()
    session_replaced = Signal()  # a different network: rebuild what depends on its shape
    selection_changed = Signal(object)  # ParameterRef | None
    color_by_changed = Signal(str)  # "weight" | "gradient" | "update"
    running_changed = Signal(bool)  # False is always followed by stage_changed (the run's end)
    run_finished = Signal(object)  # RunResult
    modified_changed = Signal(bool)
    path_changed = Signal(object)  # Path | None
    message = Signal(str)  # for the status bar
    sample_changed = Signal(int)  # the batch row whose activations the views show
    # What the user just did, as a walkthrough step (recording listens; tutorial mode notices
    # when the user leaves the recorded path). Not emitted while a walkthrough replays.
    action_taken = Signal(object)  # engine.files.walkthrough.Step

    def __init__(
        self, config: SessionConfig, path: Path | None = None, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.breakpoints = Breakpoints()
        self.speed: float | None = None  # iterations per second of the next run; None: flat out
        self._sample = 0
        self._hit: RunResult | None = None
        self._thread: QThread | None = None
        self._worker: RunWorker | None = None
        self._selection: ParameterRef | None = None
        self._color_by = "weight"
        self._run_start = (0, 0)  # (iteration, position) where the current run began
        self._session: Session
        self._snapshot: Snapshot | None = None
        self._progress: RunProgress | None = None
        self._path: Path | None = None
        self._modified = False
        self._redraw_seconds = 0.0  # how long the views took to show the last change
        self._redraw_start = 0.0
        self._redrawn_timer = QTimer(self)
        self._redrawn_timer.setSingleShot(True)
        self._redrawn_timer.timeout.connect(self._on_redrawn_timer_timeout)
        # the last explanation: the chain panel and the network's chain ask for the same one
        self._explained: tuple[ParameterRef, IterationRecord, Session, ChainExplanation] | None = None
        self._replace_with(self._make_session(config), path)

    # ---- state ----

    @property
    def session(self) -> Session:
        """The engine session itself, for tests and headless scripts: views read :meth:`snapshot`
        and the other accessors, and move it only through the commands below."""
        return self._session

    @property
    def config(self) -> SessionConfig:
        return self._session.config

    @property
    def path(self) -> Path | None:
        return self._path

    @property
    def modified(self) -> bool:
        return self._modified

    @property
    def running(self) -> bool:
        return self._thread is not None

    @property
    def selection(self) -> ParameterRef | None:
        return self._selection

    @property
    def color_by(self) -> str:
        return self._color_by

    @property
    def sample(self) -> int:
        """The batch row whose activations and deltas the views show."""
        return self._sample

    @property
    def breakpoint_hit(self) -> RunResult | None:
        """The breakpoint that ended the last run, until the cursor moves again."""
        return self._hit

    @property
    def start_iteration(self) -> int:
        """The iteration the session starts at (0, or where a saved state left off)."""
        return self._session.start_iteration

    def snapshot(self) -> Snapshot:
        """The state to draw (during a run: the worker's latest)."""
        if self._snapshot is None:
            self._snapshot = self._session.snapshot()
        return self._snapshot

    def losses(self) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """(iterations, losses) computed so far, for the loss curve."""
        if self._progress is not None:
            return self._progress.losses
        return self._session.losses()

    def gradient_norms(self) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """(iterations, per-layer ||dW||) computed so far."""
        if self._progress is not None:
            return self._progress.gradient_norms
        return self._session.gradient_norms()

    def explain(self, ref: ParameterRef | None = None) -> ChainExplanation | None:
        """Chain rule of ``ref`` (default: the selection) in the record the cursor shows
        (:meth:`Snapshot.shown_record`): at the start of an iteration the one just finished, so its
        update stays visible; after an edit, the edited parameters. Raises GradstepError."""
        ref = ref or self._selection
        if ref is None or self.running:
            return None
        snap = self.snapshot()
        record = snap.shown_record()
        last = self._explained
        # records are immutable: the same record object of the same session explains the same
        if last is not None and last[0] == ref and last[1] is record and last[2] is self._session:
            return last[3]
        explanation = self._session.explain(ref, record)
        self._explained = (ref, record, self._session, explanation)
        return explanation

    def predict(
        self, inputs: NDArray[np.float64], params: tuple[LayerParams, ...] | None = None
    ) -> NDArray[np.float64]:
        """The network's output for ``inputs`` (default: the live parameters; raises GradstepError)."""
        return self._session.predict(inputs, params=params)

    def last_update(self) -> tuple[IterationRecord, tuple[LayerParams, ...]] | None:
        """The latest update visible at the cursor and each layer's change (after - before,
        computed by the engine's :meth:`UpdateRecord.changes`)."""
        snap = self.snapshot()
        record = snap.record if snap.record.update is not None else snap.previous
        if record is None or record.update is None:
            return None
        return record, record.update.changes()

    def completed_iterations(self) -> range:
        """Iterations whose update has run (the history a trace can hold)."""
        last = self._session.iteration if not self.running else self.snapshot().iteration
        return range(self._session.start_iteration, last)

    def export_trace(self, path: Path) -> int:
        """Write the completed iterations to a trace file; returns how many (raises GradstepError)."""
        from engine.files.trace import TraceWriter

        if self.running:
            raise GradstepError("pause the run before exporting a trace")
        iterations = self.completed_iterations()
        with TraceWriter(path) as writer:
            for k in iterations:
                writer.write(summary(self._session.iteration_record(k)))
        return len(iterations)

    # ---- commands ----

    def set_sample(self, sample: int) -> None:
        """Show batch row ``sample`` (clamped to the batch)."""
        rows = self.snapshot().record.inputs.shape[0]
        sample = max(0, min(int(sample), rows - 1))
        if sample != self._sample:
            self._sample = sample
            self.sample_changed.emit(sample)
            self._took(Step("view", color_by=None, sample=sample))

    def step(self) -> None:
        if self._guard():
            before = self._session.position
            self._session.step()
            self._moved(before)

    def back(self, count: int = 1) -> None:
        if self._guard():
            before = self._session.position
            self._session.back(count)
            self._moved(before)

    def finish_iteration(self) -> None:
        if self._guard():
            before = self._session.position
            self._session.finish_iteration()
            self._moved(before)

    def goto_stage(self, stage: int) -> None:
        """Move within the current iteration (forwards runs the stages, backwards is time travel)."""
        if self._guard():
            before = self._session.position
            self._session.goto(self._session.iteration, stage)
            self._moved(before)

    def goto_iteration(self, iteration: int, stage: int = 0) -> None:
        if self._guard():
            before = self._session.position
            self._session.goto(iteration, stage)
            self._moved(before)

    def reset(self) -> None:
        """Back to the session's first iteration (history stays for stepping forward again)."""
        if self.running:
            self.pause()
            return
        before = self._session.position
        self._session.goto(self._session.start_iteration, 0)
        self._moved(before)

    def set_parameter(self, ref: ParameterRef, value: float) -> None:
        if self._guard():
            self._session.set_parameter(ref, value)
            self._set_modified(True)
            self._changed()
            self._took(Step("set", parameter=ref, value=float(value)))

    def select(self, ref: ParameterRef | None) -> None:
        if ref != self._selection:
            self._selection = ref
            self.selection_changed.emit(ref)
            self._took(Step("select", parameter=ref))  # None: the selection is cleared

    def set_color_by(self, mode: str) -> None:
        if mode not in ("weight", "gradient", "update"):
            raise ValueError(f"unknown colour mode {mode!r}")
        if mode != self._color_by:
            self._color_by = mode
            self.color_by_changed.emit(mode)
            self._took(Step("view", color_by=mode))

    @staticmethod
    def _make_session(config: SessionConfig) -> Session:
        """A session as the window keeps them (with per-layer gradient norms for the plot)."""
        return Session(config, track_gradient_norms=True)

    def run(self, count: int) -> None:
        """Run ``count`` iterations on a worker thread; :meth:`pause` stops it."""
        if self.running or count <= 0:
            return
        self.snapshot()  # cached before the worker owns the session
        self._progress = RunProgress(
            self.snapshot(), self._session.losses(), self._session.gradient_norms(), 0, count
        )
        self._thread = QThread()
        self._hit = None
        self._run_start = (self._session.iteration, self._session.position)
        self._worker = RunWorker(self._session, count, self.breakpoints, self.speed, self._redraw_seconds)
        self._worker.moveToThread(self._thread)
        self._thread.started.connect(self._worker.run)
        self._worker.progress.connect(self._on_run_progress)
        self._worker.finished.connect(self._on_run_finished)
        # The views answer running_changed before the worker starts: beside it, their Python
        # handlers starved for the interpreter's lock (see gui.control.lock_sharing) and Run took
        # 0.1 to 0.3 s.
        self.running_changed.emit(True)
        self.message.emit(f"running {count} iterations...")
        self._thread.start()

    def pause(self) -> None:
        if self._worker is not None:
            self._worker.stop()

    def wait_idle(self, timeout_ms: int = 5000) -> bool:
        """Block until a run has ended (for tests and closing)."""
        if self._thread is None:
            return True
        self.pause()
        return self._thread.wait(timeout_ms)

    def new_session(self, config: SessionConfig, path: Path | None = None) -> None:
        """Replace the session (Apply in the configuration, New, Open)."""
        self._show_session(self._make_session(config), path)

    def apply_config(self, config: SessionConfig) -> None:
        """Rebuild the session from an edited configuration (the Configuration panel's Apply):
        the same file, with changes not saved yet."""
        self.new_session(config, self._path)
        self._set_modified(True)

    def save(self, path: Path | None = None) -> None:
        """Save to ``path`` (default: the current file); raises GradstepError."""
        target = path or self._path
        if target is None:
            raise GradstepError("no file name: use Save As")
        self._session.save(target)
        self._path = Path(target)
        self.path_changed.emit(self._path)
        self._set_modified(False)

    def mark_unmodified(self) -> None:
        """Treat the session as saved (an export, or a test closing its window, has nothing to save)."""
        self._set_modified(False)

    # ---- internals ----

    def _show_session(self, session: Session, path: Path | None) -> None:
        """Show ``session`` instead of the current one; views rebuild."""
        if self.running:
            self.wait_idle()
        self._replace_with(session, path)
        self.session_replaced.emit()
        self._changed()

    def _took(self, step: Step) -> None:
        """The user did ``step``: say so (the modes hook in here)."""
        self.action_taken.emit(step)

    def _replace_with(self, session: Session, path: Path | None) -> None:
        self._session = session
        self._snapshot = None
        self._progress = None
        self._path = path
        self._modified = False
        self._selection = None
        self._sample = 0
        self._hit = None
        self.path_changed.emit(path)
        self.modified_changed.emit(False)
        self.selection_changed.emit(None)

    def _guard(self) -> bool:
        if self.running:
            self.message.emit("pause the run first (F5)")
            return False
        return True

    def _moved(self, before: int) -> None:
        """The cursor moved from position ``before``: redraw, and say what the user did."""
        self._changed()
        moved = self._session.position - before
        if moved:
            self._took(Step("step" if moved > 0 else "back", count=abs(moved)))

    def _changed(self) -> None:
        self._snapshot = None
        self._hit = None
        rows = self.snapshot().record.inputs.shape[0]
        if self._sample >= rows:  # a smaller mini-batch: the last row stays shown
            self._sample = rows - 1
            self.sample_changed.emit(self._sample)
        self._redraw()

    def _redraw(self) -> None:
        """Announce a new state; the views' cost of showing it is measured once they have painted."""
        self._redraw_start = time.monotonic()
        self.stage_changed.emit()
        # A zero timer fires once the event loop has painted what the views asked for: a timer
        # object, as QTimer.singleShot(0, ...) is a queued call, which Qt delivers before the
        # repaint (posted at low priority), so it measured the handlers and not the painting.
        self._redrawn_timer.start(0)

    def _on_redrawn_timer_timeout(self) -> None:
        self._redraw_seconds = time.monotonic() - self._redraw_start
        if self._worker is not None:
            self._worker.shown(self._redraw_seconds)  # the run's next progress may come

    def _set_modified(self, value: bool) -> None:
        if value != self._modified:
            self._modified = value
            self.modified_changed.emit(value)

    @Slot(object)
    def _on_run_progress(self, progress: RunProgress) -> None:
        self._snapshot = progress.snapshot
        self._progress = progress
        self.message.emit(f"running: {progress.done}/{progress.total} iterations")
        self._redraw()

    @Slot(object)
    def _on_run_finished(self, result: RunResult) -> None:
        assert self._thread is not None
        self._thread.quit()
        self._thread.wait()
        self._thread.deleteLater()
        self._worker = None
        self._thread = None
        self._snapshot = None
        self._progress = None
        self._hit = result if result.reason not in (None, "stopped") else None
        self.running_changed.emit(False)
        if result.reason is None:
            self.message.emit(f"ran {result.iterations} iterations")
        elif result.reason == "stopped":
            self.message.emit(result.message)
        else:
            self.message.emit(f"breakpoint: {result.message}")
        self.run_finished.emit(result)
        self.stage_changed.emit()
        start_iteration, start_position = self._run_start
        session = self._session
        if session.stage == 0 and session.iteration > start_iteration:
            # run_iterations(n) from the same place does the same: a started iteration counts as one
            self._took(Step("iterations", count=session.iteration - start_iteration))
        elif session.position != start_position:
            self._took(Step("step", count=session.position - start_position))
