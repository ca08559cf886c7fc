"""Immutable records of what each stage computed, and the parameters they act on."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]


@dataclass(frozen=True)
class LayerParams:
    """One layer's parameters: ``weights`` (units, fan_in) and ``bias`` (units,)."""

    weights: Array
    bias: Array


Params = tuple[LayerParams, ...]


@dataclass(frozen=True)
class OptimizerState:
    """Optimizer memory: the step count and up to two moment buffers shaped like the params."""

    step: int = 0
    first: Params | None = None  # momentum's velocity, or Adam's first moment
    second: Params | None = None  # Adam's second moment


@dataclass(frozen=True)
class ForwardRecord:
    """Forward stage of one layer: z = a_prev @ W.T + b and a = f(z), rows are samples."""

    layer: int
    z: Array
    a: Array


@dataclass(frozen=True)
class LossRecord:
    """Loss stage: the batch loss and each sample's loss derivative at the output."""

    loss: float
    dl_da: Array | None  # dℓ_s/da at the output; None for softmax + cross-entropy
    delta: Array | None  # dℓ_s/dz when loss and activation are fused, else None


@dataclass(frozen=True)
class BackwardRecord:
    """Backward stage of one layer, per sample: dℓ/da, da/dz, δ = dℓ/dz, then dW and db."""

    layer: int
    dl_da: Array | None  # None for a softmax output, whose δ comes straight from the loss
    da_dz: Array | None
    delta: Array
    dW: Array
    db: Array


@dataclass(frozen=True)
class UpdateRecord:
    """Update stage: the parameters and optimizer state before and after."""

    params_before: Params
    params_after: Params
    state_before: OptimizerState
    state_after: OptimizerState
    learning_rate: float

    def changes(self) -> Params:
        """Each layer's change by this update (after - before): what "last update" shows."""
        return tuple(
            LayerParams(a.weights - b.weights, a.bias - b.bias)
            for b, a in zip(self.params_before, self.params_after, strict=True)
        )


@dataclass(frozen=True)
class IterationRecord:
    """Everything one iteration has computed so far; stages not yet run are absent."""

    iteration: int
    batch: NDArray[np.intp]
    inputs: Array
    targets: Array
    params: Params
    forward: tuple[ForwardRecord, ...] = ()
    loss: LossRecord | None = None
    backward: tuple[BackwardRecord, ...] = field(default=())  # last layer first
    update: UpdateRecord | None = None

    def backward_of(self, layer: int) -> BackwardRecord | None:
        """The backward record of ``layer`` if its stage has run."""
        for record in self.backward:
            if record.layer == layer:
                return record
        return None

    def activation_in(self, layer: int) -> Array | None:
        """The input activations of ``layer``: the data for layer 0, else the previous a."""
        if layer == 0:
            return self.inputs
        if len(self.forward) >= layer:
            return self.forward[layer - 1].a
        return None
