"""Built-in examples: one per seed tutorial, plus XOR, a moons and a digits classifier.

Where a tutorial seeds NumPy's legacy generator (``np.random.seed(42)`` then
``np.random.rand``), its exact initial weights are drawn here the same way and stored as
explicit values, transposed into Gradstep's (units, fan_in) orientation.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from engine.core.config import FORMAT, VERSION, SessionConfig
from engine.errors import GradstepError
from engine.files.jsonio import read_json_as
from engine.files.session_file import parse_session

if TYPE_CHECKING:
    from engine.files.walkthrough import Walkthrough

_WALKTHROUGHS = Path(__file__).resolve().parents[2] / "resources" / "walkthroughs"

XOR_INPUTS = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
XOR_TARGETS = [[0.0], [1.0], [1.0], [0.0]]


@dataclass(frozen=True)
class Example:
    """A named built-in session."""

    name: str
    summary: str
    session: dict[str, Any]


def _session(
    title: str,
    description: str,
    seed: int,
    network: dict[str, Any],
    loss: str,
    learning_rate: float,
    data: dict[str, Any],
    iterations: int,
    optimizer: str = "sgd",
    batch_size: int | None = None,
) -> dict[str, Any]:
    doc = {
        "format": FORMAT,
        "version": VERSION,
        "title": title,
        "description": description,
        "seed": seed,
        "network": network,
        "loss": loss,
        "optimizer": {"name": optimizer, "learning_rate": learning_rate},
        "data": data,
    }
    if batch_size is not None:
        doc["batch_size"] = batch_size
    return doc | {"iterations": iterations}


def _network(*layers: dict[str, Any], init: str | None = None) -> dict[str, Any]:
    """A network of two inputs and ``layers``, drawn by ``init`` where they give no weights."""
    return {"inputs": 2} | ({"init": init} if init is not None else {}) | {"layers": list(layers)}


def _layer(
    units: int, activation: str, weights: np.ndarray | None = None, bias: list[float] | None = None
) -> dict[str, Any]:
    """A layer; ``weights`` (units, fan_in) and ``bias`` are stored as given where given."""
    layer: dict[str, Any] = {"units": units, "activation": activation}
    if weights is not None:
        layer |= {"weights": weights.tolist(), "bias": bias}
    return layer


def _samples(inputs: list[list[float]], targets: list[list[float]]) -> dict[str, Any]:
    return {"inputs": inputs, "targets": targets}


def _legacy_rand(*shapes: tuple[int, int]) -> list[np.ndarray]:
    """Arrays as ``np.random.seed(42)`` followed by ``np.random.rand(*shape)`` calls give them."""
    legacy = np.random.RandomState(42)
    return [legacy.rand(*shape) for shape in shapes]


def _tutorial_001() -> dict[str, Any]:
    w_ih, w_ho, b_h, b_o = _legacy_rand((2, 2), (2, 1), (1, 2), (1, 1))
    return _session(
        "Tutorial 001: XOR, 2-2-1 sigmoid, seed 42",
        "Weights from np.random.seed(42) then rand for W_ih, W_ho, b_h, b_o in that order. The "
        "update adds X.T @ (error * a(1-a)) * 0.1 with error = y - a, which is gradient descent "
        "on E = 1/2 sum (y - a)^2 (half_sse), full batch. After 10,000 updates the last forward "
        "pass predicts 0.0603, 0.9445, 0.9444, 0.0600, as the tutorial prints.",
        seed=42,
        network=_network(
            _layer(2, "sigmoid", w_ih.T, b_h[0].tolist()), _layer(1, "sigmoid", w_ho.T, b_o[0].tolist())
        ),
        loss="half_sse",
        learning_rate=0.1,
        data=_samples(XOR_INPUTS, XOR_TARGETS),
        iterations=10000,
    )


def _tutorial_004() -> dict[str, Any]:
    w_ih, w_ho = _legacy_rand((2, 2), (2, 1))
    return _session(
        "Tutorial 004: one sample, 2-2-1 sigmoid, seed 42",
        "Weights from np.random.seed(42) then rand for W_ih then W_ho, zero biases, one sample "
        "(0.5, 0.6) -> 0.8, E = 1/2 sum (a - y)^2, learning rate 0.1, 100 updates. The tutorial "
        "updates weights_hidden_output first and then back-propagates to the hidden layer "
        "through the already-updated weights, so the losses it prints drift from the correct "
        "ones from the fifth significant digit on (0.024850926922809005 at epoch 10 there). "
        "Gradstep back-propagates through the weights the forward pass used, and prints the "
        "correct losses.",
        seed=42,
        network=_network(_layer(2, "sigmoid", w_ih.T, [0.0, 0.0]), _layer(1, "sigmoid", w_ho.T, [0.0])),
        loss="half_sse",
        learning_rate=0.1,
        data=_samples([[0.5, 0.6]], [[0.8]]),
        iterations=100,
    )


def _tutorial_000() -> dict[str, Any]:
    return _session(
        "Tutorial 000: XOR, 2-4-1 sigmoid, class NeuralNetwork",
        "Weights as (out, in) with samples as columns, drawn with randn and no seed (Gradstep "
        "uses a seeded normal draw). The tutorial prints the mean squared error, but its "
        "gradient dZ2 = a2 - y with the 1/m factor is that of mean binary cross-entropy with a "
        "sigmoid output, so this example trains on bce, which is what the tutorial's updates do. "
        "As published, 'learning rate' in the b2 update is a syntax error.",
        seed=42,
        network=_network(_layer(4, "sigmoid"), _layer(1, "sigmoid"), init="normal"),
        loss="bce",
        learning_rate=0.5,
        data=_samples(XOR_INPUTS, XOR_TARGETS),
        iterations=10000,
    )


def _tutorial_002() -> dict[str, Any]:
    return _session(
        "Tutorial 002: one sample, 2-3-1 ReLU then sigmoid",
        "One sample (0.5, 0.1) -> 0.7, weights drawn with randn and no seed (Gradstep uses a "
        "seeded normal draw), one update at learning rate 0.1. The tutorial prints no loss; its "
        "output gradient dZ2 = A2 - Y is that of binary cross-entropy with a sigmoid output, so "
        "that is the loss here.",
        seed=42,
        network=_network(_layer(3, "relu"), _layer(1, "sigmoid"), init="normal"),
        loss="bce",
        learning_rate=0.1,
        data=_samples([[0.5, 0.1]], [[0.7]]),
        iterations=1,
    )


def _tutorial_003() -> dict[str, Any]:
    rng = np.random.default_rng(3)
    w1 = rng.standard_normal((4, 2)) * 0.01
    w2 = rng.standard_normal((1, 4)) * 0.01
    return _session(
        "Tutorial 003: XOR, 2-4-1 sigmoid, small initial weights",
        "Weights randn * 0.01 with no seed (Gradstep draws them from a seeded generator and "
        "stores them), zero biases, learning rate 0.1, 1,000 updates. The tutorial prints the "
        "mean squared error but its gradient output - y with 1/m is mean binary cross-entropy's, "
        "so this example trains on bce. Its printed numbers cannot be reproduced: the "
        "initial weights are unseeded. The tiny weights leave the network on a plateau: every "
        "output near 0.5 and the loss at ln 2, still there after 20,000 updates from these "
        "weights (the tutorial's own loop from other randn * 0.01 draws stays there too, so its "
        "published falling curve did not come from the code as published).",
        seed=3,
        network=_network(_layer(4, "sigmoid", w1, [0.0] * 4), _layer(1, "sigmoid", w2, [0.0])),
        loss="bce",
        learning_rate=0.1,
        data=_samples(XOR_INPUTS, XOR_TARGETS),
        iterations=1000,
    )


def _xor() -> dict[str, Any]:
    return _session(
        "XOR, 2-3-1 sigmoid",
        "The classic: XOR with one hidden layer of three sigmoid units, E = 1/2 sum (t - o)^2, "
        "plain gradient descent at learning rate 2.",
        seed=1,
        network=_network(_layer(3, "sigmoid"), _layer(1, "sigmoid"), init="uniform"),
        loss="half_sse",
        learning_rate=2.0,
        data={"preset": "xor"},
        iterations=2000,
    )


def _moons() -> dict[str, Any]:
    return _session(
        "Moons, 2-8-1",
        "Two interleaved half-moons, 200 noisy points, a hidden layer of 8 tanh units and a "
        "sigmoid output trained on binary cross-entropy with Adam in mini-batches of 20.",
        seed=0,
        network=_network(_layer(8, "tanh"), _layer(1, "sigmoid"), init="xavier_uniform"),
        loss="bce",
        optimizer="adam",
        learning_rate=0.05,
        data={"preset": "moons", "samples": 200, "noise": 0.1},
        batch_size=20,
        iterations=1000,
    )


def _digits() -> dict[str, Any]:
    return _session(
        "Handwritten digits, 64-32-10",
        "The 1,797 handwritten 8 x 8 digits of the UCI data (E. Alpaydin and C. Kaynak, CC BY 4.0), "
        "pixels scaled to [0, 1]; a fifth of them, drawn by the seed, held out as the test set. "
        "A hidden layer of 32 ReLU units and a softmax output over the ten digits, trained on "
        "cross-entropy with Adam in mini-batches of 32.",
        seed=0,
        network={
            "inputs": 64,
            "init": "he_normal",
            "layers": [_layer(32, "relu"), _layer(10, "softmax")],
        },
        loss="cross_entropy",
        optimizer="adam",
        learning_rate=0.005,
        data={"preset": "digits", "test_fraction": 0.2},
        batch_size=32,
        iterations=2000,
    )


_BUILDERS = {
    "xor": (_xor, "XOR with a 2-3-1 sigmoid network (the window opens it by default)"),
    "moons": (_moons, "two moons, 2-8-1 tanh/sigmoid, Adam, mini-batches"),
    "digits": (_digits, "handwritten 8x8 digits, 64-32-10 ReLU/softmax, Adam, mini-batches, test split"),
    "tutorial-000": (_tutorial_000, "seed tutorial 000: 2-4-1 sigmoid XOR; prints MSE, trains BCE"),
    "tutorial-001": (
        _tutorial_001,
        "seed tutorial 001: 2-2-1 sigmoid XOR, seed 42, reproduces its predictions",
    ),
    "tutorial-002": (_tutorial_002, "seed tutorial 002: 2-3-1 ReLU/sigmoid, one sample, one update"),
    "tutorial-003": (_tutorial_003, "seed tutorial 003: 2-4-1 sigmoid XOR, randn * 0.01 weights"),
    "tutorial-004": (_tutorial_004, "seed tutorial 004: one sample, seed 42; corrects its stale-weight bug"),
}


def example_names() -> list[str]:
    """Names of the built-in examples, in listing order."""
    return list(_BUILDERS)


def example(name: str) -> Example:
    """The built-in example ``name``."""
    if name not in _BUILDERS:
        raise GradstepError(f"example:{name}: no such example (available: {', '.join(example_names())})")
    builder, summary = _BUILDERS[name]
    return Example(name, summary, builder())


def resolve(spec: str) -> SessionConfig:
    """A session from a path or from ``example:NAME``."""
    from engine.files.session_file import load_session_config

    if spec.startswith("example:"):
        return parse_session(example(spec.removeprefix("example:")).session)
    return load_session_config(spec)


def walkthrough_names() -> list[str]:
    """Names of the built-in walkthroughs (files in resources/walkthroughs)."""
    return sorted(p.stem for p in _WALKTHROUGHS.glob("*.json"))


def resolve_walkthrough_path(name: str) -> Path:
    """The file of the built-in walkthrough ``name``."""
    return _WALKTHROUGHS / f"{name}.json"


def resolve_any(spec: str) -> SessionConfig | Walkthrough:
    """A session or a walkthrough, from a path or ``example:NAME``."""
    from engine.files.walkthrough import declares_walkthrough, load_walkthrough, parse_walkthrough

    if spec.startswith("example:"):
        name = spec.removeprefix("example:")
        if name in walkthrough_names():
            return load_walkthrough(_WALKTHROUGHS / f"{name}.json")
        if name not in example_names():  # where a walkthrough is welcome, list those too
            raise GradstepError(
                f"example:{name}: no such example (sessions: {', '.join(example_names())}; "
                f"walkthroughs: {', '.join(walkthrough_names())})"
            )
        return parse_session(example(name).session)
    # one read and one parse: a large session file's JSON takes a quarter of a second to parse

    def parse(data: Any, folder: Path) -> SessionConfig | Walkthrough:
        if declares_walkthrough(data):
            return parse_walkthrough(data, base_dir=folder)
        return parse_session(data, base_dir=folder)

    return read_json_as(Path(spec), parse)
