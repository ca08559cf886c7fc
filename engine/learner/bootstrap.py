"""The first code of a learner's child process: it confines itself, then runs the script.

``python -I -B -u bootstrap.py PARENT_PID MEMORY_LIMIT SCRIPT ARGS...``, started by
:func:`engine.learner.process.run_child`. The script then runs as ``python -I SCRIPT ARGS...``
would run it (``__name__ == "__main__"``, ``sys.argv == [SCRIPT, *ARGS]``), in a process that

- dies with the thread that started it (Linux's ``PR_SET_PDEATHSIG``), so a parent killed
  outright leaves no learner spinning at 100 % CPU;
- adopts its orphaned descendants (``PR_SET_CHILD_SUBREAPER``), so a grandchild whose own
  parent exits stays in this process's tree, where the parent's sweep finds it;
- cannot map more than ``MEMORY_LIMIT`` bytes (``RLIMIT_AS``; 0: no limit), and exits with
  :data:`MEMORY_EXIT_CODE` when a ``MemoryError`` escapes the script.

It imports nothing from Gradstep: the parent imports this module only for its constant.
"""

from __future__ import annotations

import os
import runpy
import signal
import sys
import traceback

MEMORY_EXIT_CODE = 97  # a MemoryError escaped the script: it hit the memory limit
PARENT_GONE_EXIT_CODE = 98  # the parent died before the child could tie its life to it

_PR_SET_PDEATHSIG = 1
_PR_SET_CHILD_SUBREAPER = 36


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


def confine(parent: int, memory_limit: int) -> None:
    """Tie this process's life to ``parent``'s and cap its memory."""
    if prctl(_PR_SET_PDEATHSIG, signal.SIGKILL) and os.getppid() != parent:
        os._exit(PARENT_GONE_EXIT_CODE)  # the parent died before prctl: nobody would kill us
    prctl(_PR_SET_CHILD_SUBREAPER, 1)
    if memory_limit > 0:
        limit_memory(memory_limit)


def main() -> int:
    parent, memory_limit, script, *args = sys.argv[1:]
    confine(int(parent), int(memory_limit))
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
