"""Helpers for the tests that start real child processes: waiting for pid files, and asking
whether a process is gone."""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path


def wait_for_pids(path: Path, count: int, seconds: float = 20.0) -> list[int]:
    """The ``count`` pids a test's script writes to ``path`` (space-separated), once written."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if path.exists():
            words = path.read_text().split()
            if len(words) >= count:
                return [int(word) for word in words[:count]]
        time.sleep(0.02)
    raise AssertionError(f"{path} did not get {count} pids within {seconds} s")


def gone(pid: int, seconds: float = 5.0) -> bool:
    """Whether ``pid`` no longer exists (reaped, not a zombie), within ``seconds``. A process
    that has become this test process's child (through a subreaper) is reaped here first."""
    end = time.monotonic() + seconds
    while True:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        if time.monotonic() >= end:
            return False
        time.sleep(0.02)


def running(pid: int) -> bool:
    """Whether ``pid`` exists and is not a zombie (dead but not yet reaped by its parent)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_bytes().rsplit(b")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in (b"Z", b"X")


def dead(pid: int, seconds: float = 5.0) -> bool:
    """Whether ``pid`` stops running (a zombie counts as dead) within ``seconds``."""
    end = time.monotonic() + seconds
    while running(pid):
        if time.monotonic() >= end:
            return False
        time.sleep(0.02)
    return True


def stopped(pid: int) -> bool:
    """Whether the process a window started stops running (a zombie counts: this machine's PID 1
    may never reap an orphan), waiting as long as a loaded machine may need (how promptly a
    cancel acts is timed separately)."""
    return dead(pid, seconds=15.0)
