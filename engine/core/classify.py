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


def class_count(targets: Array) -> int | None:
    """How many classes ``targets`` name, or None when they are not class labels.

    Parameters
    ----------
    targets
        One row per sample: a single 0/1 column (two classes), or one-hot rows (a class per
        column).

    Returns
    -------
    int or None
        2 for one 0/1 column, the column count for one-hot rows, else None (a regression).
    """
    if targets.ndim != 2 or targets.size == 0 or not np.all((targets == 0) | (targets == 1)):
        return None
    if targets.shape[1] == 1:
        return 2
    return targets.shape[1] if bool(np.all(targets.sum(axis=1) == 1)) else None


@dataclass(frozen=True)
class Evaluation:
    """How a network classifies a set of samples: the confusion matrix and the accuracy."""

    confusion: NDArray[np.int64]  # [target class, predicted class]: how many samples
    samples: int

    @property
    def correct(self) -> int:
        """How many samples the network classifies right (the diagonal)."""
        return int(np.trace(self.confusion))

    @property
    def accuracy(self) -> float:
        """The share of the samples classified right (nan for no samples)."""
        return self.correct / self.samples if self.samples else float("nan")


def confusion_matrix(
    target: NDArray[np.intp], predicted: NDArray[np.intp], classes: int
) -> NDArray[np.int64]:
    """Counts of each (target class, predicted class) pair, a ``classes`` x ``classes`` matrix."""
    counts = np.zeros((classes, classes), dtype=np.int64)
    np.add.at(counts, (target, predicted), 1)
    return counts


def evaluate(outputs: Array, targets: Array, activation: str) -> Evaluation:
    """The confusion matrix of ``outputs`` against class ``targets`` (see :func:`class_count`).

    A single output names class 1 above :func:`threshold`; several outputs name the class of
    the largest, as :func:`classify` does.

    Raises
    ------
    GradstepError
        When the targets are not class labels.
    """
    classes = class_count(targets)
    if classes is None:
        raise GradstepError("the targets are not classes (one 0/1 column, or one-hot rows)")
    result = classify(outputs, targets, 0 if targets.shape[1] == 1 else None, activation)
    return Evaluation(confusion_matrix(result.target, result.predicted, classes), targets.shape[0])


def classes_of(targets: Array, activation: str) -> int | None:
    """How many classes a session classifies into, or None when it is not a classifier.

    A classifier has a probability output (sigmoid or softmax) and class targets (see
    :func:`class_count`): the rule that gives a session a test accuracy and, with more than two
    inputs, a confusion matrix instead of the decision boundary.
    """
    return class_count(targets) if activation in PROBABILITY_OUTPUTS else None
