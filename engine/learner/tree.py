"""Kill a child process's whole tree: its group, its descendants, and those that left both.

A learner's code may start processes of its own, in its own process group or in a session of
their own (``start_new_session=True``, a double fork). Three nets catch them: the child's
process group, the parent links under ``/proc`` (the child's supervisor adopts its orphans, see
:mod:`engine.learner.bootstrap`) and a token in the environment that every descendant inherits.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress

from engine.learner import bootstrap

TOKEN_VARIABLE = "GRADSTEP_CHILD"
_REAP_SECONDS = 2.0
_PR_GET_CHILD_SUBREAPER = 37  # its value comes back through a pointer: not bootstrap.prctl


def kill_tree(leader: int, token: str) -> None:
    """SIGKILL the child ``leader``, its process group, its descendants and every process
    carrying ``token`` in ``GRADSTEP_CHILD``, then reap those that became ours.

    Each is stopped as it is found, so none forks away while the tree is read.
    """
    found = bootstrap.kill_all(lambda: _tree(leader, token))
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(leader, signal.SIGKILL)  # the group's id is the unreaped leader's: never reused
    _reap(found - {leader})


def _tree(leader: int, token: str) -> set[int]:
    """The leader, its group, every process carrying the token, and all their descendants."""
    table = bootstrap.process_table()
    marker = f"{TOKEN_VARIABLE}={token}".encode()
    members = {pid for pid, (_, group) in table.items() if group == leader}
    members |= {pid for pid in table if _carries(pid, marker)}
    members.add(leader)
    return bootstrap.descendants(members, table)


def _carries(pid: int, marker: bytes) -> bool:
    try:
        with open(f"/proc/{pid}/environ", "rb") as environ:
            return marker in environ.read().split(b"\0")
    except OSError:  # another user's process, or it ended
        return False


def _reap(pids: set[int]) -> None:
    """Wait for the killed processes that were reparented to this one (see :func:`subreaper`);
    give up on the others (their own parents reap them) once they are dead."""
    end = time.monotonic() + _REAP_SECONDS
    left = set(pids)
    while left and time.monotonic() < end:
        for pid in list(left):
            try:
                done, _ = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                done = pid if not _running(pid) else 0
            if done:
                left.discard(pid)
        if left:
            time.sleep(0.01)


def _running(pid: int) -> bool:
    """Whether ``pid`` exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            state = stat.read().rsplit(b")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in (b"Z", b"X")


_subreaper_lock = threading.Lock()
_subreaper_users = 0
_subreaper_before = 0


@contextmanager
def subreaper() -> Iterator[None]:
    """While a child runs, this process adopts its orphaned descendants (Linux), so the
    killed ones are reaped here instead of lingering as zombies under an init that does not
    reap (as in some containers)."""
    global _subreaper_users, _subreaper_before
    with _subreaper_lock:
        if _subreaper_users == 0:
            _subreaper_before = _get_subreaper()
            bootstrap.prctl(bootstrap.PR_SET_CHILD_SUBREAPER, 1)
        _subreaper_users += 1
    try:
        yield
    finally:
        with _subreaper_lock:
            _subreaper_users -= 1
            if _subreaper_users == 0 and not _subreaper_before:
                bootstrap.prctl(bootstrap.PR_SET_CHILD_SUBREAPER, 0)


def _get_subreaper() -> int:
    if not sys.platform.startswith("linux"):
        return 0
    import ctypes

    value = ctypes.c_int(0)
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_GET_CHILD_SUBREAPER, ctypes.byref(value), 0, 0, 0)
    except (OSError, AttributeError):
        return 0
    return value.value
