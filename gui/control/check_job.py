"""One run of :func:`engine.learner.check.check_code` on a worker thread.

The check runs the learner's file in a subprocess and can take seconds; the window stays live
meanwhile. Cancelling sets an event the engine polls, which kills the learner's process.
"""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QObject, QThread, Signal, Slot

from engine import GradstepError, SessionConfig
from engine.learner.check import CheckCancelled, CheckReport, check_code

# threads of checks still ending when their window closed: a QThread destroyed while it runs
# aborts Python, so they are kept until the process ends (rare: the learner's process is killed)
_ORPHANS: list[tuple[QThread, QObject]] = []


class _CheckWorker(QObject):
    """Runs the check off the GUI thread and always answers exactly once."""

    finished = Signal(object)  # CheckReport
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, code: Path, config: SessionConfig, iterations: int, timeout: float) -> None:
        super().__init__()
        self._code = code
        self._config = config
        self._iterations = iterations
        self._timeout = timeout
        self.cancel_event = threading.Event()  # set from the GUI thread; the engine polls it

    @Slot()
    def run(self) -> None:
        try:
            report = check_code(
                self._code, self._config, self._iterations, self._timeout, cancel=self.cancel_event.is_set
            )
        except CheckCancelled:
            self.cancelled.emit()
            return
        except (GradstepError, OSError) as exc:
            self.failed.emit(str(exc))
            return
        except Exception as exc:  # a thread must always answer, or the window waits forever
            self.failed.emit(f"the check itself failed: {type(exc).__name__}: {exc}")
            return
        self.finished.emit(report)


class CheckJob(QObject):
    """A check of ``code`` against ``config``: answers once through ``finished``, ``failed`` or
    ``cancelled``, then its thread has ended. After :meth:`abandon` it answers nothing."""

    finished = Signal(object)  # CheckReport
    failed = Signal(str)
    cancelled = Signal()

    def __init__(
        self,
        code: Path,
        config: SessionConfig,
        iterations: int,
        timeout: float,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.code = code
        self.config = config  # the session checked: a report on another one marks nothing
        self.cancelling = False
        self._thread: QThread | None = QThread()
        self._worker = _CheckWorker(code, config, iterations, timeout)
        self._worker.moveToThread(self._thread)
        self._thread.started.connect(self._worker.run)
        self._worker.finished.connect(self._on_worker_finished)
        self._worker.failed.connect(self._on_worker_failed)
        self._worker.cancelled.connect(self._on_worker_cancelled)
        self._thread.start()

    @property
    def running(self) -> bool:
        return self._thread is not None

    def cancel(self) -> None:
        """Ask the check to stop; ``cancelled`` follows once the learner's process is gone."""
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
        """Block until the check's thread has ended."""
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
    def _on_worker_finished(self, report: CheckReport) -> None:
        if self._end_thread():
            self.finished.emit(report)

    @Slot(str)
    def _on_worker_failed(self, message: str) -> None:
        if self._end_thread():
            self.failed.emit(message)

    @Slot()
    def _on_worker_cancelled(self) -> None:
        if self._end_thread():
            self.cancelled.emit()
