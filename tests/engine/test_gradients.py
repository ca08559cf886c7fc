"""Gradients of random networks against central finite differences of an independent loss.

The reference forward pass and losses (tests/reference.py) are written from the issue's
definitions, not imported from the engine, so the engine is never checked against itself.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from engine import Session
from engine.core.losses import loss_value
from tests.reference import (
    away_from_kinks,
    finite_difference,
    forward,
    problems,
    reference_loss,
    reference_params,
    session_for,
)


def full_iteration(session: Session) -> Any:
    """Step every stage of one iteration except the update; return the record."""
    for _ in range(2 * len(session.params) + 1):
        session.step()
    return session.snapshot().record


@settings(max_examples=150, deadline=None)
@given(problems(), st.integers(0, 2))
def test_gradient_matches_finite_differences(p: dict[str, Any], iteration: int) -> None:
    """dW and db of every layer equal central differences of the reference loss on the batch."""
    session = session_for(p)
    session.goto(iteration, 0)
    # The weights at this iteration come from the engine's update, which test_update checks.
    p = {**p, "params": reference_params(session.params)}
    rec = full_iteration(session)
    x, y = rec.inputs, rec.targets
    idx = session.batch_indices(iteration)
    np.testing.assert_array_equal(x, p["x"][idx])
    np.testing.assert_array_equal(y, p["y"][idx])
    assume(away_from_kinks(p, x))
    out, _ = forward(p["params"], p["acts"], x)
    # A few updates of an unlucky linear network can blow up; a finite difference of a loss of
    # 1e8 cancels away most of its digits, so such cases say nothing about the engine.
    expected_loss = reference_loss(p["loss"], p["params"], p["acts"], x, y)
    assume(expected_loss < 1e3)
    assume(max(np.abs(w).max() for w, _ in p["params"]) < 1e2)
    assert rec.loss is not None
    assert rec.loss.loss == pytest.approx(expected_loss, rel=1e-11, abs=1e-12)
    np.testing.assert_allclose(rec.forward[-1].a, out, rtol=1e-12, atol=1e-12)
    for k, (gw, gb) in enumerate(finite_difference(p, x, y)):
        back = rec.backward_of(k)
        assert back is not None
        np.testing.assert_allclose(back.dW, gw, rtol=1e-5, atol=1e-6)
        if gb is None:  # a layer without biases: no bias gradient at all
            assert back.db.shape == (0,)
        else:
            np.testing.assert_allclose(back.db, gb, rtol=1e-5, atol=1e-6)


@settings(max_examples=60, deadline=None)
@given(problems(), st.sampled_from(["sgd", "momentum", "adam"]), st.floats(0.001, 0.5))
def test_update_follows_pytorch_conventions(p: dict[str, Any], name: str, lr: float) -> None:
    """Three updates of sgd, momentum and adam match an independent implementation (an empty
    bias array, a layer without biases, stays empty)."""
    opt: dict[str, Any] = {"name": name, "learning_rate": lr}
    if name == "momentum":
        opt["momentum"] = 0.8
    if name == "adam":
        opt.update(beta1=0.85, beta2=0.99, eps=1e-7)
    session = session_for(p, opt)
    params = [[lp.weights.copy(), lp.bias.copy()] for lp in session.params]
    state = [[np.zeros_like(a) for a in pair] for pair in params]
    second = [[np.zeros_like(a) for a in pair] for pair in params]
    for t in range(1, 4):
        rec = full_iteration(session)
        session.step()  # the update
        for k, pair in enumerate(params):
            back = rec.backward_of(k)
            for j, g in enumerate((back.dW, back.db)):
                if name == "sgd":
                    pair[j] = pair[j] - lr * g
                elif name == "momentum":
                    state[k][j] = 0.8 * state[k][j] + g
                    pair[j] = pair[j] - lr * state[k][j]
                else:
                    state[k][j] = 0.85 * state[k][j] + 0.15 * g
                    second[k][j] = 0.99 * second[k][j] + 0.01 * g * g
                    m_hat = state[k][j] / (1 - 0.85**t)
                    v_hat = second[k][j] / (1 - 0.99**t)
                    pair[j] = pair[j] - lr * m_hat / (np.sqrt(v_hat) + 1e-7)
        for (w, b), lp, (_, start_bias) in zip(params, session.params, p["params"], strict=True):
            assert lp.bias.shape == ((0,) if start_bias is None else (w.shape[0],))
            np.testing.assert_allclose(lp.weights, w, rtol=1e-12, atol=1e-14)
            np.testing.assert_allclose(lp.bias, b, rtol=1e-12, atol=1e-14)


def test_losses_are_the_issue_definitions() -> None:
    """mse means over samples and outputs, half_sse halves the sum, sse sums, bce and
    cross_entropy mean, bce_sum and cross_entropy_sum sum."""
    a = np.array([[0.2, 0.7], [0.9, 0.4], [0.5, 0.5]])
    y = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 0.0]])
    z = np.log(a / (1 - a))  # the sigmoid pre-activation of a
    expected = {
        "mse": ((a - y) ** 2).sum() / 6,
        "half_sse": ((a - y) ** 2).sum() / 2,
        "sse": ((a - y) ** 2).sum(),
        "bce": -(y * np.log(a) + (1 - y) * np.log(1 - a)).sum() / 6,
        "bce_sum": -(y * np.log(a) + (1 - y) * np.log(1 - a)).sum(),
    }
    for name, value in expected.items():
        assert loss_value(name, z, a, y) == pytest.approx(value, rel=1e-12)
    soft = a / a.sum(axis=1, keepdims=True)
    ce = -(y * np.log(soft)).sum() / 3
    assert loss_value("cross_entropy", np.log(soft), soft, y) == pytest.approx(ce, rel=1e-12)
    assert loss_value("cross_entropy_sum", np.log(soft), soft, y) == pytest.approx(3 * ce, rel=1e-12)


@pytest.mark.parametrize(
    ("activation", "loss", "outputs"),
    [("sigmoid", "bce", 1), ("sigmoid", "mse", 1), ("softmax", "cross_entropy", 2)],
)
def test_huge_pre_activations_stay_finite_without_warnings(activation: str, loss: str, outputs: int) -> None:
    """z = +-1000 overflows a naive exp; the engine neither warns (warnings are errors) nor goes NaN."""
    w = [[1000.0]] + ([[-1000.0]] if outputs == 2 else [])
    # Each sample's target is the class its huge z argues against.
    y = [[0.0, 1.0], [1.0, 0.0]] if outputs == 2 else [[0.0], [1.0]]
    p = {
        "x": np.array([[1.0], [-1.0]]),
        "y": np.array(y),
        "params": [(np.array(w), np.zeros(outputs))],
        "acts": [activation],
        "loss": loss,
        "batch": None,
    }
    session = session_for(p)
    rec = full_iteration(session)
    session.step()
    assert np.isfinite(rec.loss.loss)
    # Confidently wrong on both samples: bce is about 1000, cross-entropy about 2000 (the two
    # logits are 2000 apart), mse exactly 1.
    expected = {"mse": 1.0, "bce": 1000.0, "cross_entropy": 2000.0}[loss]
    assert rec.loss.loss == pytest.approx(expected, rel=1e-9)
    assert np.all(np.isfinite(rec.backward_of(0).dW))
    assert all(np.all(np.isfinite(lp.weights)) for lp in session.params)


def test_an_sgd_update_changes_each_parameter_by_minus_lr_times_its_gradient(tiny_session) -> None:
    tiny_session.finish_iteration()
    record = tiny_session.iteration_record(0)
    assert record.update is not None
    lr = record.update.learning_rate
    for layer, change in enumerate(record.update.changes()):
        back = record.backward_of(layer)
        assert back is not None
        before = record.update.params_before[layer]
        # the change is after - before, exactly: (w - lr*g) - w rounds like the update itself
        np.testing.assert_array_equal(change.weights, (before.weights - lr * back.dW) - before.weights)
        np.testing.assert_array_equal(change.bias, (before.bias - lr * back.db) - before.bias)
