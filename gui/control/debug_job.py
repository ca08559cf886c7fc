"""One run of :func:`engine.learner.debug.debug_code` on a worker thread.

The debug runs the learner's program in a subprocess for seconds; the window stays live
meanwhile. Cancelling sets the event the engine polls, which kills the learner's process tree.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, QThread, Signal, Slot

from engine import GradstepError
from engine.learner.debug import DebugReport, debug_code
from engine.learner.debug.stepping import LineStep, line_steps

# threads of debugs still ending when their window closed: a QThread destroyed while it runs
# aborts Python, so they are kept until the process ends
_ORPHANS: list[tuple[QThread, QObject]] = []


@dataclass(frozen=True)
class DebugResult:
    """The report and its lines as the window steps through them (computed off the GUI thread)."""

    code: Path
    report: DebugReport
    steps: tuple[LineStep, ...]


class _DebugWorker(QObject):
    """Runs the debug off the GUI thread and always answers exactly once."""

    finished = Signal(object)  # DebugResult
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, code: Path, iterations: int, timeout: float) -> None:
        super().__init__()
        self._code = code
        self._iterations = iterations
        self._timeout = timeout
        self.cancel_event = threading.Event()  # set from the GUI thread; the engine polls it

    @Slot()
    def run(self) -> None:
        try:
            report = debug_code(self._code, None, self._iterations, self._timeout, cancel=self.cancel_event)
            result = DebugResult(self._code, report, line_steps(report))
        except (GradstepError, OSError) as exc:
            if self.cancel_event.is_set():
                self.cancelled.emit()
            else:
                self.failed.emit(str(exc))
            return
        except Exception as exc:  # a thread must always answer, or the window waits forever
            self.failed.emit(f"the debugger itself failed: {type(exc).__name__}: {exc}")
            return
        if self.cancel_event.is_set():
            self.cancelled.emit()
        else:
            self.finished.emit(result)


class DebugJob(QObject):
    """A debug of ``code``: answers once through ``finished``, ``failed`` or ``cancelled``, then
    its thread has ended. After :meth:`abandon` it answers nothing."""

    finished = Signal(object)  # DebugResult
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, code: Path, iterations: int, timeout: float, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.code = code
        self.cancelling = False
        self._thread: QThread | None = QThread()
        self._worker = _DebugWorker(code, iterations, timeout)
        self._worker.moveToThread(self._thread)
        self._thread.started.connect(self._worker.run)
        self._worker.finished.connect(self._on_worker_finished)
        self._worker.failed.connect(self._on_worker_failed)
        self._worker.cancelled.connect(self._on_worker_cancelled)
        self._thread.start()

    def cancel(self) -> None:
        """Ask the debug to stop; ``cancelled`` follows once the learner's process is gone."""
        self._worker.cancel_event.set()
        self.cancelling = True

    def abandon(self, timeout_ms: int) -> None:
        """Cancel for good (the window is closing): wait briefly, answer nothing."""
        thread = self._thread
        if thread is None:
            return
        self._worker.cancel_event.set()
        self._thread = None  # an answer still on its way is now ignored
        thread.quit()
        if thread.wait(timeout_ms):
            thread.deleteLater()
        else:
            _ORPHANS.append((thread, self._worker))

    def wait(self, timeout_ms: int) -> bool:
        """Block until the debug's thread has ended."""
        return self._thread is None or self._thread.wait(timeout_ms)

    def _end_thread(self) -> bool:
        """Stop the thread; False if the job was abandoned and must not answer."""
        thread = self._thread
        if thread is None:
            return False
        thread.quit()
        thread.wait()
        thread.deleteLater()
        self._thread = None
        return True

    @Slot(object)
    def _on_worker_finished(self, result: DebugResult) -> None:
        if self._end_thread():
            self.finished.emit(result)

    @Slot(str)
    def _on_worker_failed(self, message: str) -> None:
        if self._end_thread():
            self.failed.emit(message)

    @Slot()
    def _on_worker_cancelled(self) -> None:
        if self._end_thread():
            self.cancelled.emit()
