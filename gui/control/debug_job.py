"""One run of :func:`engine.learner.debug.debug_code` on a worker thread."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject

from engine.learner.debug import DebugReport, debug_code
from engine.learner.debug.stepping import LineStep, line_steps
from gui.control.learner_job import LearnerJob


@dataclass(frozen=True)
class DebugResult:
    """The report and its lines as the window steps through them (computed off the GUI thread)."""

    code: Path
    report: DebugReport
    steps: tuple[LineStep, ...]


class DebugJob(LearnerJob):
    """A debug of ``code``; ``finished`` carries its :class:`DebugResult`."""

    def __init__(self, code: Path, iterations: int, timeout: float, parent: QObject | None = None) -> None:
        def work(cancel: threading.Event) -> DebugResult:
            report = debug_code(code, None, iterations, timeout, cancel=cancel)
            return DebugResult(code, report, line_steps(report))

        super().__init__(work, "debugger", parent)
        self.code = code
