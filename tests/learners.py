"""Hand-written learner programs for ``gradstep check`` and the sessions they run on, shared by
the engine's and the window's check tests."""

from __future__ import annotations

import textwrap
from typing import Any

import numpy as np

from engine import parse_session

# A learner's generic implementation in Gradstep's orientation (samples as rows, W as
# (out, in), vector biases), with every catalogue mistake behind a switch. Written here,
# independently of the engine, the way a learner would write it.
LEARNER_TEMPLATE = """
import numpy as np

MISTAKE = {mistake!r}


def sig(z):
    return 1 / (1 + np.exp(-z))


def deriv(z, a):
    if MISTAKE == "missing_activation_derivative":
        return np.ones_like(z)
    if MISTAKE == "derivative_of_z":
        return z * (1 - z)
    if MISTAKE == "derivative_of_a":
        return sig(a) * (1 - sig(a))
    return a * (1 - a)


def train_step(weights, biases, X, Y, lr):
    acts, zs = [X], []
    for W, b in zip(weights, biases):
        zs.append(acts[-1] @ W.T + b)
        acts.append(sig(zs[-1]))
    a, n, k = acts[-1], X.shape[0], acts[-1].shape[1]
    if MISTAKE == "other_loss_gradient":
        delta = (a - Y) / k
    else:
        delta = (2 * (a - Y) / k) * deriv(zs[-1], a)
    scale = 1.0 if MISTAKE == "wrong_batch_reduction" else 1.0 / n
    new_w, new_b = list(weights), list(biases)
    for layer in range(len(weights) - 1, -1, -1):
        dW = scale * (delta.T @ acts[layer])
        db = scale * delta.sum(axis=0)
        if MISTAKE == "bias_not_summed":
            db = np.full_like(db, scale * delta.sum())
        if MISTAKE == "half_gradient":
            dW, db = 0.5 * dW, 0.5 * db
        if MISTAKE == "double_gradient":
            dW, db = 2 * dW, 2 * db
        if MISTAKE == "wrong_sign":
            dW, db = -dW, -db
        if layer > 0:
            W_next = weights[layer]
            if MISTAKE == "updated_weights_backprop":
                W_next = weights[layer] - lr * dW
            if MISTAKE == "transposed_weights":
                W_next = weights[layer].T
            delta = (delta @ W_next) * deriv(zs[layer - 1], acts[layer])
        new_w[layer] = weights[layer] - lr * dW
        new_b[layer] = biases[layer] - lr * db
    return new_w, new_b
"""


def learner_session(
    units: tuple[int, ...], loss: str = "mse", samples: int = 4, batch_size: int | None = None
) -> Any:
    """A sigmoid network on 2 inputs, seeded random data: every catalogue mistake distinct."""
    rng = np.random.default_rng(11)
    data: dict[str, Any] = {
        "format": "gradstep-session",
        "version": 1,
        "seed": 5,
        "network": {
            "inputs": 2,
            "init": "uniform",
            "layers": [{"units": u, "activation": "sigmoid"} for u in units],
        },
        "loss": loss,
        "optimizer": {"name": "sgd", "learning_rate": 0.5},
        "data": {
            "inputs": rng.normal(size=(samples, 2)).tolist(),
            "targets": rng.random((samples, units[-1])).tolist(),
        },
    }
    if batch_size is not None:
        data["batch_size"] = batch_size
    return parse_session(data)


def square_session() -> Any:
    """2-3-3 sigmoid, mse, 4 samples: every catalogue mistake applies and each is distinct."""
    return learner_session((3, 3))


NAN_IN_W1 = """
    new_w[1] = new_w[1].copy()
    new_w[1][2, 0] = np.nan
    return new_w, new_b
"""


def with_tail(tail: str) -> str:
    """The correct template with its last line, the return, replaced by ``tail``."""
    text = LEARNER_TEMPLATE.format(mistake=None)
    assert text.rstrip().endswith("return new_w, new_b")
    return (
        text.rstrip()[: -len("return new_w, new_b")].rstrip()
        + "\n"
        + textwrap.indent(textwrap.dedent(tail), "    ")
    )


def train_step_of(text: str) -> Any:
    """The ``train_step`` function of a learner program, run in this process."""
    namespace: dict[str, Any] = {}
    exec(compile(textwrap.dedent(text), "<learner>", "exec"), namespace)  # noqa: S102 - our own programs
    return namespace["train_step"]
