"""The one object that owns the engine session in the window.

Views take the controller in their constructor, connect to its signals in ``__init__`` and
redraw from :meth:`SessionController.snapshot`; they never compute a number, never reach the
session and never talk to each other. What the user is doing is a state of this object, not a
second controller: exploring freely, replaying a walkthrough (``"tutorial"``) or recording one
(``"recording"``), announced by ``mode_changed``; a check of the learner's code runs beside any
of them, announced by ``check_changed``, and so does a debug of the learner's own program
(``debug_changed``, :mod:`gui.control.debug_mode`), whose line cursor shows a wrong line's
gradient beside the correct one through the check's marks. Long work on sessions (a tutorial
step of many iterations, Apply of a large configuration, opening a large file, an export) is a
job on a worker thread with Cancel (``job_changed``, :mod:`gui.control.session_jobs`).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QObject, Signal, Slot

from engine import ParameterRef, Session, SessionConfig
from engine.files.walkthrough import Step, ViewState, Walkthrough
from gui.control.check_job import CheckJob
from gui.control.lock_sharing import yielding
from gui.control.recorder import Recorder
from gui.control.session_jobs import JobCore

if TYPE_CHECKING:
    from engine.learner.check import CheckReport, LayerMarks
    from gui.control.replay import Replay, ReplayOutcome, TutorialState

MODES = ("explore", "tutorial", "recording")
CHECK_STATES = ("idle", "running", "cancelling")
CLOSE_WAIT_MS = 3000  # how long closing the window waits for a cancelled check's thread


class SessionController(JobCore):
    """Owns the :class:`engine.Session` and the window's modes; every change is re-emitted."""

    mode_changed = Signal(str)  # "explore" | "tutorial" | "recording"
    walkthrough_changed = Signal()  # the step shown, its results, or the recorded steps changed
    check_changed = Signal(str)  # "idle" | "running" | "cancelling"; also when marks are cleared
    check_finished = Signal(object)  # CheckReport
    check_failed = Signal(str)

    def __init__(
        self, config: SessionConfig, path: Path | None = None, parent: QObject | None = None
    ) -> None:
        super().__init__(config, path, parent)
        self._replay: Replay | None = None
        self._replaying = False  # showing a replayed state: not the user's doing
        self._recorder = Recorder(config)
        self._check: CheckJob | None = None
        self._check_report: CheckReport | None = None
        self._checked_code: Path | None = None

    # ---- modes ----

    @property
    def mode(self) -> str:
        if self._recorder.active:
            return "recording"
        return "tutorial" if self._replay is not None else "explore"

    @property
    def tutorial(self) -> TutorialState | None:
        """Where the walkthrough being replayed stands (None: no tutorial)."""
        return None if self._replay is None else self._replay.state()

    def play_walkthrough(self, walkthrough: Walkthrough, session: Session | None = None) -> None:
        """Enter tutorial mode on ``walkthrough``, before its first step (``session``: its
        session already built, by a job that opened the file)."""
        if self._job_refuses():
            return
        from gui.control.replay import Replay  # tutorial mode: loaded when a walkthrough plays

        self.stop_recording()
        self._replaying = True
        try:
            self._show_session(session or self._make_session(walkthrough.session), None)
            self._replay = Replay(walkthrough, self._session, self._make_session)
            self.select(None)
            self.set_color_by("weight")
            self.set_sample(0)
        finally:
            self._replaying = False
        self.mode_changed.emit(self.mode)
        self.walkthrough_changed.emit()

    def goto_step(self, index: int) -> None:
        """Show the state after step ``index`` (-1: before the first), exactly as recorded. A
        replay of many iterations runs as a job: the window shows the step once it is done."""
        replay = self._replay
        if replay is None or self.running or self._job_refuses() or not -1 <= index < replay.step_count:
            return
        if not replay.is_long(index):
            self._show_step(replay, replay.goto(index))
            return

        def work(cancel: threading.Event) -> ReplayOutcome:
            return replay.compute(index, yielding(cancel.is_set))

        def done(outcome: ReplayOutcome) -> None:
            if self._replay is replay:  # else the tutorial was left meanwhile
                self._show_step(replay, replay.adopt(outcome), copied=True)

        self._start_job(work, f"replaying step {index + 1}", "Cannot replay the step", done)

    def _show_step(self, replay: Replay, session: Session, copied: bool = False) -> None:
        """Show the replay's state after the step it went to (``copied``: replayed on a copy of
        the session shown, which takes its place)."""
        self._replaying = True
        try:
            if copied and session.config is self.config:
                self._take_over(session)
            elif session is not self._session:
                self._show_session(session, self._path)
            else:
                self._changed()
            self.select(replay.view.selection)
            self.set_color_by(replay.view.color_by)
            self.set_sample(replay.view.sample)
        finally:
            self._replaying = False
        self.walkthrough_changed.emit()

    def next_step(self) -> None:
        if self._replay is not None:
            self.goto_step(self._replay.index + 1)

    def previous_step(self) -> None:
        if self._replay is not None and self._replay.index >= 0:
            self.goto_step(self._replay.index - 1)

    def leave_tutorial(self) -> None:
        """Leave tutorial mode; the session stays as it is, for free exploration."""
        if self._replay is not None:
            if self.busy:
                self.cancel_job()  # a step being replayed is not shown: the session stays as it is
            self._replay = None
            self.mode_changed.emit(self.mode)
            self.walkthrough_changed.emit()

    # ---- recording ----

    @property
    def recorded(self) -> tuple[Step, ...]:
        """The steps recorded (kept after the recording stops, until saved or discarded)."""
        return self._recorder.steps

    @property
    def recording_title(self) -> str:
        return self._recorder.title

    def set_recording_title(self, title: str) -> None:
        self._recorder.title = title

    def start_recording(self, title: str = "") -> None:
        """Record from the current state: every later action becomes a step."""
        if self._job_refuses():  # the recording starts from the session a job holds
            return
        self.leave_tutorial()
        title = title or self.config.title or "Untitled walkthrough"
        self._recorder.start(self._session, self._view_state(), title)
        self.mode_changed.emit(self.mode)
        self.walkthrough_changed.emit()

    def stop_recording(self) -> None:
        if self._recorder.active:
            self._recorder.active = False
            self.mode_changed.emit(self.mode)
            self.walkthrough_changed.emit()

    def add_note(self, caption: str = "") -> None:
        """A caption-only step at the current state."""
        if self._recorder.active:
            self._record(Step("note", caption=caption))

    def set_caption(self, index: int, caption: str) -> None:
        """Edit the caption of recorded step ``index``."""
        self._recorder.set_caption(index, caption)

    def remove_last_step(self) -> None:
        """Forget the last recorded step (the window stays where it is)."""
        if self._recorder.remove_last():
            self.walkthrough_changed.emit()

    def discard_recorded(self) -> None:
        """Forget the recorded steps (after the user chose not to save them)."""
        if self._recorder.clear():
            self.walkthrough_changed.emit()

    def recorded_walkthrough(self, title: str | None = None) -> Walkthrough:
        return self._recorder.walkthrough(title)

    def save_recording(self, path: Path, title: str | None = None) -> Walkthrough:
        """Write the recorded walkthrough atomically (raises GradstepError or OSError)."""
        return self._recorder.save(path, title)

    # ---- check my code ----

    @property
    def check_state(self) -> str:
        if self._check is None:
            return "idle"
        return "cancelling" if self._check.cancelling else "running"

    @property
    def checking(self) -> bool:
        return self._check is not None

    @property
    def check_report(self) -> CheckReport | None:
        """The last check's report on this session (None: none, cleared, or for another session);
        else the debug line shown, when it is a wrong update (yours beside correct)."""
        return self._check_report if self._check_report is not None else self.line_check

    @property
    def has_check_result(self) -> bool:
        """Whether a check's own report is kept (not a debug line's yours-beside-correct)."""
        return self._check_report is not None

    @property
    def checked_code(self) -> Path | None:
        """The learner's file the last check started on."""
        return self._checked_code

    @property
    def check_marks(self) -> tuple[LayerMarks, ...] | None:
        """The parameters whose gradient the last check (or the debug line shown) found wrong."""
        report = self.check_report
        return None if report is None or report.gradients is None else report.gradients.marks

    def start_check(self, code: Path, iterations: int, timeout: float) -> None:
        """Check ``code`` against the current session on a worker thread; the window stays live."""
        if self._check is not None or self.debugging:
            self.message.emit("a check or a debug is already running")
            return
        job = CheckJob(Path(code), self.config, iterations, timeout, self)
        job.finished.connect(self._on_check_finished)
        job.failed.connect(self._on_check_failed)
        job.cancelled.connect(self._on_check_cancelled)
        self._check = job
        self._checked_code = job.code
        self.message.emit(f"checking {job.code.name} against the correct computation…")
        self.check_changed.emit(self.check_state)

    def cancel_check(self) -> None:
        """Ask a running check to stop; its process is killed and the window says so, no dialog."""
        if self._check is not None and not self._check.cancelling:
            self._check.cancel()
            self.message.emit("cancelling the check…")
            self.check_changed.emit(self.check_state)

    def shut_down_check(self, timeout_ms: int = CLOSE_WAIT_MS) -> None:
        """Cancel a running check for good (the window is closing): wait briefly, answer nothing."""
        if self._check is not None:
            self._check.abandon(timeout_ms)
            self._check = None
            self.check_changed.emit(self.check_state)

    def wait_check(self, timeout_ms: int = 60_000) -> bool:
        """Block until a running check's thread has ended (tests, closing)."""
        return self._check is None or self._check.wait(timeout_ms)

    def clear_check(self) -> None:
        """Forget the last check's report: its marks leave the views."""
        if self._check_report is not None:
            self._check_report = None
            self.check_changed.emit(self.check_state)

    # ---- hooks of the session core and the debug state ----

    def _other_job(self) -> bool:
        return self.checking

    def _line_marks_changed(self) -> None:
        self.check_changed.emit(self.check_state)

    def new_session(self, config: SessionConfig, path: Path | None = None) -> None:
        if not self._job_refuses():
            self._show_built(self._make_session(config), path)

    def _show_opened(self, source: SessionConfig | Walkthrough, session: Session, path: Path) -> None:
        if isinstance(source, Walkthrough):
            self.play_walkthrough(source, session)
        else:
            super()._show_opened(source, session, path)

    def _show_built(self, session: Session, path: Path | None) -> None:
        # another session was opened or applied: neither a walkthrough nor a recording fits it
        self.leave_tutorial()
        if self._recorder.active:
            self.stop_recording()
            count = len(self._recorder.steps)
            if count:
                self.message.emit(
                    f"recording stopped: another session replaced the recorded one; Save Walkthrough "
                    f"still keeps the {count} step{'s' if count != 1 else ''} recorded"
                )
        super()._show_built(session, path)

    def _moved(self, before: int) -> None:
        # before the recording's start the walkthrough's session has no state: replay could not
        # show it, so the cursor stops there
        floor = self._recorder.floor
        if self._recorder.active and not self._replaying and self._session.position < floor:
            self._session.goto_position(floor)
            iteration = self._session.iteration
            self.message.emit(
                f"the recording starts at iteration {iteration}: a walkthrough cannot go back before its "
                "start (stop recording to step back further)"
            )
        super()._moved(before)

    def _show_session(self, session: Session, path: Path | None) -> None:
        self.clear_check()  # a report is about the session it checked
        super()._show_session(session, path)

    def _took(self, step: Step) -> None:
        if self._replaying:
            return
        if self._recorder.active:
            self._record(step)
        elif self._replay is not None and self._replay.note_action(step):
            self.walkthrough_changed.emit()
        super()._took(step)

    def _record(self, step: Step) -> None:
        self._recorder.append(self._session, self._view_state(), step)
        self.walkthrough_changed.emit()

    def _view_state(self) -> ViewState:
        return ViewState(self.selection, self.color_by, self.sample)

    @Slot(object)
    def _on_check_finished(self, report: CheckReport) -> None:
        job = self._check
        if job is None:
            return
        self._check = None
        if job.config is self.config:  # else the session changed meanwhile: nothing to mark
            self._check_report = report
            first = _first_marked(report)
            if first is not None:
                self.select(first)
        verdict = "agrees" if report.agrees else "disagrees: see the marked edges"
        self.message.emit(f"check of {job.code.name}: {verdict}")
        self.check_changed.emit(self.check_state)
        self.check_finished.emit(report)

    @Slot(str)
    def _on_check_failed(self, text: str) -> None:
        self._check = None
        self.message.emit("the check could not run")
        self.check_changed.emit(self.check_state)
        self.check_failed.emit(text)

    @Slot()
    def _on_check_cancelled(self) -> None:
        self._check = None
        self.message.emit("check cancelled: your code was stopped")
        self.check_changed.emit(self.check_state)


def _first_marked(report: CheckReport) -> ParameterRef | None:
    """The marked parameter nearest the output: the backward pass's first wrong number."""
    g = report.gradients
    if g is None:
        return None
    for layer in range(len(g.marks) - 1, -1, -1):
        weights = np.argwhere(g.marks[layer].weights)
        if weights.size:
            return ParameterRef(layer, int(weights[0, 0]), int(weights[0, 1]))
        biases = np.flatnonzero(g.marks[layer].bias)
        if biases.size:
            return ParameterRef(layer, int(biases[0]), None)
    return None
