"""A run from the window: on the worker thread with the BLAS thread policy applied there,
progress reaching the window while it runs, and Pause ending it."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt

import gui.control.lock_sharing as lock_sharing
from engine import Breakpoints, Session, parse_session
from engine.core import threads
from engine.files.examples import resolve
from gui.control.lock_sharing import RUN_YIELD_EVERY, RUN_YIELD_FOR
from gui.control.run_worker import FRAME_SECONDS, REDRAW_GAP, RunProgress, RunWorker, ends_before_next_frame
from gui.controller import SessionController
from tests.helpers import tiny_session_dict


@pytest.fixture
def controller(qtbot) -> Iterator[SessionController]:
    c = SessionController(parse_session(tiny_session_dict()))
    yield c
    c.wait_idle()
    threads.apply(threads.DEFAULT_THREADS)


def test_the_worker_runs_with_the_chosen_blas_threads(
    qtbot, controller: SessionController, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads.apply(2)  # as `GRADSTEP_THREADS=2 gradstep` would have chosen
    seen: list[tuple[str, list[int]]] = []
    run_iterations = Session.run_iterations

    def recording(self: Session, *args: object, **kwargs: object) -> object:
        seen.append((threading.current_thread().name, threads.blas_threads()))
        return run_iterations(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Session, "run_iterations", recording)
    with qtbot.waitSignal(controller.run_finished, timeout=10_000):
        controller.run(50)
    assert seen
    assert all(name != threading.main_thread().name for name, _ in seen)
    assert all(counts and set(counts) == {2} for _, counts in seen)


def test_progress_arrives_and_pause_stops_the_run(qtbot, controller: SessionController) -> None:
    shown: list[int] = []
    controller.stage_changed.connect(lambda: shown.append(controller.snapshot().iteration))
    controller.run(100_000_000)
    qtbot.waitUntil(lambda: len(shown) >= 3, timeout=10_000)  # the window keeps getting progress
    assert shown == sorted(shown)
    assert shown[-1] > 0
    with qtbot.waitSignal(controller.run_finished, timeout=10_000) as finished:
        controller.pause()
    assert finished.args[0].reason == "stopped"
    assert not controller.running
    assert 0 < controller.session.iteration < 100_000_000


def test_the_worker_waits_for_the_window_to_show_a_progress_before_the_next() -> None:
    config = resolve("example:xor")
    worker = RunWorker(Session(config), 20_000, Breakpoints())  # far longer than two frames
    unanswered: list[int] = []
    worker.progress.connect(lambda progress: unanswered.append(progress.done))
    worker.run()  # on this thread: nothing shows the progress, so only the first is sent
    assert len(unanswered) == 1

    worker = RunWorker(Session(config), 20_000, Breakpoints())
    answered: list[int] = []

    def show(progress: RunProgress) -> None:
        answered.append(progress.done)
        worker.shown(0.0)

    worker.progress.connect(show)
    worker.run()
    assert len(answered) >= 2
    assert answered == sorted(answered)


def test_the_worker_lets_the_window_take_the_interpreter_between_frames(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A run's dot products hand the interpreter's lock back and forth too fast for the window's
    thread to get it: the worker sleeps RUN_YIELD_FOR every RUN_YIELD_EVERY of its work, so Pause
    and the window's timers are not held up until the next frame."""
    clock = [0.0]
    sleeps: list[float] = []

    def perf_counter() -> float:
        clock[0] += 0.001  # a millisecond of work between two looks at the clock
        return clock[0]

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        clock[0] += seconds

    monkeypatch.setattr(lock_sharing.time, "perf_counter", perf_counter)
    monkeypatch.setattr(lock_sharing.time, "sleep", sleep)
    worker = RunWorker(Session(resolve("example:xor")), 2_000, Breakpoints())
    worker.progress.connect(lambda progress: worker.shown(0.0))
    worker.run()
    assert sleeps
    assert set(sleeps) == {RUN_YIELD_FOR}
    assert len(sleeps) == pytest.approx(clock[0] / (RUN_YIELD_EVERY + 0.001), rel=0.25)


def test_the_worker_computes_nothing_while_the_window_draws_a_progress() -> None:
    """Drawing beside the worker, the window's thread waited for the interpreter's lock at every
    call into Qt (and in a short run never finished a redraw): the worker now waits until the
    window has shown the progress, or Pause, or MAX_GAP_SECONDS."""
    session = Session(resolve("example:xor"))
    worker = RunWorker(session, 200_000, Breakpoints())  # seconds of work: never done in this test
    arrived = threading.Event()
    at_progress: list[int] = []

    def on_progress(progress: RunProgress) -> None:  # on the worker's thread (direct connection)
        at_progress.append(session.iteration)
        arrived.set()

    worker.progress.connect(on_progress, Qt.ConnectionType.DirectConnection)
    thread = threading.Thread(target=worker.run)
    thread.start()
    try:
        assert arrived.wait(10)
        stalled = session.iteration
        assert stalled == at_progress[0]
        threading.Event().wait(0.2)  # the window "draws" for a while
        assert session.iteration == stalled  # nothing computed meanwhile
        worker.shown(0.0)
        deadline = threading.Event()
        for _ in range(100):
            if session.iteration > stalled:
                break
            deadline.wait(0.01)
        assert session.iteration > stalled  # and it goes on once the window has shown it
    finally:
        worker.stop()
        thread.join(10)
    assert not thread.is_alive()


def test_no_progress_frame_when_the_run_ends_before_its_time_on_screen_is_up() -> None:
    """A frame drawn 20 ms before the final one is only a delay: after a 12 ms redraw the next
    frame waits REDRAW_GAP times as long, so a rest of the run shorter than that gets none."""
    gap = REDRAW_GAP * 0.012
    assert ends_before_next_frame(0, 50e-6, 0.012)
    assert ends_before_next_frame(int(0.9 * gap / 50e-6), 50e-6, 0.012)
    assert not ends_before_next_frame(int(1.1 * gap / 50e-6), 50e-6, 0.012)
    # a window that draws in no time still gets a frame each FRAME_SECONDS of a longer run
    assert not ends_before_next_frame(int(1.1 * FRAME_SECONDS / 50e-6), 50e-6, 0.0)


def test_a_frame_costs_the_run_from_making_the_progress_to_the_window_having_drawn_it() -> None:
    """The window measures only its redraw; the run also lost the making and the hand-over of the
    progress (it computes nothing meanwhile), and the gap to the next frame follows all of it."""
    worker = RunWorker(Session(resolve("example:xor")), 1_000, Breakpoints())
    worker._emit(0)  # as the run does: progress made, the worker now waits for the window
    threading.Event().wait(0.05)  # delivery and drawing
    worker.shown(0.005)  # the window's own measure of its redraw
    assert worker.frame_seconds >= 0.05
    worker.shown(0.004)  # a redraw with no progress waiting (a click during the run)
    assert worker.frame_seconds == 0.004
