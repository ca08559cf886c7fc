"""Run a learner's script in a child process that can never outlive its run.

The child runs ``python -I SCRIPT ARGS`` (through :mod:`engine.learner.bootstrap`, which
caps its memory and ties its life to this process) in its own session and process group,
with stdin closed. Its output comes through a pipe that is read as it arrives and kept up to
a cap; the parent waits for the *process*, never for the pipe's end, which a grandchild may
hold open. On every way out (the child's exit, a time-out, a cancel, an exception, Ctrl+C,
SIGTERM, SIGHUP) the whole tree is killed: the process group, every descendant found under
``/proc`` and every process that carries the child's token in its environment (a grandchild
in a session of its own), each stopped first so that none can fork away, then killed and
reaped.
"""

from __future__ import annotations

import math
import os
import secrets
import select
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from engine.errors import GradstepError
from engine.interrupts import deferred_signals, signals_raise
from engine.learner import bootstrap
from engine.learner.tree import TOKEN_VARIABLE, kill_tree, subreaper

DEFAULT_MEMORY_LIMIT = 2 * 1024**3  # bytes: a small network's backprop needs a fraction of it
MIN_MEMORY_LIMIT = 256 * 1024**2  # below this Python and NumPy cannot start
MAX_MEMORY_LIMIT = 2**50  # 1 PB: beyond any machine, still a valid rlimit
OUTPUT_LIMIT = 64 * 1024  # bytes of the child's output kept: the first 3/4 and the last 1/4
MEMORY_EXIT_CODE = bootstrap.MEMORY_EXIT_CODE
POLL_SECONDS = 0.05  # how often a running child's time limit and cancel request are looked at
BOOTSTRAP = Path(bootstrap.__file__)
# a learner's BLAS must not start one thread (and reserve its address space) per core
_SINGLE_THREADED = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


@dataclass(frozen=True)
class ChildResult:
    """How a child process ended and what it printed."""

    returncode: int  # negative: killed by that signal; MEMORY_EXIT_CODE: it ran out of memory
    output: str  # what the child printed (stdout and stderr), capped
    truncated: bool  # the cap cut it


class ChildTimeout(GradstepError):
    """The child did not finish in time; its process tree was killed."""


class ChildCancelled(GradstepError):
    """The caller cancelled the child; its process tree was killed."""


def run_child(
    script: Path,
    args: Sequence[str],
    *,
    timeout: float,
    memory_limit: int | None = DEFAULT_MEMORY_LIMIT,
    cwd: Path | None = None,
    cancel: threading.Event | None = None,
    env: Mapping[str, str] | None = None,
    stop: Callable[[], bool] | None = None,
    output_limit: int = OUTPUT_LIMIT,
) -> ChildResult:
    """Run ``python -I script *args`` in a confined child and return how it ended.

    Parameters
    ----------
    script, args
        The Python file and its arguments.
    timeout
        Seconds the child may run (positive and finite).
    memory_limit
        Bytes of address space the child may map (``RLIMIT_AS``), at least
        :data:`MIN_MEMORY_LIMIT`; None: no limit. A ``MemoryError`` that escapes the script
        ends it with :data:`MEMORY_EXIT_CODE`.
    cwd
        The child's working directory (default: this process's).
    cancel, stop
        Looked at every few hundredths of a second; when ``cancel`` is set or ``stop()``
        returns True the child is stopped and :class:`ChildCancelled` raised.
    env
        The child's environment (default: this process's). The child also gets
        ``GRADSTEP_CHILD`` (its token) and single-threaded BLAS unless ``env`` says otherwise.
    output_limit
        Bytes of output kept; beyond it the middle is cut (``ChildResult.truncated``).

    Raises
    ------
    ChildTimeout, ChildCancelled
        When the time ran out or the caller cancelled.
    GradstepError
        When ``timeout`` or ``memory_limit`` is out of range.
    KeyboardInterrupt
        On Ctrl+C, or :class:`engine.interrupts.Terminated` on SIGTERM or SIGHUP
        when called from the main thread, after the child's tree is killed.
    """
    check_limits(timeout, memory_limit)
    token = secrets.token_hex(16)
    command = [
        sys.executable,
        "-I",  # no PYTHON* variables, no user site, no script folder on sys.path
        "-B",  # no .pyc files written beside the learner's code
        "-u",  # unbuffered: what it printed before a kill is not lost
        str(BOOTSTRAP),
        str(os.getpid()),
        str(memory_limit or 0),
        str(script),
        *args,
    ]
    deadline = time.monotonic() + timeout
    output = _Output(output_limit)
    with signals_raise(), subreaper():
        try:
            proc = subprocess.Popen(
                command,
                cwd=cwd,
                env=_environment(env, token),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        except OSError as exc:  # a missing working folder, no processes left
            raise GradstepError(f"could not start a Python process for {script.name}: {exc}") from None
        assert proc.stdout is not None  # stdout=PIPE
        try:
            _wait(
                proc,
                output,
                deadline,
                _asker(cancel, stop),
                f"{script.name} did not finish within {timeout:g} s",
            )
        finally:
            with deferred_signals():
                kill_tree(proc.pid, token)
                output.drain(proc.stdout.fileno())
                proc.stdout.close()
                proc.wait()
    return ChildResult(proc.returncode, output.text(), output.truncated)


def check_limits(timeout: float, memory_limit: int | None) -> None:
    if not (isinstance(timeout, int | float) and math.isfinite(timeout) and timeout > 0):
        raise GradstepError(f"the time limit must be a positive number of seconds, got {timeout!r}")
    if memory_limit is not None and not MIN_MEMORY_LIMIT <= memory_limit <= MAX_MEMORY_LIMIT:
        raise GradstepError(
            f"the memory limit must be {MIN_MEMORY_LIMIT // 2**20} MB to {MAX_MEMORY_LIMIT // 2**20} MB, "
            f"got {memory_limit / 2**20:g} MB"
        )


def _environment(env: Mapping[str, str] | None, token: str) -> dict[str, str]:
    base = dict(os.environ if env is None else env)
    for name, value in _SINGLE_THREADED.items():
        base.setdefault(name, value)
    base[TOKEN_VARIABLE] = token
    return base


def _asker(cancel: threading.Event | None, stop: Callable[[], bool] | None) -> Callable[[], bool]:
    def asked() -> bool:
        return (cancel is not None and cancel.is_set()) or (stop is not None and bool(stop()))

    return asked


def _wait(
    proc: subprocess.Popen[bytes], output: _Output, deadline: float, asked: Callable[[], bool], late: str
) -> None:
    """Read the child's output until it exits; raise on a time-out or a cancel."""
    assert proc.stdout is not None
    fd = proc.stdout.fileno()
    os.set_blocking(fd, False)
    pidfd = _pidfd(proc.pid)  # readable when the child exits: no polling delay
    reading = True
    try:
        while not _exited(proc):
            if asked():
                raise ChildCancelled("cancelled; the child process was stopped")
            left = deadline - time.monotonic()
            if left <= 0:
                raise ChildTimeout(f"{late}; it was stopped")
            watched = [w for w in (fd if reading else None, pidfd) if w is not None]
            ready, _, _ = select.select(watched, [], [], min(POLL_SECONDS, left))
            if fd in ready:
                reading = output.read(fd)
    finally:
        if pidfd is not None:
            os.close(pidfd)


def _pidfd(pid: int) -> int | None:
    opener = getattr(os, "pidfd_open", None)
    if opener is None:
        return None
    try:
        return int(opener(pid))
    except OSError:  # an old kernel
        return None


def _exited(proc: subprocess.Popen[bytes]) -> bool:
    """Whether the child has ended, without reaping it where the system allows: its pid (its
    group's id) stays ours until the tree is killed, so no new process can take it meanwhile."""
    if not hasattr(os, "waitid"):  # macOS: reaped here, its group killed right after
        return proc.poll() is not None
    try:
        return os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
    except ChildProcessError:
        return True


class _Output:
    """What the child prints: its first and last bytes up to a limit, and how much was cut."""

    def __init__(self, limit: int) -> None:
        self._head_limit = limit - limit // 4
        self._tail_limit = limit // 4
        self._head = bytearray()
        self._tail = bytearray()
        self._total = 0

    def add(self, data: bytes) -> None:
        self._total += len(data)
        room = self._head_limit - len(self._head)
        if room > 0:
            self._head += data[:room]
            data = data[room:]
        if data and self._tail_limit:
            self._tail += data
            del self._tail[: -self._tail_limit]

    def read(self, fd: int, chunks: int = 16) -> bool:
        """Read what is there (a few chunks, so a flood cannot starve the clock); False at the end."""
        for _ in range(chunks):
            try:
                data = os.read(fd, 65536)
            except BlockingIOError:
                return True
            if not data:
                return False
            self.add(data)
        return True

    def drain(self, fd: int) -> None:
        """Read what the killed tree left in the pipe."""
        with suppress(OSError):
            self.read(fd, chunks=64)

    @property
    def truncated(self) -> bool:
        return self._total > len(self._head) + len(self._tail)

    def text(self) -> str:
        if not self.truncated:
            return (bytes(self._head) + bytes(self._tail)).decode("utf-8", errors="replace")
        cut = self._total - len(self._head) - len(self._tail)
        middle = f"\n[... {cut} bytes of output cut ...]\n".encode()
        return (bytes(self._head) + middle + bytes(self._tail)).decode("utf-8", errors="replace")
