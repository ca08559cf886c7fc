"""What a session is: the validated configuration every other part of the engine builds from."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from engine.core.records import OptimizerState

Array = NDArray[np.float64]

FORMAT = "gradstep-session"
VERSION = 1
INITS = ("uniform", "normal", "xavier_uniform", "xavier_normal", "he_normal", "zeros")
OPTIMIZERS = ("sgd", "momentum", "adam")
MAX_PARAMETERS = 50_000_000
MAX_DATA_VALUES = 200_000_000


@dataclass(frozen=True)
class LayerConfig:
    """One layer as configured; explicit weights/bias are optional. ``has_bias`` False is a
    layer without biases (z = a_prev @ W.T): its parameters hold an empty bias array."""

    units: int
    activation: str
    weights: Array | None = None
    bias: Array | None = None
    has_bias: bool = True


@dataclass(frozen=True)
class OptimizerConfig:
    """Optimizer name and hyper-parameters, in PyTorch's conventions."""

    name: str = "sgd"
    learning_rate: float = 0.1
    momentum: float = 0.9
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8


@dataclass(frozen=True)
class SavedState:
    """Where a saved live session had got to."""

    iteration: int
    optimizer: OptimizerState


@dataclass(frozen=True)
class SessionConfig:
    """A validated session: the source of truth for building a :class:`engine.Session`."""

    inputs: int
    layers: tuple[LayerConfig, ...]
    loss: str
    optimizer: OptimizerConfig
    data: dict[str, Any]
    x: Array
    y: Array
    seed: int = 0
    init: str = "xavier_uniform"
    batch_size: int | None = None
    iterations: int = 1000
    mistake: str | None = None
    description: str = ""
    title: str = ""
    state: SavedState | None = None
    base_dir: Path | None = field(default=None, compare=False)
    # inputs that are images: their (rows, columns), row by row (None: not images)
    image_shape: tuple[int, ...] | None = None
    # held-out samples the network never trains on (None: the data has no test split)
    test_x: Array | None = None
    test_y: Array | None = None

    @property
    def sizes(self) -> tuple[int, ...]:
        """Widths from the input layer to the output layer."""
        return (self.inputs, *(layer.units for layer in self.layers))

    @property
    def biased(self) -> tuple[bool, ...]:
        """Per layer, whether it has biases."""
        return tuple(layer.has_bias for layer in self.layers)
