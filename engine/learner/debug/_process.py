"""STAND-IN for ``engine.learner.process.run_child`` (branch ``process``), with exactly its
signature, so that switching to the real one at merge is a one-line import change in
``command.py``. Delete this file then.

It runs ``python -I script *args`` in its own process group with stdin closed and kills the
whole group on a time-out or a cancel, raising :class:`GradstepError`.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from engine.errors import GradstepError

_POLL_SECONDS = 0.05
_OUTPUT_LIMIT = 1 << 20


@dataclass(frozen=True)
class ChildResult:
    """How the child ended: its exit code, what it printed (stdout and stderr), and whether
    that was cut to the output limit."""

    returncode: int
    output: str
    truncated: bool


def run_child(
    script: Path,
    args: Sequence[str],
    *,
    timeout: float,
    memory_limit: int | None,
    cwd: Path | None = None,
    cancel: threading.Event | None = None,
) -> ChildResult:
    """Run ``python -I script *args``; kill its process group at ``timeout`` or ``cancel``."""
    del memory_limit  # the stand-in does not limit memory; the real run_child does
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONSTARTUP", "PYTHONINSPECT")}
    proc = subprocess.Popen(
        [sys.executable, "-I", str(script), *args],
        cwd=None if cwd is None else str(cwd),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
        env=env,
        start_new_session=True,
    )
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                output, _ = proc.communicate(
                    timeout=max(0.0, min(_POLL_SECONDS, deadline - time.monotonic()))
                )
                break
            except subprocess.TimeoutExpired:
                pass
            if cancel is not None and cancel.is_set():
                raise GradstepError("cancelled; the child process was stopped")
            if time.monotonic() >= deadline:
                raise GradstepError(f"did not finish within {timeout:g} s; it was stopped")
    finally:
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)  # its own group: anything it started too
            except (ProcessLookupError, PermissionError):
                proc.kill()
            proc.communicate()
    truncated = len(output) > _OUTPUT_LIMIT
    return ChildResult(proc.returncode, output[:_OUTPUT_LIMIT], truncated)
