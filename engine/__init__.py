"""Gradstep's engine: a pure-NumPy multilayer perceptron whose training runs stage by stage.

Nothing in this package imports Qt; the window and the command line drive it through the
public names re-exported here.
"""

from engine.chain import ChainExplanation, ParameterRef, explain, parse_parameter
from engine.config import SessionConfig, load_session_config, parse_session
from engine.errors import GradstepError, NonFiniteError
from engine.records import (
    BackwardRecord,
    ForwardRecord,
    IterationRecord,
    LayerParams,
    LossRecord,
    UpdateRecord,
)
from engine.session import Breakpoints, RunResult, Session, Snapshot

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
]

__version__ = "0.1.0"
