"""Worker threads share the interpreter's lock with the window's thread.

NumPy's BLAS calls (a matrix product, a dot product) release the interpreter's lock and take
it back at once, many times a millisecond. A thread waiting for the lock then never asks for
it to be handed over (Python asks only when the lock has not changed hands for the switch
interval, and here it changed hands), so the window's thread, which needs the lock for every
Python handler and every Qt virtual a Python class overrides, starves until the worker waits
for something: no repaint, no timer, no Pause. A worker that sleeps briefly now and then lets
it through.
"""

from __future__ import annotations

import time
from collections.abc import Callable

# A job (a tutorial replay, a trace export) pauses 1 ms after every 8 ms of work: it takes about
# a ninth longer, and the window's longest stall stays near one frame (a replay had starved it
# for 0.3 s).
YIELD_EVERY = 0.008
YIELD_FOR = 0.001
# A run pauses 0.2 ms after every 10 ms: about 2 % of its time. Without it, an XOR run's Pause
# waited 34 ms (median) and up to 90 ms for its handler to run, between the progress frames
# (the worker computing its gradient norms with dot products kept the lock); with it 6 to 8 ms
# (median) and 14 to 45 ms at most, in four runs of eight to ten Pauses.
RUN_YIELD_EVERY = 0.010
RUN_YIELD_FOR = 0.0002


def yielding(
    stop: Callable[[], bool], every: float = YIELD_EVERY, pause: float = YIELD_FOR
) -> Callable[[], bool]:
    """``stop`` for a worker's polling loop, which also sleeps ``pause`` seconds every ``every``
    seconds, so the window's thread can take the interpreter's lock."""
    due = time.perf_counter() + every

    def should_stop() -> bool:
        nonlocal due
        now = time.perf_counter()
        if now >= due:
            time.sleep(pause)
            due = time.perf_counter() + every
        return stop()

    return should_stop
