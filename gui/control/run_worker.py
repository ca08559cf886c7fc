"""Runs on a worker thread, in chunks: the session belongs to the worker until it answers."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from PySide6.QtCore import QObject, Signal, Slot

from engine import Breakpoints, RunResult, Session, Snapshot

FRAME_SECONDS = 1 / 30  # the view refreshes at most this often while a run goes flat out


@dataclass(frozen=True)
class RunProgress:
    """What the worker hands the window after each chunk."""

    snapshot: Snapshot
    losses: tuple[NDArray[np.int64], NDArray[np.float64]]
    gradient_norms: tuple[NDArray[np.int64], NDArray[np.float64]]
    done: int
    total: int


class RunWorker(QObject):
    """Runs ``count`` iterations of ``session``, handing back a snapshot about 30 times a second."""

    progress = Signal(object)  # RunProgress
    finished = Signal(object)  # RunResult

    def __init__(
        self, session: Session, count: int, breakpoints: Breakpoints, speed: float | None = None
    ) -> None:
        super().__init__()
        self._session = session
        self._count = count
        self._breakpoints = breakpoints
        self._speed = speed  # iterations per second; None runs flat out
        self._stop = False

    def stop(self) -> None:
        self._stop = True  # read by the engine between iterations: pause answers in milliseconds

    @Slot()
    def run(self) -> None:
        done = 0
        result = RunResult(0)
        start = last_emit = time.monotonic()
        while done < self._count and not self._stop:
            deadline = time.monotonic() + FRAME_SECONDS
            budget = self._count - done
            if self._speed is not None:
                # A paced run: only the iterations due by now, so each one can be seen.
                due = int(self._speed * (time.monotonic() - start)) + 1 - done
                budget = min(budget, due)
                if budget <= 0:
                    time.sleep(0.005)  # short naps keep Pause well inside 100 ms
                    continue

            def should_stop(deadline: float = deadline) -> bool:
                return self._stop or time.monotonic() >= deadline

            result = self._session.run_iterations(budget, self._breakpoints, should_stop=should_stop)
            done += result.iterations
            if result.reason not in (None, "stopped"):
                break
            now = time.monotonic()
            if now - last_emit >= FRAME_SECONDS or (self._speed is not None and result.iterations):
                self.progress.emit(
                    RunProgress(
                        self._session.snapshot(),
                        self._session.losses(),
                        self._session.gradient_norms(),
                        done,
                        self._count,
                    )
                )
                last_emit = now
        if result.reason == "stopped" or (self._stop and result.reason is None and done < self._count):
            result = RunResult(done, "stopped", f"paused at iteration {self._session.iteration}")
        else:
            result = RunResult(
                done, result.reason, result.message, result.iteration, result.stage, result.layer
            )
        self.finished.emit(result)
