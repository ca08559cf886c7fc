"""Gradstep's engine: a pure-NumPy multilayer perceptron whose training runs stage by stage.

Nothing in this package imports Qt; the window and the command line drive it through the
public names re-exported here; in a notebook, ``engine.show(session)`` opens the window on a
session in a process of its own.
"""

from engine.core.config import SessionConfig
from engine.core.records import (
    BackwardRecord,
    ForwardRecord,
    IterationRecord,
    LayerParams,
    LossRecord,
    UpdateRecord,
)
from engine.errors import GradstepError, NonFiniteError
from engine.explain.chain import ChainExplanation, ParameterRef, explain, parse_parameter
from engine.files.session_file import load_session_config, parse_session
from engine.history.session import Session
from engine.history.snapshot import Breakpoints, RunResult, Snapshot
from engine.notebook import show

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
