"""classify: the class an output names and the misclassified samples."""

from __future__ import annotations

import numpy as np
import pytest

from engine import GradstepError
from engine.core.classify import classify, threshold


def test_one_sigmoid_output_splits_at_one_half() -> None:
    out = np.array([[0.2], [0.7], [0.6], [0.4]])
    y = np.array([[0.0], [1.0], [0.0], [1.0]])
    c = classify(out, y, 0, "sigmoid")
    assert c.target.tolist() == [0, 1, 0, 1]
    assert c.predicted.tolist() == [0, 1, 1, 0]
    assert c.wrong.tolist() == [False, False, True, True]


def test_tanh_splits_midway_between_its_targets() -> None:
    assert threshold("tanh", np.array([-1.0, 1.0])) == 0.0
    c = classify(np.array([[-0.1], [0.1], [0.3]]), np.array([[1.0], [1.0], [-1.0]]), 0, "tanh")
    assert c.target.tolist() == [1, 1, 0]
    assert c.wrong.tolist() == [True, False, True]


def test_the_largest_output_is_the_class() -> None:
    out = np.array([[0.1, 0.7, 0.2], [0.5, 0.3, 0.2]])
    y = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    c = classify(out, y, None, "softmax")
    assert c.target.tolist() == [1, 2]
    assert c.predicted.tolist() == [1, 0]
    assert c.wrong.tolist() == [False, True]


def test_shapes_must_agree() -> None:
    with pytest.raises(GradstepError, match="equal 2-D shapes"):
        classify(np.zeros((3, 1)), np.zeros((4, 1)), 0, "sigmoid")
