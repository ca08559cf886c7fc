"""The controller's job state: long work on sessions (a tutorial step of many iterations,
building a configuration's data and weights, reading a large file, writing an export) runs on
a worker thread while the window stays live, with a busy indicator and Cancel.

A state of the one controller (``job_changed``), like a running check. While a job runs the
session shown is frozen: commands that would move or edit it are refused with a message, and
the worker never touches it (it builds a new session, or replays or reads its own copy), so a
cancelled or failed job leaves everything as it was. A finished job's result is applied on the
GUI thread, whole.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from engine import ParameterRef, Session, SessionConfig
from engine.explain.chain import ChainExplanation
from gui.control.debug_mode import DebugCore
from gui.control.learner_job import LearnerJob, Work

JOB_STATES = ("idle", "running", "cancelling")


@dataclass(frozen=True)
class JobFailure:
    """Why a job could not finish: a dialog's title and the engine's message."""

    title: str
    message: str


class SessionJob(LearnerJob):
    """One piece of session work on a worker thread; ``label`` says what, for the busy indicator."""

    def __init__(self, work: Work, label: str, failure_title: str, parent: QObject | None = None) -> None:
        super().__init__(work, label, parent)
        self.label = label
        self.failure_title = failure_title


class JobCore(DebugCore):
    """The session core and debug state plus one background job at a time."""

    job_changed = Signal(str)  # "idle" | "running" | "cancelling"
    job_failed = Signal(object)  # JobFailure: the window shows it in a dialog

    def __init__(
        self, config: SessionConfig, path: Path | None = None, parent: QObject | None = None
    ) -> None:
        super().__init__(config, path, parent)
        self._job: SessionJob | None = None
        self._on_job_done: Callable[[Any], None] | None = None

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
            self._job = None
            self._on_job_done = None
            self.job_changed.emit(self.job_state)

    def explain(self, ref: ParameterRef | None = None) -> ChainExplanation | None:
        return None if self.busy else super().explain(ref)

    def run(self, count: int) -> None:
        if not self._job_refuses():
            super().run(count)

    # ---- for the controller ----

    def _start_job(self, work: Work, label: str, failure_title: str, on_done: Callable[[Any], None]) -> bool:
        """Start ``work`` on a worker thread; ``on_done(result)`` runs on this thread once it has
        finished. False (and a message) if another job or a run holds the session."""
        if self._job is not None or self.running:
            self.message.emit(f"wait for {self.job_label or 'the run'} to end, or cancel it (Esc)")
            return False
        self.snapshot()  # cached: the views draw from it while the job runs
        job = SessionJob(work, label, failure_title, self)
        job.finished.connect(self._on_job_finished)
        job.failed.connect(self._on_job_failed)
        job.cancelled.connect(self._on_job_cancelled)
        self._job = job
        self._on_job_done = on_done
        self.message.emit(f"{label}…")
        self.job_changed.emit(self.job_state)
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

    # ---- answers ----

    def _end_job(self) -> Callable[[Any], None] | None:
        done = self._on_job_done
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
