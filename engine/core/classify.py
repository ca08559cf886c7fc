"""Which class a network's output names, and which samples it gets wrong: the one rule the
decision-boundary view marks misclassified points by."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from engine.errors import GradstepError

Array = NDArray[np.float64]
PROBABILITY_OUTPUTS = ("sigmoid", "softmax")


@dataclass(frozen=True)
class Classification:
    """Each sample's target class and the class the network's output names."""

    target: NDArray[np.intp]
    predicted: NDArray[np.intp]

    @property
    def wrong(self) -> NDArray[np.bool_]:
        """True for the samples the network misclassifies."""
        result: NDArray[np.bool_] = self.target != self.predicted
        return result


def threshold(activation: str, targets: Array) -> float:
    """Where one output divides its two classes.

    Parameters
    ----------
    activation
        The output layer's activation: 0.5 for a probability (sigmoid, softmax).
    targets
        The output's targets: otherwise the midpoint of their smallest and largest value
        (0 for tanh's -1 and 1).

    Returns
    -------
    float
        Outputs above it are class 1, the others class 0.
    """
    if activation in PROBABILITY_OUTPUTS:
        return 0.5
    return float(targets.min() + targets.max()) / 2


def classify(outputs: Array, targets: Array, output: int | None, activation: str) -> Classification:
    """Classify every sample by one output, or by the largest output.

    Parameters
    ----------
    outputs, targets
        The network's outputs and the targets, one row per sample, one column per output.
    output
        The output to classify by (two classes, split at :func:`threshold`), or None for the
        largest output (one class per output).
    activation
        The output layer's activation.

    Returns
    -------
    Classification
        Target and predicted class of each sample.
    """
    if outputs.shape != targets.shape or outputs.ndim != 2:
        raise GradstepError(f"outputs {outputs.shape} and targets {targets.shape} must be equal 2-D shapes")
    if output is None:
        return Classification(np.argmax(targets, axis=1), np.argmax(outputs, axis=1))
    t = targets[:, output]
    cut = threshold(activation, t)
    return Classification((t > cut).astype(np.intp), (outputs[:, output] > cut).astype(np.intp))
