"""When recomputing history is work for a worker thread: a tutorial step of many iterations, a
long jump back with the history slider."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from engine import SessionConfig

# Replays cheaper than this (iterations weighted by the network's size) stay on the GUI thread:
# a few milliseconds, not worth a busy indicator flashing. Above it the worker replays.
BACKGROUND_WORK = 2_000_000
ITERATION_OVERHEAD = 2_000  # one iteration's fixed cost in multiply-adds, however small the network


def long_replay(config: SessionConfig, iterations: int) -> bool:
    """Whether recomputing ``iterations`` of ``config``'s network is work for a worker thread."""
    weights = sum(units * fan_in for units, fan_in in zip(config.sizes[1:], config.sizes, strict=False))
    rows = config.batch_size or config.x.shape[0]
    return iterations * (ITERATION_OVERHEAD + weights * rows) > BACKGROUND_WORK
