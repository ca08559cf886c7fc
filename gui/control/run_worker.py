"""Runs on a worker thread, in chunks: the session belongs to the worker until it answers."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from PySide6.QtCore import QObject, Signal, Slot

from engine import Breakpoints, RunResult, Session, Snapshot
from engine.core import threads
from gui.control.lock_sharing import RUN_YIELD_EVERY, RUN_YIELD_FOR, yielding

FRAME_SECONDS = 1 / 30  # the view refreshes at most this often while a run goes flat out
# After a frame that cost the run d seconds (making the progress, handing it over, the window's
# redraw: PySide6 holds the interpreter lock in every Qt call, so the worker cannot compute
# meanwhile), the next waits at least REDRAW_GAP * d: frames then cost a run at most about
# 1 / (1 + REDRAW_GAP) of its time, however big the network's drawing is (XOR's frames cost
# 20 to 30 ms: 3 to 7 a second, measured). At 4, XOR runs from the window measured 1.3-1.5x
# the engine alone on a loaded machine.
REDRAW_GAP = 6.0
MAX_GAP_SECONDS = 1.0  # however slow the drawing, progress shows at least about once a second
POLL_SECONDS = 0.005  # short naps keep Pause well inside 50 ms


def _gap(redraw_seconds: float) -> float:
    """Seconds from the end of a redraw that cost ``redraw_seconds`` to the next progress."""
    return min(MAX_GAP_SECONDS, max(FRAME_SECONDS - redraw_seconds, REDRAW_GAP * redraw_seconds))


def ends_before_next_frame(left: int, seconds_each: float, redraw_seconds: float) -> bool:
    """True when the ``left`` iterations of a flat-out run (``seconds_each``, as measured so far)
    end within the gap a progress frame would leave after it: the final result would replace that
    frame before its time on screen was up, so drawing it would only delay the run."""
    return left * seconds_each < _gap(redraw_seconds)


@dataclass(frozen=True)
class RunProgress:
    """What the worker hands the window after each chunk."""

    snapshot: Snapshot
    losses: tuple[NDArray[np.int64], NDArray[np.float64]]
    gradient_norms: tuple[NDArray[np.int64], NDArray[np.float64]]
    done: int
    total: int


class RunWorker(QObject):
    """Runs ``count`` iterations of ``session``, handing back a snapshot at most 30 times a second,
    and only once the window has shown the previous one (:meth:`shown`)."""

    progress = Signal(object)  # RunProgress
    finished = Signal(object)  # RunResult

    def __init__(
        self,
        session: Session,
        count: int,
        breakpoints: Breakpoints,
        speed: float | None = None,
        redraw_seconds: float = 0.0,
    ) -> None:
        super().__init__()
        self._session = session
        self._count = count
        self._breakpoints = breakpoints
        self._speed = speed  # iterations per second; None runs flat out
        self._stop = False
        self._waiting = False  # a progress is on its way to the window, or being drawn
        self._next_emit = 0.0  # monotonic time before which no progress is sent
        self._redraw_seconds = redraw_seconds  # what the last frame (at first: redraw) cost the run
        self._drawn = threading.Event()  # set when the window has drawn the last progress
        self._emitted = 0.0  # monotonic time the last progress began to be made

    def stop(self) -> None:
        self._stop = True  # read by the engine between iterations: pause answers in milliseconds
        self._drawn.set()  # and a worker waiting for a redraw goes on to answer

    @property
    def frame_seconds(self) -> float:
        """What the last progress frame cost the run (or the redraw the run started after)."""
        return self._redraw_seconds

    def shown(self, seconds: float) -> None:
        """The window has drawn the last progress, which took ``seconds`` (called from its thread)."""
        now = time.monotonic()
        # What the frame cost the run: the window's redraw and also making the progress and
        # handing it over, during all of which the worker computed nothing (the window measured
        # 12 ms where the run lost 25 to 30 ms a frame, and frames took a quarter of a long run).
        cost = max(seconds, now - self._emitted) if self._waiting else seconds
        self._redraw_seconds = cost
        self._next_emit = now + _gap(cost)
        self._waiting = False
        self._drawn.set()

    @Slot()
    def run(self) -> None:
        threads.apply_chosen()  # per thread for an OpenMP BLAS; OpenBLAS already has it
        done = 0
        computing = 0.0  # seconds spent in the engine: its pace, without the waits for redraws
        result = RunResult(0)
        start = time.monotonic()
        self._next_emit = start + _gap(self._redraw_seconds)
        while done < self._count and not self._stop:
            budget = self._count - done
            if self._speed is not None:
                # A paced run: only the iterations due by now, so each one can be seen.
                due = int(self._speed * (time.monotonic() - start)) + 1 - done
                budget = min(budget, due)
                if budget <= 0:
                    time.sleep(POLL_SECONDS)
                    continue
            chunk = time.monotonic()
            result = self._session.run_iterations(budget, self._breakpoints, should_stop=self._chunk_end())
            computing += time.monotonic() - chunk
            done += result.iterations
            if result.reason not in (None, "stopped"):
                break
            if (
                self._speed is None
                and done
                and ends_before_next_frame(self._count - done, computing / done, self._redraw_seconds)
            ):
                continue
            if not self._waiting and (
                time.monotonic() >= self._next_emit or (self._speed is not None and result.iterations)
            ):
                self._emit(done)
                # The worker waits while the window draws: beside it, the window's Python handlers
                # starved for the interpreter's lock (see gui.control.lock_sharing) and a short run
                # drew no progress at all. The gap after each redraw bounds the wait.
                self._drawn.wait(MAX_GAP_SECONDS)
        if result.reason == "stopped" or (self._stop and result.reason is None and done < self._count):
            result = RunResult(done, "stopped", f"paused at iteration {self._session.iteration}")
        else:
            result = RunResult(
                done, result.reason, result.message, result.iteration, result.stage, result.layer
            )
        self.finished.emit(result)

    def _chunk_end(self) -> Callable[[], bool]:
        """When the current chunk stops: on Pause, or when the window may get a progress."""
        deadline = time.monotonic() + FRAME_SECONDS
        if not self._waiting:
            deadline = max(deadline, self._next_emit)

        def should_stop() -> bool:
            return self._stop or time.monotonic() >= deadline

        # the window's Pause, repaints and timers get the interpreter's lock between frames too
        return yielding(should_stop, RUN_YIELD_EVERY, RUN_YIELD_FOR)

    def _emit(self, done: int) -> None:
        session = self._session
        self._emitted = time.monotonic()
        self._waiting = True
        self._drawn.clear()
        self.progress.emit(
            RunProgress(session.snapshot(), session.losses(), session.gradient_norms(), done, self._count)
        )
