"""Gradstep's engine: a pure-NumPy multilayer perceptron whose training runs stage by stage.

Nothing in this package imports Qt; the window and the command line drive it through the
public names re-exported here; in a notebook, ``engine.show(session)`` opens the window on a
session in a process of its own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.core.config import SessionConfig
from engine.core.records import (
    BackwardRecord,
    ForwardRecord,
    IterationRecord,
    LayerParams,
    LossRecord,
    ParameterRef,
    UpdateRecord,
    parse_parameter,
)
from engine.errors import GradstepError, NonFiniteError
from engine.files.session_file import load_session_config, parse_session
from engine.history.session import Session
from engine.history.snapshot import Breakpoints, RunResult, Snapshot
from engine.lazy import lazy_names

if TYPE_CHECKING:
    from engine.explain.chain import ChainExplanation, explain
    from engine.notebook import show

# Importing the session bound the subpackage engine.explain to this name; it is the function
# explain, as it has always been (loaded on first use, below).
globals().pop("explain", None)

# Imported on first use (PEP 562): the window's launch paints before anything is explained.
_LAZY = {
    "ChainExplanation": "engine.explain.chain",
    "explain": "engine.explain.chain",
    "show": "engine.notebook",
}

__all__ = [
    "BackwardRecord",
    "Breakpoints",
    "ChainExplanation",
    "ForwardRecord",
    "GradstepError",
    "IterationRecord",
    "LayerParams",
    "LossRecord",
    "NonFiniteError",
    "ParameterRef",
    "RunResult",
    "Session",
    "SessionConfig",
    "Snapshot",
    "UpdateRecord",
    "explain",
    "load_session_config",
    "parse_parameter",
    "parse_session",
    "show",
]

__version__ = "0.1.0"


__getattr__ = lazy_names("engine", globals(), _LAZY)


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
