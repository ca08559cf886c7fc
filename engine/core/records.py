"""Immutable records of what each stage computed, and the parameters they act on.

Every array a record holds is made read-only when the record is built: a record is what a
stage computed, so nothing (a view, a later stage, an edit) may change it afterwards. The
engine computes each stage into new arrays and never writes into an array it has recorded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from engine.errors import GradstepError

Array = NDArray[np.float64]


def freeze(*arrays: NDArray[np.generic] | None) -> None:
    """Make each array read-only (None is skipped)."""
    for array in arrays:
        if array is not None:
            array.flags.writeable = False


@dataclass(frozen=True)
class LayerParams:
    """One layer's parameters: ``weights`` (units, fan_in) and ``bias`` (units,); read-only."""

    weights: Array
    bias: Array

    def __post_init__(self) -> None:
        freeze(self.weights, self.bias)

    @property
    def has_bias(self) -> bool:
        """False for a layer without biases ("bias": false): its bias array is empty."""
        return bool(self.bias.shape[0] > 0)


Params = tuple[LayerParams, ...]


@dataclass(frozen=True)
class ParameterRef:
    """A weight W[layer][unit, input] or, with ``input`` None, a bias b[layer][unit]; 0-based."""

    layer: int
    unit: int
    input: int | None = None

    @property
    def is_bias(self) -> bool:
        return self.input is None

    @property
    def spec(self) -> str:
        """The command-line form: "L:J:I" for a weight, "L:J" for a bias."""
        return f"{self.layer}:{self.unit}" + ("" if self.input is None else f":{self.input}")

    @property
    def label(self) -> str:
        return (
            f"b[{self.layer}][{self.unit}]"
            if self.input is None
            else (f"W[{self.layer}][{self.unit},{self.input}]")
        )

    def check(self, sizes: tuple[int, ...], biased: tuple[bool, ...] | None = None) -> None:
        """Raise GradstepError unless the parameter exists in a network of ``sizes`` whose
        layers have biases where ``biased`` says (None: every layer)."""
        what = "bias" if self.input is None else "weight"
        if not 0 <= self.layer < len(sizes) - 1:
            raise GradstepError(
                f"{what} {self.spec}: layer {self.layer} does not exist (layers 0..{len(sizes) - 2})"
            )
        if not 0 <= self.unit < sizes[self.layer + 1]:
            raise GradstepError(
                f"{what} {self.spec}: layer {self.layer} has units 0..{sizes[self.layer + 1] - 1}"
            )
        if self.input is not None and not 0 <= self.input < sizes[self.layer]:
            raise GradstepError(
                f"{what} {self.spec}: layer {self.layer} has inputs 0..{sizes[self.layer] - 1}"
            )
        if self.input is None and biased is not None and not biased[self.layer]:
            raise GradstepError(
                f'bias {self.spec}: layer {self.layer} has no biases ("bias": false in the session)'
            )

    def pick(self, weights: NDArray[np.generic], bias: NDArray[np.generic]) -> float:
        """This parameter's element of a layer's pair of arrays shaped like (W, b)."""
        return float(bias[self.unit] if self.input is None else weights[self.unit, self.input])

    def value_in(self, params: Params) -> float:
        """This parameter's value in ``params``."""
        p = params[self.layer]
        return self.pick(p.weights, p.bias)

    def gradient_in(self, backward: BackwardRecord) -> float:
        """This parameter's gradient in ``backward`` (the record of its layer)."""
        return self.pick(backward.dW, backward.db)

    def replaced_in(self, params: Params, value: float) -> Params:
        """``params`` with this parameter set to ``value`` (new arrays for its layer only)."""
        p = params[self.layer]
        weights, bias = p.weights, p.bias
        if self.input is None:
            bias = bias.copy()
            bias[self.unit] = value
        else:
            weights = weights.copy()
            weights[self.unit, self.input] = value
        changed = LayerParams(weights, bias)
        return tuple(changed if i == self.layer else q for i, q in enumerate(params))


def parse_parameter(text: str, *, bias: bool) -> ParameterRef:
    """Parse "L:J:I" (a weight) or "L:J" (a bias)."""
    # at most 9 digits: no network has a larger index, and int() of 4,301 digits raises
    pattern = r"(\d{1,9}):(\d{1,9})" if bias else r"(\d{1,9}):(\d{1,9}):(\d{1,9})"
    match = re.fullmatch(pattern, text.strip())
    if match is None:
        form = "L:J (layer:unit)" if bias else "L:J:I (layer:unit:input)"
        shown = text if len(text) <= 40 else f"{text[:40]}… ({len(text):,} characters)"
        raise GradstepError(f"{'bias' if bias else 'weight'} {shown!r}: expected {form}, 0-based")
    numbers = [int(g) for g in match.groups()]
    return ParameterRef(numbers[0], numbers[1], None if bias else numbers[2])


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

    def __post_init__(self) -> None:
        freeze(self.z, self.a)


@dataclass(frozen=True)
class LossRecord:
    """Loss stage: the batch loss and each sample's loss derivative at the output."""

    loss: float
    dl_da: Array | None  # dℓ_s/da at the output; None when loss and activation are fused
    delta: Array | None  # dℓ_s/dz when loss and activation are fused, else None

    def __post_init__(self) -> None:
        freeze(self.dl_da, self.delta)


@dataclass(frozen=True)
class BackwardRecord:
    """Backward stage of one layer, per sample: dℓ/da, da/dz, δ = dℓ/dz, then dW and db."""

    layer: int
    # None for a fused output (sigmoid + bce, softmax + cross-entropy): its δ = dℓ/dz comes
    # straight from the loss, exact where dℓ/da would be infinite and da/dz zero
    dl_da: Array | None
    da_dz: Array | None
    delta: Array
    dW: Array
    db: Array

    def __post_init__(self) -> None:
        freeze(self.dl_da, self.da_dz, self.delta, self.dW, self.db)


@dataclass(frozen=True)
class UpdateRecord:
    """Update stage: the parameters and optimizer state before and after.

    ``steps`` is what the learning rate multiplied, as the update applied it: the gradient
    for SGD, the velocity for momentum, m̂ / (√v̂ + ε) for Adam; after = before − lr · steps
    exactly, element by element.
    """

    params_before: Params
    params_after: Params
    state_before: OptimizerState
    state_after: OptimizerState
    learning_rate: float
    steps: Params

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

    def __post_init__(self) -> None:
        freeze(self.batch, self.inputs, self.targets)

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
