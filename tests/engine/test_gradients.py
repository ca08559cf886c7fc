"""Gradients of random networks against central finite differences of an independent loss.

The reference forward pass and losses below are written from the issue's definitions, not
imported from the engine, so the engine is never checked against itself.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from engine import Session, parse_session
from engine.core.losses import loss_value

HIDDEN = ("linear", "sigmoid", "tanh", "relu", "leaky_relu")


def act(name: str, z: np.ndarray) -> np.ndarray:
    """Reference activations, straight from their definitions."""
    if name == "linear":
        return z
    if name == "sigmoid":
        with np.errstate(over="ignore"):  # exp(-z) overflows for z < -709: 1/(1 + inf) = 0, the limit
            return 1.0 / (1.0 + np.exp(-z))
    if name == "tanh":
        return np.tanh(z)
    if name == "relu":
        return np.maximum(z, 0.0)
    if name == "leaky_relu":
        return np.where(z > 0, z, 0.01 * z)
    if name == "softmax":
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)
    raise AssertionError(name)


def loss_of(name: str, a: np.ndarray, y: np.ndarray, z: np.ndarray | None = None) -> float:
    """Reference losses, exactly as the issue defines them."""
    if name == "mse":
        return float(np.mean((a - y) ** 2))
    if name == "half_sse":
        return float(0.5 * np.sum((a - y) ** 2))
    if name == "bce":
        if z is None:
            return float(np.mean(-(y * np.log(a) + (1 - y) * np.log(1 - a))))
        # From the sigmoid's z: log a = -log(1 + e^-z), log(1 - a) = -log(1 + e^z). Taking
        # log(1 - a) of a rounded a would lose the digits a finite difference needs.
        return float(np.mean(y * np.logaddexp(0, -z) + (1 - y) * np.logaddexp(0, z)))
    if name == "cross_entropy":
        if z is None:
            return float(np.mean(-np.sum(y * np.log(a), axis=1)))
        # log a = z − log Σ e^z from the softmax's z (shifted by its max): log of a rounded a
        # is −inf where a saturated output underflows, and 0 · −inf is NaN
        shifted = z - z.max(axis=1, keepdims=True)
        log_a = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        return float(np.mean(-np.sum(y * log_a, axis=1)))
    raise AssertionError(name)


def forward(params: list[tuple[np.ndarray, np.ndarray]], acts: list[str], x: np.ndarray) -> tuple:
    """Reference forward pass; returns the output and every pre-activation."""
    a, zs = x, []
    for (w, b), name in zip(params, acts, strict=True):
        z = a @ w.T + b
        zs.append(z)
        a = act(name, z)
    return a, zs


SATURATING = ("sigmoid", "tanh", "softmax")


def saturate(params: list, acts: list[str], x: np.ndarray, gain: float) -> list:
    """The network with each sigmoid, tanh and softmax layer's W and b scaled so that its
    largest |z| over the data is ``gain``: deep in saturation for 15 or 40 (σ(40) rounds to 1)."""
    out = []
    a = x
    for (w, b), name in zip(params, acts, strict=True):
        z = a @ w.T + b
        if name in SATURATING:
            largest = float(np.abs(z).max())
            assume(largest > 1e-2)  # a layer with z of about 0 everywhere cannot be scaled into saturation
            w, b = w * (gain / largest), b * (gain / largest)
            z = a @ w.T + b
        out.append((w, b))
        a = act(name, z)
    return out


@st.composite
def problems(draw: Any) -> dict[str, Any]:
    """A random network, data set, loss and matching output activation; about half of them
    with their sigmoid, tanh and softmax layers driven deep into saturation."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    inputs = draw(st.integers(1, 4))
    hidden = draw(st.lists(st.integers(1, 5), min_size=0, max_size=3))
    loss = draw(st.sampled_from(["mse", "half_sse", "bce", "cross_entropy"]))
    outputs = draw(st.integers(2, 4)) if loss == "cross_entropy" else draw(st.integers(1, 3))
    if loss == "cross_entropy":
        out_act = "softmax"
    elif loss == "bce":
        out_act = "sigmoid"
    else:
        out_act = draw(st.sampled_from(HIDDEN))
    acts = [draw(st.sampled_from(HIDDEN)) for _ in hidden] + [out_act]
    m = draw(st.integers(1, 6))
    x = rng.normal(size=(m, inputs))
    if loss == "cross_entropy":
        y = np.eye(outputs)[rng.integers(0, outputs, size=m)]
    elif loss == "bce":
        y = rng.uniform(0, 1, size=(m, outputs))
    else:
        y = rng.normal(size=(m, outputs))
    sizes = [inputs, *hidden, outputs]
    params = [
        (rng.normal(size=(sizes[k + 1], sizes[k])), rng.normal(scale=0.5, size=sizes[k + 1]))
        for k in range(len(sizes) - 1)
    ]
    gain = draw(st.sampled_from([None, None, 15.0, 40.0]))
    if gain is not None:
        params = saturate(params, acts, x, gain)
    batch = draw(st.one_of(st.none(), st.integers(1, m)))
    return {"x": x, "y": y, "params": params, "acts": acts, "loss": loss, "batch": batch, "gain": gain}


def session_for(p: dict[str, Any], optimizer: dict[str, Any] | None = None) -> Session:
    """An engine session holding exactly the problem's weights and data."""
    layers = [
        {"units": w.shape[0], "activation": name, "weights": w.tolist(), "bias": b.tolist()}
        for (w, b), name in zip(p["params"], p["acts"], strict=True)
    ]
    return Session(
        parse_session(
            {
                "format": "gradstep-session",
                "version": 1,
                "seed": 3,
                "network": {"inputs": p["x"].shape[1], "layers": layers},
                "loss": p["loss"],
                "optimizer": optimizer or {"name": "sgd", "learning_rate": 0.1},
                "data": {"inputs": p["x"].tolist(), "targets": p["y"].tolist()},
                "batch_size": p["batch"],
            }
        )
    )


def reference_loss(name: str, params: list, acts: list[str], x: np.ndarray, y: np.ndarray) -> float:
    """The loss of the reference forward pass (bce and cross-entropy from the output's z)."""
    out, zs = forward(params, acts, x)
    return loss_of(name, out, y, zs[-1] if name in ("bce", "cross_entropy") else None)


def finite_difference(p: dict[str, Any], x: np.ndarray, y: np.ndarray, h: float = 1e-6) -> list:
    """Central differences of the reference loss for every weight and bias."""
    grads = []
    for k, (w, b) in enumerate(p["params"]):
        out = []
        for arr in (w, b):
            g = np.zeros_like(arr)
            for idx in np.ndindex(arr.shape):
                params = [(ww.copy(), bb.copy()) for ww, bb in p["params"]]
                target = params[k][0] if arr is w else params[k][1]
                target[idx] += h
                plus = reference_loss(p["loss"], params, p["acts"], x, y)
                target[idx] -= 2 * h
                minus = reference_loss(p["loss"], params, p["acts"], x, y)
                g[idx] = (plus - minus) / (2 * h)
            out.append(g)
        grads.append(tuple(out))
    return grads


def away_from_kinks(p: dict[str, Any], x: np.ndarray) -> bool:
    """True when no ReLU-like pre-activation is close enough to 0 for the difference to straddle it."""
    _, zs = forward(p["params"], p["acts"], x)
    return all(
        name not in ("relu", "leaky_relu") or np.min(np.abs(z)) > 1e-3
        for z, name in zip(zs, p["acts"], strict=True)
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
    p = {**p, "params": [(lp.weights.copy(), lp.bias.copy()) for lp in session.params]}
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
    assume(max(np.abs(w).max() for w, _ in p["params"]) < (1e4 if p["gain"] else 1e2))
    assert rec.loss is not None
    assert rec.loss.loss == pytest.approx(expected_loss, rel=1e-11, abs=1e-12)
    np.testing.assert_allclose(rec.forward[-1].a, out, rtol=1e-12, atol=1e-12)
    for k, (gw, gb) in enumerate(finite_difference(p, x, y)):
        back = rec.backward_of(k)
        assert back is not None
        np.testing.assert_allclose(back.dW, gw, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(back.db, gb, rtol=1e-5, atol=1e-6)


@settings(max_examples=60, deadline=None)
@given(problems(), st.sampled_from(["sgd", "momentum", "adam"]), st.floats(0.001, 0.5))
def test_update_follows_pytorch_conventions(p: dict[str, Any], name: str, lr: float) -> None:
    """Three updates of sgd, momentum and adam match an independent implementation."""
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
        for (w, b), lp in zip(params, session.params, strict=True):
            np.testing.assert_allclose(lp.weights, w, rtol=1e-12, atol=1e-14)
            np.testing.assert_allclose(lp.bias, b, rtol=1e-12, atol=1e-14)


def test_losses_are_the_issue_definitions() -> None:
    """mse means over samples and outputs, half_sse halves the sum, bce and cross_entropy mean."""
    a = np.array([[0.2, 0.7], [0.9, 0.4], [0.5, 0.5]])
    y = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 0.0]])
    z = np.log(a / (1 - a))  # the sigmoid pre-activation of a
    expected = {
        "mse": ((a - y) ** 2).sum() / 6,
        "half_sse": ((a - y) ** 2).sum() / 2,
        "bce": -(y * np.log(a) + (1 - y) * np.log(1 - a)).sum() / 6,
    }
    for name, value in expected.items():
        assert loss_value(name, z, a, y) == pytest.approx(value, rel=1e-12)
    soft = a / a.sum(axis=1, keepdims=True)
    ce = -(y * np.log(soft)).sum() / 3
    assert loss_value("cross_entropy", np.log(soft), soft, y) == pytest.approx(ce, rel=1e-12)


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


@settings(max_examples=40, deadline=None)
@given(problems())
def test_saturated_draws_are_deep_in_saturation(p: dict[str, Any]) -> None:
    """The strategy's saturated networks are what they claim: the largest |z| of each sigmoid,
    tanh or softmax layer over the data is the gain, and at 40 a sigmoid output rounds to 1 (or,
    at z = −40, is 4e-18, so 1 − a rounds to 1)."""
    assume(p["gain"] is not None)
    _, zs = forward(p["params"], p["acts"], p["x"])
    for z, name in zip(zs, p["acts"], strict=True):
        if name in SATURATING:
            assert np.abs(z).max() == pytest.approx(p["gain"], rel=1e-9)
    if p["gain"] == 40.0 and p["acts"][-1] == "sigmoid":
        a = act("sigmoid", zs[-1])
        assert np.any((a == 1.0) | (a < 1e-17))
