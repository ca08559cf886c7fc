"""The update shows the step it applied: old − η · step is the new value, bit for bit."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from engine import ParameterRef, Session, parse_session
from tests.conftest import tiny_session_dict
from tests.helpers import all_refs

OPTIMIZERS: dict[str, dict[str, Any]] = {
    "sgd": {"name": "sgd", "learning_rate": 0.5},
    "momentum": {"name": "momentum", "learning_rate": 0.3, "momentum": 0.9},
    "adam": {"name": "adam", "learning_rate": 0.05, "beta1": 0.85, "beta2": 0.99, "eps": 1e-7},
}


@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
def test_old_minus_shown_step_is_new_exactly(optimizer: str) -> None:
    session = Session(parse_session(tiny_session_dict(optimizer=OPTIMIZERS[optimizer], batch_size=3)))
    session.run_iterations(4)
    for k in range(4):
        rec = session.iteration_record(k)
        assert rec.update is not None
        lr = rec.update.learning_rate
        # the record: after = before − lr · steps, element for element
        for before, after, steps in zip(
            rec.update.params_before, rec.update.params_after, rec.update.steps, strict=True
        ):
            np.testing.assert_array_equal(before.weights - lr * steps.weights, after.weights)
            np.testing.assert_array_equal(before.bias - lr * steps.bias, after.bias)
        # the chain rule's update line shows exactly that step
        for ref in all_refs(session.config.sizes):
            line = session.explain(ref, rec).update
            assert line is not None
            assert line.old - line.learning_rate * line.step == line.new, (k, ref)
            assert line.new == ref.value_in(rec.update.params_after)


def test_adam_step_is_the_textbook_one() -> None:
    """m̂ / (√v̂ + ε) written out independently, and the shown m̂ and v̂ are m and v corrected."""
    opt = OPTIMIZERS["adam"]
    session = Session(parse_session(tiny_session_dict(optimizer=opt)))
    session.run_iterations(3)
    m = v = None
    for t in range(1, 4):
        rec = session.iteration_record(t - 1)
        assert rec.update is not None
        for layer, back in enumerate(sorted(rec.backward, key=lambda b: b.layer)):
            g = back.dW
            m_prev = 0.0 if t == 1 else rec.update.state_before.first[layer].weights
            v_prev = 0.0 if t == 1 else rec.update.state_before.second[layer].weights
            m = 0.85 * m_prev + 0.15 * g
            v = 0.99 * v_prev + 0.01 * g * g
            expected = (m / (1 - 0.85**t)) / (np.sqrt(v / (1 - 0.99**t)) + 1e-7)
            np.testing.assert_allclose(rec.update.steps[layer].weights, expected, rtol=1e-13, atol=0)
        line = session.explain(ParameterRef(0, 1, 0), rec).update
        assert line is not None
        assert line.adam is not None
        a = line.adam
        assert a.t == t
        assert a.m_hat == a.m / (1 - 0.85**t)
        assert a.v_hat == a.v / (1 - 0.99**t)
        assert line.step == pytest.approx(a.m_hat / (math.sqrt(a.v_hat) + 1e-7), rel=1e-15)


def test_momentum_step_is_the_velocity() -> None:
    session = Session(parse_session(tiny_session_dict(optimizer=OPTIMIZERS["momentum"])))
    session.run_iterations(2)
    rec = session.iteration_record(1)
    assert rec.update is not None
    assert rec.update.state_after.first is not None
    for steps, velocity in zip(rec.update.steps, rec.update.state_after.first, strict=True):
        np.testing.assert_array_equal(steps.weights, velocity.weights)
