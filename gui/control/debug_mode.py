"""The controller's debug state: File > Debug My Code runs the learner's own program, the window
adopts the session it inferred, and a line cursor steps through the traced lines.

A state of the one controller (``debug_changed``), like a running check: the line cursor moves
the session's cursor and selection through the controller's own commands, following
:func:`engine.learner.debug.stepping.line_steps`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal, Slot

from engine import Session, SessionConfig
from engine.files.session_file import parse_session
from gui.control.session_core import SessionCore

if TYPE_CHECKING:  # the debugger's machinery is imported when a debug starts, not at launch
    from engine.learner.debug import DebugReport
    from engine.learner.debug.stepping import LineStep
    from engine.learner.report import CheckReport
    from gui.control.debug_job import DebugJob, DebugResult

DEBUG_STATES = ("idle", "running", "cancelling")
DEBUG_ITERATIONS = 3
DEBUG_TIMEOUT = 20.0


class DebugCore(SessionCore):
    """The session core plus a debug of the learner's code and its line cursor."""

    debug_changed = Signal(str)  # "idle" | "running" | "cancelling"; also when a report arrives or goes
    debug_finished = Signal(object)  # DebugReport
    debug_failed = Signal(str)
    debug_line_changed = Signal(object)  # LineStep | None

    def __init__(
        self, config: SessionConfig, path: Path | None = None, parent: QObject | None = None
    ) -> None:
        super().__init__(config, path, parent)
        self._debug: DebugJob | None = None
        self._debug_result: DebugResult | None = None
        self._debugged_code: Path | None = None
        self._line: int | None = None
        self._adopting = False  # showing the session a debug inferred: keep its report

    # ---- state ----

    @property
    def debug_state(self) -> str:
        if self._debug is None:
            return "idle"
        return "cancelling" if self._debug.cancelling else "running"

    @property
    def debugging(self) -> bool:
        return self._debug is not None

    @property
    def debug_report(self) -> DebugReport | None:
        """The last debug's report, while the window shows the session it inferred."""
        return None if self._debug_result is None else self._debug_result.report

    @property
    def debugged_code(self) -> Path | None:
        """The learner's file the last debug started on (kept when its report is cleared)."""
        return self._debugged_code

    @property
    def line_steps(self) -> tuple[LineStep, ...]:
        return () if self._debug_result is None else self._debug_result.steps

    @property
    def line_index(self) -> int | None:
        """Where the line cursor stands in :attr:`line_steps` (None: no report)."""
        return self._line

    @property
    def line_step(self) -> LineStep | None:
        return None if self._line is None else self.line_steps[self._line]

    @property
    def line_check(self) -> CheckReport | None:
        """The line shown, when it is a wrong update: yours beside correct, as a check reports it."""
        step = self.line_step
        return None if step is None else step.check

    # ---- commands ----

    def start_debug(
        self, code: Path, iterations: int = DEBUG_ITERATIONS, timeout: float = DEBUG_TIMEOUT
    ) -> None:
        """Debug ``code`` on a worker thread; on success the window shows the inferred session."""
        if self._debug is not None or self._other_job():
            self.message.emit("a check or a debug is already running")
            return
        from gui.control.debug_job import DebugJob

        job = DebugJob(Path(code), iterations, timeout, self)
        job.finished.connect(self._on_debug_finished)
        job.failed.connect(self._on_debug_failed)
        job.cancelled.connect(self._on_debug_cancelled)
        self._debug = job
        self._debugged_code = job.code
        self.message.emit(f"debugging {job.code.name}: running your program…")
        self.debug_changed.emit(self.debug_state)

    def cancel_debug(self) -> None:
        """Ask a running debug to stop; the learner's process is killed, no dialog."""
        if self._debug is not None and not self._debug.cancelling:
            self._debug.cancel()
            self.message.emit("cancelling the debug…")
            self.debug_changed.emit(self.debug_state)

    def shut_down_debug(self, timeout_ms: int = 3000) -> None:
        """Cancel a running debug for good (the window is closing): wait briefly, answer nothing."""
        if self._debug is not None:
            self._debug.abandon(timeout_ms)
            self._debug = None
            self.debug_changed.emit(self.debug_state)

    def wait_debug(self, timeout_ms: int = 60_000) -> bool:
        """Block until a running debug's thread has ended (tests, closing)."""
        return self._debug is None or self._debug.wait(timeout_ms)

    def clear_debug(self) -> None:
        """Forget the last debug's report (its file stays known, for a re-run)."""
        if self._debug_result is not None:
            self._debug_result = None
            self._line = None
            self._line_marks_changed()
            self.debug_line_changed.emit(None)
            self.debug_changed.emit(self.debug_state)

    def goto_line(self, index: int) -> None:
        """Put the line cursor on traced line ``index``; the session shows what that line computed."""
        steps = self.line_steps
        if not 0 <= index < len(steps) or self.running:
            return
        step = steps[index]
        self._line = index
        if step.cursor is not None:
            ahead, stage = step.cursor
            self.goto_iteration(self.start_iteration + step.iteration + ahead, stage)
        if step.ref is not None:
            self.select(step.ref)
        self._line_marks_changed()
        self.debug_line_changed.emit(step)

    def step_line(self) -> None:
        if self._line is not None:
            self.goto_line(self._line + 1)

    def back_line(self) -> None:
        if self._line is not None:
            self.goto_line(self._line - 1)

    # ---- hooks for the controller ----

    def _other_job(self) -> bool:
        """Whether another job (a check) holds the learner's code now."""
        return False

    def _line_marks_changed(self) -> None:
        """The line shown changed its yours-beside-correct: the views redraw their marks."""

    def _show_session(self, session: Session, path: Path | None) -> None:
        if not self._adopting:
            self.clear_debug()  # a report is about the session it inferred
        super()._show_session(session, path)

    # ---- answers of the job ----

    @Slot(object)
    def _on_debug_finished(self, result: DebugResult) -> None:
        if self._debug is None:
            return
        self._debug = None
        self._adopting = True
        try:
            self.new_session(parse_session(result.report.discovery.session), None)
        finally:
            self._adopting = False
        self._debug_result = result
        self._line = None
        from engine.learner.debug.stepping import first_wrong_step

        first = first_wrong_step(result.report, result.steps)
        verdict = "every line agrees" if first is None else f"line {result.steps[first].line} is wrong"
        self.message.emit(f"debug of {result.code.name}: {verdict}")
        self.debug_changed.emit(self.debug_state)
        if result.steps:
            self.goto_line(0 if first is None else first)
        self.debug_finished.emit(result.report)

    @Slot(str)
    def _on_debug_failed(self, text: str) -> None:
        self._debug = None
        self.message.emit("the debug could not run")
        self.debug_changed.emit(self.debug_state)
        self.debug_failed.emit(text)

    @Slot()
    def _on_debug_cancelled(self) -> None:
        self._debug = None
        self.message.emit("debug cancelled: your program was stopped")
        self.debug_changed.emit(self.debug_state)
