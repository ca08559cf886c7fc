"""Ctrl+C and SIGTERM as exceptions, so an interrupted command unwinds and cleans up."""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the program is so it unwinds like Ctrl+C: every ``finally`` runs,
    temporary files are removed, files being replaced stay as they were."""


def _on_sigterm(signum: int, frame: object) -> None:
    raise Terminated


@contextlib.contextmanager
def signals_as_exceptions() -> Iterator[None]:
    """SIGTERM raises :class:`Terminated` for the duration (in the main thread only: a signal
    handler cannot be installed elsewhere, and there the default is what the host wants)."""
    try:
        previous = signal.signal(signal.SIGTERM, _on_sigterm)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
