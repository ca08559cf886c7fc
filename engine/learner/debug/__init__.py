"""``gradstep debug``: the learner's own program, run unmodified and judged line by line.

The debugger is imported on first use of its names: ``gradstep`` builds its argument parser
from this package's :mod:`~engine.learner.debug.command`, and opening the window must not pay
for the debugger's import (about 110 ms).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.lazy import lazy_names

if TYPE_CHECKING:
    from engine.learner.debug.debugger import debug_code
    from engine.learner.debug.report import DebugReport

__all__ = ["DebugReport", "debug_code"]

__getattr__ = lazy_names(
    __name__,
    globals(),
    {"debug_code": "engine.learner.debug.debugger", "DebugReport": "engine.learner.debug.report"},
)
