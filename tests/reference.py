"""An independent NumPy reference of the network: activations, losses, forward pass and central
finite differences written from their definitions, never imported from the engine, and a
hypothesis strategy of random problems. Gradient and chain-rule tests check the engine
against it, so the engine is never checked against itself.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st

from engine import Session, parse_session

HIDDEN = ("linear", "sigmoid", "tanh", "relu", "leaky_relu")
LOSSES = ("mse", "half_sse", "sse", "bce", "bce_sum", "cross_entropy", "cross_entropy_sum")
SUMMED = ("half_sse", "sse", "bce_sum", "cross_entropy_sum")  # a sum over the samples, not a mean


def act(name: str, z: np.ndarray) -> np.ndarray:
    """Reference activations, straight from their definitions."""
    if name == "linear":
        return z
    if name == "sigmoid":
        # exp(-z) overflows to inf for z below about -709: 1/(1 + inf) is the sigmoid's 0 exactly
        # (a summed loss's larger steps reach such z within a few updates of a deep linear net)
        with np.errstate(over="ignore"):
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
    """Reference losses, exactly as the issue defines them (the ``_sum`` ones and ``sse`` sum
    over the samples where the others take the mean)."""
    if name == "mse":
        return float(np.mean((a - y) ** 2))
    if name == "half_sse":
        return float(0.5 * np.sum((a - y) ** 2))
    if name == "sse":
        return float(np.sum((a - y) ** 2))
    if name in ("bce", "bce_sum"):
        reduce = np.mean if name == "bce" else np.sum
        if z is None:
            return float(reduce(-(y * np.log(a) + (1 - y) * np.log(1 - a))))
        # From the sigmoid's z: log a = -log(1 + e^-z), log(1 - a) = -log(1 + e^z). Taking
        # log(1 - a) of a rounded a would lose the digits a finite difference needs.
        return float(reduce(y * np.logaddexp(0, -z) + (1 - y) * np.logaddexp(0, z)))
    if name in ("cross_entropy", "cross_entropy_sum"):
        reduce = np.mean if name == "cross_entropy" else np.sum
        # From the softmax's z: log a = z - log Σ e^z. A saturated softmax rounds a class's a
        # to exactly 0, whose log is -inf, where its z still gives the finite loss.
        log_a = np.log(a) if z is None else z - np.logaddexp.reduce(z, axis=1, keepdims=True)
        return float(reduce(-np.sum(y * log_a, axis=1)))
    raise AssertionError(name)


def forward(params: list[tuple[np.ndarray, np.ndarray | None]], acts: list[str], x: np.ndarray) -> tuple:
    """Reference forward pass; returns the output and every pre-activation. A bias of None is
    a layer without biases: z = a Wᵀ."""
    a, zs = x, []
    for (w, b), name in zip(params, acts, strict=True):
        z = a @ w.T if b is None else a @ w.T + b
        zs.append(z)
        a = act(name, z)
    return a, zs


SATURATING = ("sigmoid", "tanh", "softmax")


@st.composite
def problems(draw: Any, saturate: bool = True) -> dict[str, Any]:
    """A random network (some layers without biases: their bias is None), data set, loss and
    matching output activation.

    With ``saturate``, a sigmoid, tanh or softmax output is sometimes pushed far into saturation
    (an output bias of ±40): sigmoid and tanh outputs round to exactly 0, 1 or -1 and softmax to
    one-hot, where a(1 - a) is 0 and log(1 - a) is -inf. ``p["saturated"]`` says so.
    """
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    inputs = draw(st.integers(1, 4))
    hidden = draw(st.lists(st.integers(1, 5), min_size=0, max_size=3))
    loss = draw(st.sampled_from(LOSSES))
    softmax = loss.startswith("cross_entropy")
    outputs = draw(st.integers(2, 4)) if softmax else draw(st.integers(1, 3))
    if softmax:
        out_act = "softmax"
    elif loss.startswith("bce"):
        out_act = "sigmoid"
    else:
        out_act = draw(st.sampled_from(HIDDEN))
    acts = [draw(st.sampled_from(HIDDEN)) for _ in hidden] + [out_act]
    m = draw(st.integers(1, 6))
    x = rng.normal(size=(m, inputs))
    if softmax:
        y = np.eye(outputs)[rng.integers(0, outputs, size=m)]
    elif loss.startswith("bce"):
        y = rng.uniform(0, 1, size=(m, outputs))
    else:
        y = rng.normal(size=(m, outputs))
    sizes = [inputs, *hidden, outputs]
    biased = [draw(st.booleans()) for _ in range(len(sizes) - 1)]
    params: list[tuple[np.ndarray, np.ndarray | None]] = [
        (
            rng.normal(size=(sizes[k + 1], sizes[k])),
            rng.normal(scale=0.5, size=sizes[k + 1]) if biased[k] else None,
        )
        for k in range(len(sizes) - 1)
    ]
    # the output bias is what pushes the output into saturation
    saturated = saturate and biased[-1] and out_act in SATURATING and draw(st.booleans())
    if saturated:
        w, _ = params[-1]
        signs = rng.choice([-1.0, 1.0], size=outputs)
        params[-1] = (w, 40.0 * (np.eye(outputs)[0] if out_act == "softmax" else signs))
    batch = draw(st.one_of(st.none(), st.integers(1, m)))
    return {
        "x": x,
        "y": y,
        "params": params,
        "acts": acts,
        "loss": loss,
        "batch": batch,
        "saturated": saturated,
    }


def session_for(p: dict[str, Any], optimizer: dict[str, Any] | None = None) -> Session:
    """An engine session holding exactly the problem's weights and data."""
    layers = [
        {
            "units": w.shape[0],
            "activation": name,
            "weights": w.tolist(),
            "bias": False if b is None else b.tolist(),
        }
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
    return loss_of(name, out, y, zs[-1] if name.startswith(("bce", "cross_entropy")) else None)


def finite_difference(p: dict[str, Any], x: np.ndarray, y: np.ndarray, h: float = 1e-6) -> list:
    """Central differences of the reference loss for every weight and bias (None for the bias
    of a layer without biases)."""
    grads = []
    for k, (w, b) in enumerate(p["params"]):
        out: list[np.ndarray | None] = []
        for arr in (w, b):
            if arr is None:
                out.append(None)
                continue
            g = np.zeros_like(arr)
            for idx in np.ndindex(arr.shape):
                params = [(ww.copy(), None if bb is None else bb.copy()) for ww, bb in p["params"]]
                target = params[k][0] if arr is w else params[k][1]
                target[idx] += h
                plus = reference_loss(p["loss"], params, p["acts"], x, y)
                target[idx] -= 2 * h
                minus = reference_loss(p["loss"], params, p["acts"], x, y)
                g[idx] = (plus - minus) / (2 * h)
            out.append(g)
        grads.append(tuple(out))
    return grads


def reference_params(params: Any) -> list[tuple[np.ndarray, np.ndarray | None]]:
    """The engine's parameters as the reference holds them: None for an empty bias array."""
    return [(lp.weights.copy(), lp.bias.copy() if lp.has_bias else None) for lp in params]


def away_from_kinks(p: dict[str, Any], x: np.ndarray) -> bool:
    """True when no ReLU-like pre-activation is close enough to 0 for the difference to straddle it."""
    _, zs = forward(p["params"], p["acts"], x)
    return all(
        name not in ("relu", "leaky_relu") or np.min(np.abs(z)) > 1e-3
        for z, name in zip(zs, p["acts"], strict=True)
    )
