"""The one backward pass, with a mistake in every layer or some layers only, against a
hand-written loop; and the parameter picking every part of the engine shares."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest

import engine
from engine import LayerParams, ParameterRef, Session, parse_session
from engine.core.backprop import BackwardSpec, backward_pass, forward_pass
from tests.conftest import tiny_session_dict

ENGINE = Path(engine.__file__).parent
RNG = np.random.default_rng(11)
X = RNG.normal(size=(5, 2))
Y = RNG.uniform(size=(5, 2))
W = [RNG.normal(size=(3, 2)), RNG.normal(size=(2, 3))]
B = [RNG.normal(size=3), RNG.normal(size=2)]


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-z))


def hand_written(missing_derivative_in: set[int]) -> list[tuple[np.ndarray, np.ndarray]]:
    """2-3-2 sigmoid, mean squared error over samples and outputs, written out in the seed
    tutorials' style; the layers in ``missing_derivative_in`` leave out a(1 − a)."""
    a0 = X
    z1 = a0 @ W[0].T + B[0]
    a1 = sigmoid(z1)
    z2 = a1 @ W[1].T + B[1]
    a2 = sigmoid(z2)
    n, k = Y.shape
    d2 = 2 * (a2 - Y) / k
    if 1 not in missing_derivative_in:
        d2 = d2 * a2 * (1 - a2)
    d1 = d2 @ W[1]
    if 0 not in missing_derivative_in:
        d1 = d1 * a1 * (1 - a1)
    return [(d1.T @ a0 / n, d1.sum(axis=0) / n), (d2.T @ a1 / n, d2.sum(axis=0) / n)]


@pytest.mark.parametrize(
    ("layers", "where"),
    [
        (None, set()),
        (frozenset({0}), {0}),
        (frozenset({1}), {1}),
        (frozenset({0, 1}), {0, 1}),
        (None, {0, 1}),
    ],
)
def test_backward_pass_with_a_mistake_in_some_layers(layers: frozenset[int] | None, where: set[int]) -> None:
    mistake = "missing_activation_derivative" if where else None
    spec = BackwardSpec("mse", ("sigmoid", "sigmoid"), 0.1, mistake, layers)
    zs, acts = forward_pass(W, B, spec.activations, X)
    got = backward_pass(spec, W, zs, acts, Y, 1 / X.shape[0])
    assert [g[0].shape for g in got] == [(5, 2), (5, 3)]  # last layer first
    for layer, (dw, db) in enumerate(hand_written(where)):
        np.testing.assert_allclose(got[1 - layer][3], dw, rtol=1e-13, atol=1e-16)
        np.testing.assert_allclose(got[1 - layer][4], db, rtol=1e-13, atol=1e-16)


def test_teaching_mode_stages_fast_path_and_check_share_the_pass() -> None:
    """The stages' records, a long run's fast path and check's per-layer step agree bit for bit."""
    from engine.learner.check import _layered_step

    session_dict = tiny_session_dict(loss="mse", mistake="missing_activation_derivative")
    staged = Session(parse_session(session_dict))
    staged.finish_iteration()
    rec = staged.iteration_record(0)
    fast = Session(parse_session(session_dict))
    fast.run_iterations(1)
    for a, b in zip(staged.params, fast.params, strict=True):
        np.testing.assert_array_equal(a.weights, b.weights)
    config = parse_session(session_dict)
    after, grads = _layered_step(config, rec.params, ("missing_activation_derivative",) * 2)
    for layer, g in enumerate(grads):
        back = rec.backward_of(layer)
        assert back is not None
        np.testing.assert_array_equal(g.weights, back.dW)
        np.testing.assert_array_equal(g.bias, back.db)
    np.testing.assert_array_equal(after[0].weights, staged.params[0].weights)


def test_only_the_one_backward_pass_computes_deltas_and_gradients() -> None:
    """hidden_delta and parameter_gradients (correct or mistaken) are called in
    engine/core/backprop.py alone: no second backward pass anywhere in the engine."""
    callers = set()
    for path in ENGINE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "attr", getattr(node.func, "id", ""))
                if name in ("hidden_delta", "parameter_gradients"):
                    callers.add(path.relative_to(ENGINE).as_posix())
    assert callers == {"core/backprop.py"}


def test_parameter_ref_picks_values_gradients_and_replaces() -> None:
    params = (LayerParams(np.arange(6.0).reshape(3, 2), np.array([10.0, 11.0, 12.0])),)
    weight, bias = ParameterRef(0, 2, 1), ParameterRef(0, 1)
    assert weight.value_in(params) == 5.0
    assert bias.value_in(params) == 11.0
    session = Session(parse_session(tiny_session_dict()))
    session.finish_iteration()
    back = session.iteration_record(0).backward_of(0)
    assert back is not None
    assert ParameterRef(0, 2, 1).gradient_in(back) == back.dW[2, 1]
    assert ParameterRef(0, 2).gradient_in(back) == back.db[2]
    changed = weight.replaced_in(params, -1.0)
    assert changed[0].weights[2, 1] == -1.0
    assert params[0].weights[2, 1] == 5.0  # the original is left alone
    assert not changed[0].weights.flags.writeable
    assert changed[0].bias is params[0].bias  # the untouched array is shared, read-only
