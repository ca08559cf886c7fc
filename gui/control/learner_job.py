"""Work on the learner's own code (a check, a debug) on a worker thread.

The work runs the learner's program in a confined subprocess and can take seconds; the window
stays live meanwhile. Cancelling sets an event the engine polls, which kills the learner's
process tree. The job answers exactly once, through ``finished``, ``failed`` or ``cancelled``,
and only after its thread has ended.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

from engine import GradstepError

# threads of jobs still ending when their window closed: a QThread destroyed while it runs
# aborts Python, so they are kept until the process ends (rare: the learner's process is killed)
_ORPHANS: list[tuple[QThread, QObject]] = []

# the work: given the cancel event, returns the result; raises GradstepError for bad input
Work = Callable[[threading.Event], Any]


class _Worker(QObject):
    """Runs the work off the GUI thread and always answers exactly once."""

    finished = Signal(object)
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, work: Work, what: str) -> None:
        super().__init__()
        self._work = work
        self._what = what
        self.cancel_event = threading.Event()  # set from the GUI thread; the engine polls it
        self.answered = threading.Event()  # set once the answer is on its way to the GUI thread

    @Slot()
    def run(self) -> None:
        try:
            self._answer()
        finally:
            self.answered.set()

    def _answer(self) -> None:
        try:
            result = self._work(self.cancel_event)
        except (GradstepError, OSError) as exc:
            # a cancel ends the learner's process, which the engine reports as an error
            if self.cancel_event.is_set():
                self.cancelled.emit()
            else:
                self.failed.emit(str(exc))
            return
        except Exception as exc:  # a thread must always answer, or the window waits forever
            self.failed.emit(f"the {self._what} itself failed: {type(exc).__name__}: {exc}")
            return
        if self.cancel_event.is_set():
            self.cancelled.emit()
        else:
            self.finished.emit(result)


class LearnerJob(QObject):
    """One piece of work on the learner's code. After :meth:`abandon` it answers nothing."""

    finished = Signal(object)
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, work: Work, what: str, parent: QObject | None = None, start: bool = True) -> None:
        super().__init__(parent)
        self.cancelling = False
        self._thread: QThread | None = QThread()
        self._worker = _Worker(work, what)
        self._worker.moveToThread(self._thread)
        self._thread.started.connect(self._worker.run)
        self._worker.finished.connect(self._on_worker_finished)
        self._worker.failed.connect(self._on_worker_failed)
        self._worker.cancelled.connect(self._on_worker_cancelled)
        self._started = False
        if start:
            self.start()

    def start(self) -> None:
        """Start the work (once; a job made with ``start=False`` waits for this)."""
        if self._thread is not None and not self._started:
            self._started = True
            self._thread.start()

    @property
    def running(self) -> bool:
        return self._thread is not None

    def cancel(self) -> None:
        """Ask the work to stop; ``cancelled`` follows once the learner's process is gone."""
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
        """Block until the work has answered (starting it if it has not started); the answer
        itself arrives through the event loop. Not the thread's end: its event loop quits when
        the GUI thread receives the answer, so waiting for that blocked a walkthrough export
        for the whole timeout (60 s) at every long step."""
        self.start()
        return self._thread is None or self._worker.answered.wait(timeout_ms / 1000)

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
    def _on_worker_finished(self, result: object) -> None:
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
