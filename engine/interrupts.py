"""SIGTERM, SIGHUP and Ctrl+C while a child runs: exceptions that unwind through the
``finally`` blocks that kill the child's tree and remove its files, never in the middle of them."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP arrived while a child ran: like Ctrl+C, it unwinds and cleans up."""

    def __init__(self, signum: int) -> None:
        super().__init__(f"stopped by {signal.Signals(signum).name}")
        self.signum = signum


_STOPPING = (signal.SIGINT, signal.SIGTERM, getattr(signal, "SIGHUP", signal.SIGTERM))
_deferring = False
_pending: int | None = None


def _on_signal(signum: int, frame: FrameType | None) -> None:
    global _pending
    if _deferring:
        _pending = signum  # raised once the cleanup is done
        return
    if signum == signal.SIGINT:
        raise KeyboardInterrupt
    raise Terminated(signum)


@contextmanager
def signals_raise() -> Iterator[None]:
    """Within this block (in the main thread), SIGTERM and SIGHUP raise :class:`Terminated`
    and Ctrl+C raises KeyboardInterrupt, so that ``finally`` blocks kill the child's tree and
    remove its files. Handlers someone else installed (or SIG_IGN, as under nohup) are kept."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    replaceable = (signal.SIG_DFL, signal.default_int_handler, _on_signal)
    previous = {s: signal.getsignal(s) for s in _STOPPING}
    for s, handler in previous.items():
        if handler in replaceable:
            signal.signal(s, _on_signal)
    try:
        yield
    finally:
        for s, handler in previous.items():
            if handler in replaceable:
                signal.signal(s, handler)


@contextmanager
def deferred_signals() -> Iterator[None]:
    """Hold back :func:`signals_raise`'s exceptions during a cleanup, then raise the last one."""
    global _deferring, _pending
    if threading.current_thread() is not threading.main_thread() or _deferring:
        yield
        return
    _deferring = True
    try:
        yield
    finally:
        _deferring = False
        pending, _pending = _pending, None
        if pending is not None:
            _on_signal(pending, None)
