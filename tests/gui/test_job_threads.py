"""A job's thread hands the interpreter to the window now and then, and waiting for a job waits
for its answer, not for its thread's event loop (which only the window's thread ends)."""

from __future__ import annotations

import threading

import pytest

import gui.control.lock_sharing as lock_sharing
from gui.control.learner_job import LearnerJob
from gui.control.lock_sharing import YIELD_EVERY, YIELD_FOR, yielding


def test_waiting_for_a_job_returns_once_it_has_answered(qtbot) -> None:
    """The worker has answered while its thread still runs its event loop (the window's thread
    quits it on receiving the answer): wait() returns True then, where waiting for the thread
    blocked until the timeout (a walkthrough export waited 60 s at every long step)."""
    answers: list[object] = []
    job = LearnerJob(lambda cancel: 42, "test", start=False)
    job.finished.connect(answers.append)
    job.start()
    assert job.wait(5_000)
    assert job.running  # the thread was not ended: only the event loop below does that
    assert answers == []  # and the answer has not been delivered yet
    qtbot.waitUntil(lambda: answers == [42])
    assert not job.running


def test_a_job_made_not_to_start_waits_for_start(qtbot) -> None:
    ran = threading.Event()
    job = LearnerJob(lambda cancel: ran.set(), "test", start=False)
    assert not ran.wait(0.05)  # nothing runs before start()
    with qtbot.waitSignal(job.finished, timeout=5_000):
        job.start()
        job.start()  # once only
    assert ran.is_set()


def test_the_polling_function_pauses_every_so_often(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [100.0]
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        clock[0] += seconds

    monkeypatch.setattr(lock_sharing.time, "perf_counter", lambda: clock[0])
    monkeypatch.setattr(lock_sharing.time, "sleep", sleep)
    cancel = threading.Event()
    should_stop = yielding(cancel.is_set)
    polls = 0
    while clock[0] < 100.0 + 10 * YIELD_EVERY:
        assert not should_stop()
        polls += 1
        clock[0] += YIELD_EVERY / 4  # an iteration of work between two polls
    assert polls >= 30
    assert sleeps == [YIELD_FOR] * len(sleeps)
    assert 6 <= len(sleeps) <= 10  # about one pause per YIELD_EVERY of work (and pause)
    cancel.set()
    assert should_stop()
