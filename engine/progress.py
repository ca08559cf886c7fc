"""A progress bar for long headless work, drawn on stderr only when it is a terminal."""

from __future__ import annotations

import sys
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
