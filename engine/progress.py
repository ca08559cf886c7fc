"""A progress bar for long headless work, drawn on stderr only when it is a terminal."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TextIO


class Progress:
    """A one-line progress bar on a terminal; silent when the stream is not a terminal (a
    log or a pipe should not fill with carriage returns)."""

    def __init__(self, total: int, label: str, stream: TextIO | None = None, width: int = 30) -> None:
        self.total = max(total, 1)
        self.label = label
        self.stream = stream or sys.stderr
        self.width = width
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self._shown = -1

    def update(self, done: int) -> None:
        """Show ``done`` of ``total``; redraws only when the bar or the percentage changes."""
        if not self.tty:
            return
        percent = 100 * done // self.total
        if percent == self._shown and done != self.total:
            return
        self._shown = percent
        filled = self.width * done // self.total
        bar = "█" * filled + "·" * (self.width - filled)
        self.stream.write(f"\r{self.label} [{bar}] {done:,}/{self.total:,}")
        self.stream.flush()

    def close(self) -> None:
        """End the bar's line."""
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()


class _Silent:
    """What :func:`tracked` gives when nobody watches: updates cost nothing."""

    def update(self, done: int) -> None:
        """Ignore the update."""

    def close(self) -> None:
        """Nothing to end."""


# Where long engine work reports progress: set by the command line for the duration of a
# command (a context variable, so a window or a worker thread that never set it stays silent).
_STREAM: ContextVar[TextIO | None] = ContextVar("gradstep_progress_stream", default=None)


@contextmanager
def on_stream(stream: TextIO) -> Iterator[None]:
    """Within the block, :func:`tracked` work draws a progress bar on ``stream`` (if it is a
    terminal)."""
    token = _STREAM.set(stream)
    try:
        yield
    finally:
        _STREAM.reset(token)


def tracked(total: int, label: str) -> Progress | _Silent:
    """A progress bar for ``total`` units of work, drawn where :func:`on_stream` says (else
    silent)."""
    stream = _STREAM.get()
    return _Silent() if stream is None else Progress(total, label, stream)
