"""Built-in examples reproduce their seed tutorials; the tutorials' loops are copied here."""

from __future__ import annotations

import numpy as np
import pytest

from engine import Session
from engine.files.examples import example_names, resolve

X_XOR = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
Y_XOR = np.array([[0], [1], [1], [0]])


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


def sigmoid_derivative(x: np.ndarray) -> np.ndarray:
    return x * (1 - x)


def tutorial_001(epochs: int) -> tuple[list[np.ndarray], np.ndarray]:
    """Tutorial 001's training loop, as published; returns its weights and last predictions."""
    np.random.seed(42)  # noqa: NPY002 - the tutorial's own (legacy) seeding, on purpose
    weights_input_hidden = np.random.rand(2, 2)  # noqa: NPY002
    weights_hidden_output = np.random.rand(2, 1)  # noqa: NPY002
    bias_hidden = np.random.rand(1, 2)  # noqa: NPY002
    bias_output = np.random.rand(1, 1)  # noqa: NPY002
    X, y = X_XOR, Y_XOR
    predicted_output = np.empty(0)
    for _epoch in range(epochs):
        hidden_layer_input = np.dot(X, weights_input_hidden) + bias_hidden
        hidden_layer_output = sigmoid(hidden_layer_input)
        output_layer_input = np.dot(hidden_layer_output, weights_hidden_output) + bias_output
        predicted_output = sigmoid(output_layer_input)
        error = y - predicted_output
        output_gradient = error * sigmoid_derivative(predicted_output)
        hidden_error = output_gradient.dot(weights_hidden_output.T)
        hidden_gradient = hidden_error * sigmoid_derivative(hidden_layer_output)
        weights_hidden_output += hidden_layer_output.T.dot(output_gradient) * 0.1
        weights_input_hidden += X.T.dot(hidden_gradient) * 0.1
        bias_hidden += np.sum(hidden_gradient, axis=0, keepdims=True) * 0.1
        bias_output += np.sum(output_gradient, axis=0, keepdims=True) * 0.1
    params = [weights_input_hidden.T, bias_hidden[0], weights_hidden_output.T, bias_output[0]]
    return params, predicted_output


def test_tutorial_001_prints_its_final_predictions() -> None:
    """After 9,999 updates the 10,000th forward pass predicts what the tutorial prints."""
    session = Session(resolve("example:tutorial-001"))
    session.run_iterations(9999)
    out = session.predict(X_XOR.astype(float))
    printed = np.array2string(out, precision=8, floatmode="fixed")
    assert printed == "[[0.06029012]\n [0.94447222]\n [0.94436700]\n [0.05997169]]"
    np.testing.assert_allclose(out[:, 0], [0.06029012, 0.94447222, 0.944367, 0.05997169], atol=5e-9)


@pytest.mark.parametrize("epochs", [0, 1, 2, 10, 500])
def test_tutorial_001_weights_equal_the_tutorial_loop(epochs: int) -> None:
    """The engine's weights after n updates are the tutorial loop's to rounding."""
    session = Session(resolve("example:tutorial-001"))
    session.run_iterations(epochs)
    expected, _ = tutorial_001(epochs)
    got = [a for lp in session.params for a in (lp.weights, lp.bias)]
    for g, e in zip(got, expected, strict=True):
        np.testing.assert_allclose(g, e, rtol=0, atol=1e-12)


def tutorial_004(buggy: bool) -> list[float]:
    """Tutorial 004's loop; ``buggy`` back-propagates through the already-updated W_ho as published."""
    np.random.seed(42)  # noqa: NPY002
    weights_input_hidden = np.random.rand(2, 2)  # noqa: NPY002
    weights_hidden_output = np.random.rand(2, 1)  # noqa: NPY002
    bias_hidden = np.zeros((1, 2))
    bias_output = np.zeros((1, 1))
    X = np.array([[0.5, 0.6]])
    y = np.array([[0.8]])
    learning_rate = 0.1
    losses = []
    for _epoch in range(100):
        hidden_output = sigmoid(np.dot(X, weights_input_hidden) + bias_hidden)
        predicted_output = sigmoid(np.dot(hidden_output, weights_hidden_output) + bias_output)
        losses.append(0.5 * np.sum((predicted_output - y) ** 2))
        d_loss_d_output = predicted_output - y
        d_output_d_hidden = sigmoid_derivative(predicted_output)
        d_hidden_d_input = sigmoid_derivative(hidden_output)
        old_w_ho = weights_hidden_output.copy()
        weights_hidden_output -= learning_rate * np.dot(hidden_output.T, d_loss_d_output * d_output_d_hidden)
        w_ho = weights_hidden_output if buggy else old_w_ho
        hidden_delta = np.dot(d_loss_d_output * d_output_d_hidden, w_ho.T) * d_hidden_d_input
        weights_input_hidden -= learning_rate * np.dot(X.T, hidden_delta)
        bias_output -= learning_rate * np.sum(d_loss_d_output * d_output_d_hidden, axis=0, keepdims=True)
        bias_hidden -= learning_rate * np.sum(hidden_delta, axis=0, keepdims=True)
    return losses


PRINTED_004 = [
    "0.024850926922809005",
    "0.019815846923920258",
    "0.015923917754564688",
    "0.012899201199448299",
    "0.010531406234111765",
    "0.008662813808854386",
    "0.007175820212663337",
    "0.00598270229969578",
    "0.005017757799181896",
    "0.0042314681042219015",
]


def test_tutorial_004_buggy_copy_prints_the_tutorial_losses() -> None:
    """The copy of the published loop, from the example's seed-42 weights, prints exactly its losses."""
    losses = tutorial_004(buggy=True)
    assert [str(losses[e - 1]) for e in range(10, 101, 10)] == PRINTED_004


def test_tutorial_004_engine_is_the_correct_computation() -> None:
    """Same first loss as the tutorial; later losses differ from its printout and equal a correct loop."""
    session = Session(resolve("example:tutorial-004"))
    session.run_iterations(100)
    _, losses = session.losses()
    buggy = tutorial_004(buggy=True)
    correct = tutorial_004(buggy=False)
    assert losses[0] == buggy[0]  # no update yet: the weights are the tutorial's
    np.testing.assert_allclose(losses, correct, rtol=1e-13, atol=0)
    printed = [float(p) for p in PRINTED_004]
    ours = [losses[e - 1] for e in range(10, 101, 10)]
    assert all(abs(a - b) > 1e-9 for a, b in zip(ours, printed, strict=True))


def relu_derivative(z: np.ndarray) -> np.ndarray:
    return (z > 0).astype(float)


@pytest.mark.parametrize(
    ("name", "hidden", "mean"),
    [("tutorial-000", "sigmoid", True), ("tutorial-003", "sigmoid", True), ("tutorial-002", "relu", False)],
)
def test_tutorial_gradient_formula_matches(name: str, hidden: str, mean: bool) -> None:
    """The tutorial's dZ2 = a2 - y (1/m where it has it), from the example's weights, is the engine's."""
    session = Session(resolve(f"example:{name}"))
    session.finish_iteration()
    rec = session.snapshot().previous
    assert rec is not None
    (w1, b1), (w2, b2) = ((lp.weights, lp.bias) for lp in rec.params)
    x, y = rec.inputs, rec.targets
    m = x.shape[0] if mean else 1
    z1 = x @ w1.T + b1
    a1 = sigmoid(z1) if hidden == "sigmoid" else np.maximum(z1, 0)
    a2 = sigmoid(a1 @ w2.T + b2)
    dz2 = a2 - y
    dw2 = (1 / m) * dz2.T @ a1
    db2 = (1 / m) * dz2.sum(axis=0)
    local = sigmoid_derivative(a1) if hidden == "sigmoid" else relu_derivative(z1)
    dz1 = dz2 @ w2 * local
    dw1 = (1 / m) * dz1.T @ x
    db1 = (1 / m) * dz1.sum(axis=0)
    for layer, (dw, db) in enumerate([(dw1, db1), (dw2, db2)]):
        back = rec.backward_of(layer)
        np.testing.assert_allclose(back.dW, dw, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(back.db, db, rtol=1e-12, atol=1e-15)


def test_every_example_loads_and_steps() -> None:
    """Each built-in example parses and runs an iteration to a finite loss."""
    assert {"xor", "moons", *(f"tutorial-00{i}" for i in range(5))} <= set(example_names())
    for name in example_names():
        session = Session(resolve(f"example:{name}"))
        session.finish_iteration()
        assert np.isfinite(session.losses()[1][0]), name
