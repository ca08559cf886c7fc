"""``gradstep debug``: the learner's own program, run unmodified and judged line by line."""

from engine.learner.debug.debugger import debug_code
from engine.learner.debug.report import DebugReport

__all__ = ["DebugReport", "debug_code"]
