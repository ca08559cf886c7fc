"""The first code of a learner's child process: it confines itself, then runs the script.

``python -I -B -u bootstrap.py PARENT_PID MEMORY_LIMIT SCRIPT ARGS...``, started by
:func:`engine.learner.process.run_child`. The script then runs as ``python -I SCRIPT ARGS...``
would run it (``__name__ == "__main__"``, ``sys.argv == [SCRIPT, *ARGS]``), in a worker
process under a small supervisor (this process before it forks). Both

- die with the process that started them (Linux's ``PR_SET_PDEATHSIG``), so a parent killed
  outright leaves no learner spinning at 100 % CPU;
- cannot map more than ``MEMORY_LIMIT`` bytes (``RLIMIT_AS``; 0: no limit); the worker exits
  with :data:`MEMORY_EXIT_CODE` when a ``MemoryError`` escapes the script.

The supervisor adopts every orphan of the worker's tree (``PR_SET_CHILD_SUBREAPER``), waits for
the worker, then kills whatever the worker left running (a grandchild in a session of its own,
with an environment of its own) and exits as the worker did. It imports nothing from
Gradstep; the parent uses its /proc helpers for its own sweep.
"""

from __future__ import annotations

import contextlib
import os
import runpy
import signal
import sys
import time
import traceback
from collections.abc import Callable, Iterable

MEMORY_EXIT_CODE = 97  # a MemoryError escaped the script: it hit the memory limit
PARENT_GONE_EXIT_CODE = 98  # the parent died before the child could tie its life to it

_PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36


def prctl(option: int, value: int) -> bool:
    """Linux's ``prctl(option, value)``; False where there is no such call."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(option, value, 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def limit_memory(limit: int) -> None:
    """Cap the address space at ``limit`` bytes (never above an existing hard cap)."""
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows has no rlimits
        return
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    # the hard limit too, so the learner's code cannot lift it
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def die_with(parent: int) -> None:
    """Be killed when ``parent`` dies."""
    if prctl(_PR_SET_PDEATHSIG, signal.SIGKILL) and os.getppid() != parent:
        os._exit(PARENT_GONE_EXIT_CODE)  # the parent died before prctl: nobody would kill us


# ---- the process tree, from /proc (Linux; elsewhere these find nothing) ----


def process_table() -> dict[int, tuple[int, int]]:
    """pid -> (parent pid, process group) of every process."""
    table: dict[int, tuple[int, int]] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return table
    for name in entries:
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
        except (OSError, IndexError):
            continue  # it ended while we looked
        table[int(name)] = (int(fields[1]), int(fields[2]))
    return table


def descendants(roots: Iterable[int], table: dict[int, tuple[int, int]]) -> set[int]:
    """``roots`` and everything descended from them, never this process."""
    me = os.getpid()
    children: dict[int, list[int]] = {}
    for pid, (parent, _) in table.items():
        children.setdefault(parent, []).append(pid)
    members = set(roots) - {me}
    stack = list(members)
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in members and child != me:
                members.add(child)
                stack.append(child)
    return members


def send(pid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, signum)


def kill_all(find: Callable[[], set[int]], sweeps: int = 20) -> set[int]:
    """SIGKILL every process ``find()`` names, asking again until it names no new one; each
    is stopped when found, so none forks away meanwhile (a fork bomb loses a round each time)."""
    found: set[int] = set()
    for _ in range(sweeps):
        new = find() - found
        if not new:
            break
        for pid in new:
            send(pid, signal.SIGSTOP)
        found |= new
    for pid in found:
        send(pid, signal.SIGKILL)
    return found


# ---- the supervisor ----


def supervise() -> None:
    """Fork; the worker returns (to run the script), this process never does."""
    me = os.getpid()
    worker = os.fork()
    if worker == 0:
        die_with(me)
        return
    _, status = os.waitpid(worker, 0)
    kill_all(lambda: below(me))
    reap_children(seconds=2.0)
    exit_like(os.waitstatus_to_exitcode(status))


def reap_children(seconds: float) -> None:
    """Reap what was killed (as a subreaper, every orphan of the tree is ours), giving up after
    ``seconds``: a process that could not be killed (another user's) must not keep the worker's
    answer from its parent."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return  # none left
        if pid == 0:
            time.sleep(0.01)


def below(pid: int) -> set[int]:
    """Every process descended from ``pid``."""
    table = process_table()
    return descendants([child for child, (parent, _) in table.items() if parent == pid], table)


def exit_like(code: int) -> None:
    """Exit with the worker's exit code, or die of the signal that killed it."""
    if code >= 0:
        os._exit(code)
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # the worker's crash, not ours: no core
        signal.signal(-code, signal.SIG_DFL)
    except (ImportError, OSError, ValueError):
        pass
    os.kill(os.getpid(), -code)
    os._exit(128 - code)


def main() -> int:
    parent, memory_limit, script, *args = sys.argv[1:]
    die_with(int(parent))
    if int(memory_limit) > 0:
        limit_memory(int(memory_limit))
    if prctl(PR_SET_CHILD_SUBREAPER, 1):
        supervise()
    sys.argv = [script, *args]
    try:
        runpy.run_path(script, run_name="__main__")
    except MemoryError:
        # say so by the exit code: printing the traceback may itself need memory
        try:
            traceback.print_exc()
            sys.stderr.flush()
        finally:
            os._exit(MEMORY_EXIT_CODE)
    return 0


if __name__ == "__main__":
    sys.exit(main())
