"""The controller's job state: long work on sessions (a tutorial step of many iterations,
building a configuration's data and weights, reading a large file, writing an export) runs on
a worker thread while the window stays live, with a busy indicator and Cancel.

A state of the one controller (``job_changed``), like a running check. While a job runs the
session shown is frozen: commands that would move or edit it (steps, jumps, Reset, Apply, Open,
a recording's start) are refused with a message. The worker builds a new session, replays a
copy, or works on the frozen session itself only as history does when it is read (a trace
export, the replay before a long jump: it recomputes iterations and keeps their starts, which
changes nothing shown), so a cancelled or failed job leaves everything as it was. A finished
job's result is applied on the GUI thread, whole.
"""

from __future__ import annotations

import stat
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal, Slot

from engine import GradstepError, ParameterRef, Session, SessionConfig
from engine.files.data import csv_path
from engine.files.examples import resolve_any
from engine.files.jsonio import read_json
from engine.files.session_file import parse_session
from engine.files.walkthrough import Walkthrough
from engine.history.runner import summary
from gui.control.debug_mode import DebugCore
from gui.control.learner_job import LearnerJob, Work
from gui.control.lock_sharing import yielding
from gui.control.replay_cost import long_replay
from gui.control.run_worker import RunProgress

if TYPE_CHECKING:
    from engine.explain.chain import ChainExplanation

JOB_STATES = ("idle", "running", "cancelling")
OPEN_BACKGROUND_BYTES = 256 * 1024  # a file larger than this is read and built on a worker thread
# While a job computes, every Python handler the GUI thread runs (a paint, an event filter, a
# timer) waits for the interpreter lock, by default up to 5 ms each: a window of such handlers
# then stalled for the whole job (300 ms for a 10,000-iteration step). Handing the lock over
# every millisecond keeps the longest stall near one frame, at no measurable cost to the job.
JOB_SWITCH_INTERVAL = 0.001


def opens_slowly(spec: str) -> bool:
    """Whether opening ``spec`` (a file, or example:NAME) is for a worker thread: a large file,
    or a small one whose data is a large CSV file (200,000 rows took 1.4 s to read) or one that
    is not a regular file (a pipe could block the window for good)."""
    if spec.startswith("example:"):
        return False
    path = Path(spec)
    try:
        if path.stat().st_size > OPEN_BACKGROUND_BYTES:
            return True
    except (OSError, ValueError):  # missing, unreadable, a NUL in the name: opening says so at once
        return False
    csv = _csv_named(path)
    if csv is None:
        return False
    try:
        status = csv.stat()
    except (OSError, ValueError):  # missing, a NUL in the name: opening says so at once
        return False
    return not stat.S_ISREG(status.st_mode) or status.st_size > OPEN_BACKGROUND_BYTES


def _csv_named(path: Path) -> Path | None:
    """The CSV file the (small) session or walkthrough file ``path`` reads its data from."""
    try:
        doc = read_json(path)
    except GradstepError:  # opening it says what is wrong, at once
        return None
    if isinstance(doc, dict) and isinstance(doc.get("session"), dict):
        doc = doc["session"]  # a walkthrough's
    data = doc.get("data") if isinstance(doc, dict) else None
    name = data.get("csv") if isinstance(data, dict) else None
    if not isinstance(name, str) or not name:
        return None
    return csv_path(name, path.resolve().parent)


@dataclass(frozen=True)
class JobFailure:
    """Why a job could not finish: a dialog's title and the engine's message."""

    title: str
    message: str


class SessionJob(LearnerJob):
    """One piece of session work on a worker thread; ``label`` says what, for the busy indicator."""

    def __init__(self, work: Work, label: str, failure_title: str, parent: QObject | None = None) -> None:
        super().__init__(work, label, parent, start=False)  # the controller starts it (start())
        self.label = label
        self.failure_title = failure_title


class JobCore(DebugCore):
    """The session core and debug state plus one background job at a time."""

    job_changed = Signal(str)  # "idle" | "running" | "cancelling"
    job_failed = Signal(object)  # JobFailure: the window shows it in a dialog
    config_applied = Signal()  # a configuration applied in the background is shown
    config_rejected = Signal(object)  # GradstepError | OSError | ValueError: the engine refused it

    def __init__(
        self, config: SessionConfig, path: Path | None = None, parent: QObject | None = None
    ) -> None:
        super().__init__(config, path, parent)
        self._job: SessionJob | None = None
        self._on_job_done: Callable[[Any], None] | None = None
        self._switch_interval = sys.getswitchinterval()  # the interpreter's, restored after a job

    # ---- state ----

    @property
    def job_state(self) -> str:
        if self._job is None:
            return "idle"
        return "cancelling" if self._job.cancelling else "running"

    @property
    def busy(self) -> bool:
        """Whether a job runs: the session shown is frozen until it answers."""
        return self._job is not None

    @property
    def job_label(self) -> str:
        """What the running job does ("" when none), e.g. "replaying step 12"."""
        return "" if self._job is None else self._job.label

    # ---- commands ----

    def cancel_job(self) -> None:
        """Ask the running job to stop; what the window showed stays, no dialog."""
        if self._job is not None and not self._job.cancelling:
            self._job.cancel()
            self.message.emit(f"cancelling: {self._job.label}…")
            self.job_changed.emit(self.job_state)

    def wait_job(self, timeout_ms: int = 60_000) -> bool:
        """Block until a running job's thread has ended (tests, closing); its answer still comes
        through the event loop."""
        return self._job is None or self._job.wait(timeout_ms)

    def shut_down_job(self, timeout_ms: int = 3000) -> None:
        """Cancel a running job for good (the window is closing): wait briefly, answer nothing."""
        if self._job is not None:
            self._job.abandon(timeout_ms)
            self._end_job()
            self.job_changed.emit(self.job_state)

    def apply_in_background(self, doc: dict[str, Any]) -> bool:
        """Apply's large configurations: parse ``doc`` (its data generated or read) and build
        the session (initial weights) on a worker thread; ``config_applied`` once it is shown,
        ``config_rejected`` with the engine's error. The session shown stays until then."""
        base_dir = self.config.base_dir
        make = self._make_session

        def work(cancel: threading.Event) -> Session | Exception | None:
            try:
                config = parse_session(doc, base_dir=base_dir)
            except (GradstepError, OSError, ValueError) as exc:
                return exc  # shown under its field, as when typing, not in a dialog
            return None if cancel.is_set() else make(config)

        def done(result: Session | Exception | None) -> None:
            if isinstance(result, Session):
                self._show_built(result, self._path)
                self._set_modified(True)
                self.config_applied.emit()
            elif result is not None:
                self.config_rejected.emit(result)

        return self._start_job(work, "building the session", "Cannot apply the configuration", done)

    def open_in_background(self, spec: str, on_opened: Callable[[SessionConfig | Walkthrough], None]) -> bool:
        """Read, check and build a large session or walkthrough file on a worker thread, then
        show it (a walkthrough in tutorial mode) and call ``on_opened(what it held)``. A file
        that cannot be read is a dialog (``job_failed``); the session shown stays."""
        make = self._make_session

        def work(cancel: threading.Event) -> tuple[SessionConfig | Walkthrough, Session] | Exception | None:
            try:
                source = resolve_any(spec)
            except (GradstepError, OSError) as exc:
                return exc
            if cancel.is_set():
                return None
            return source, make(source.session if isinstance(source, Walkthrough) else source)

        def done(result: tuple[SessionConfig | Walkthrough, Session] | Exception | None) -> None:
            if isinstance(result, Exception):
                self.job_failed.emit(JobFailure("Cannot open the file", f"{spec}\n\n{result}"))
            elif result is not None:
                source, session = result
                self._show_opened(source, session, Path(spec))
                on_opened(source)

        return self._start_job(work, f"opening {Path(spec).name}", "Cannot open the file", done)

    def export_trace_in_background(self, path: Path, on_written: Callable[[int], None]) -> bool:
        """Write the completed iterations to a trace on a worker thread (each record may be
        recomputed from a checkpoint); ``on_written(count)`` once the file is whole. A failure is
        a dialog; a cancelled export leaves no file (the writer is atomic)."""
        from engine.files.trace import TraceWriter

        session = self._session  # only read while the job runs: the window is frozen
        iterations = self.completed_iterations()

        def work(cancel: threading.Event) -> int:
            stop = yielding(cancel.is_set)  # the writes release the interpreter's lock many times too
            with TraceWriter(path) as writer:
                for k in iterations:
                    if stop():
                        raise GradstepError("the export was cancelled")  # the writer keeps no file
                    writer.write(summary(session.iteration_record(k)))
                if cancel.is_set():  # a cancel after the last record still keeps no file
                    raise GradstepError("the export was cancelled")
            return len(iterations)

        return self._start_job(
            work, f"exporting a trace to {path.name}", "Cannot export the trace", on_written
        )

    def explain(self, ref: ParameterRef | None = None) -> ChainExplanation | None:
        return None if self.busy else super().explain(ref)

    def run(self, count: int) -> None:
        if not self._job_refuses():
            super().run(count)

    def reset(self) -> None:
        if not self._job_refuses():
            super().reset()

    def travel_to(self, iteration: int) -> None:
        """Go to the start of ``iteration`` (the history slider): as :meth:`goto_iteration`, but
        a long replay (a large network, a coarse checkpoint grid) is done first as a job, and
        the jump then costs an iteration (784-256-256-10 after 10,000 iterations: 0.5 to 1 s on
        the window's thread otherwise)."""
        if not self._guard():
            return
        session = self._session
        if not long_replay(session.config, session.replay_length(iteration)):
            self.goto_iteration(iteration)
            return

        def work(cancel: threading.Event) -> bool:
            return session.prepare(iteration, yielding(cancel.is_set))

        def done(ready: bool) -> None:
            if ready and self._session is session:
                self.goto_iteration(iteration)
                self.message.emit(f"the state after {iteration} updates")  # the slider's unit

        what = f"recomputing the state after {iteration} updates"
        self._start_job(work, what, "Cannot go to the iteration", done)

    # ---- for the controller ----

    def _start_job(self, work: Work, label: str, failure_title: str, on_done: Callable[[Any], None]) -> bool:
        """Start ``work`` on a worker thread; ``on_done(result)`` runs on this thread once it has
        finished. False (and a message) if another job or a run holds the session."""
        if self._job is not None or self.running:
            self.message.emit(f"wait for {self.job_label or 'the run'} to end, or cancel it (Esc)")
            return False
        # cached: the views draw from these while the job runs (it may read the session)
        session = self._session
        self._progress = RunProgress(self.snapshot(), session.losses(), session.gradient_norms(), 0, 0)
        self._switch_interval = sys.getswitchinterval()
        sys.setswitchinterval(min(self._switch_interval, JOB_SWITCH_INTERVAL))
        job = SessionJob(work, label, failure_title, self)
        job.finished.connect(self._on_job_finished)
        job.failed.connect(self._on_job_failed)
        job.cancelled.connect(self._on_job_cancelled)
        self._job = job
        self._on_job_done = on_done
        self.message.emit(f"{label}…")
        self.job_changed.emit(self.job_state)
        job.start()  # after the busy indicator is shown: the layout it changes is done first
        return True

    def _job_refuses(self) -> bool:
        """True (and a message) when a job holds the session."""
        if self._job is None:
            return False
        self.message.emit(f"wait for {self._job.label} to end, or cancel it (Esc)")
        return True

    def _guard(self) -> bool:
        return not self._job_refuses() and super()._guard()

    def _take_over(self, session: Session) -> None:
        """Show ``session``, a copy of the one shown moved on by a job (same configuration, so
        nothing that depends on the network's shape needs rebuilding)."""
        self._session = session
        self._changed()

    def _show_built(self, session: Session, path: Path | None) -> None:
        """Show a session a job built (the controller also leaves a tutorial or recording)."""
        self._show_session(session, path)

    def _show_opened(self, source: SessionConfig | Walkthrough, session: Session, path: Path) -> None:
        """Show what a file held (the controller plays a walkthrough)."""
        self._show_built(session, path)

    # ---- answers ----

    def _end_job(self) -> Callable[[Any], None] | None:
        done = self._on_job_done
        sys.setswitchinterval(self._switch_interval)
        self._progress = None
        self._job = None
        self._on_job_done = None
        return done

    @Slot(object)
    def _on_job_finished(self, result: object) -> None:
        if self._job is None:
            return
        done = self._end_job()
        try:
            if done is not None:
                done(result)
        finally:
            self.job_changed.emit(self.job_state)

    @Slot(str)
    def _on_job_failed(self, text: str) -> None:
        job = self._job
        if job is None:
            return
        self._end_job()
        self.message.emit(f"{job.failure_title.lower()}: see the message")
        self.job_changed.emit(self.job_state)
        self._redraw()
        self.job_failed.emit(JobFailure(job.failure_title, text))

    @Slot()
    def _on_job_cancelled(self) -> None:
        job = self._job
        if job is None:
            return
        self._end_job()
        self.message.emit(f"cancelled: {job.label}; nothing changed")
        self.job_changed.emit(self.job_state)
        self._redraw()  # views that waited (the chain rule) draw again
