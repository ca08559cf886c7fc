"""Helpers shared by several test modules, imported normally (``from tests.helpers import ...``).

Fixtures live in ``tests/conftest.py``; the independent NumPy reference of the network in
``tests/reference.py``; hand-written learner programs for ``check`` in ``tests/learners.py``.
"""

from __future__ import annotations

import dataclasses
import math
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np

from engine import ParameterRef

ROOT = Path(__file__).resolve().parents[1]
QT = ("PySide6", "pyqtgraph")


def tiny_session_dict(**overrides: Any) -> dict[str, Any]:
    """A 2-3-1 sigmoid network on XOR with fixed seed: small enough to reason about."""
    base: dict[str, Any] = {
        "format": "gradstep-session",
        "version": 1,
        "seed": 7,
        "network": {
            "inputs": 2,
            "init": "xavier_uniform",
            "layers": [{"units": 3, "activation": "sigmoid"}, {"units": 1, "activation": "sigmoid"}],
        },
        "loss": "half_sse",
        "optimizer": {"name": "sgd", "learning_rate": 0.5},
        "data": {"preset": "xor"},
    }
    base.update(overrides)
    return base


def assert_identical(a: Any, b: Any, where: str = "snapshot") -> None:
    """Compare two values field by field; arrays must be bit-identical."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        assert isinstance(a, np.ndarray), where
        assert isinstance(b, np.ndarray), where
        assert a.shape == b.shape, where
        assert a.dtype == b.dtype, where
        assert np.array_equal(a, b, equal_nan=a.dtype.kind == "f"), where
    elif dataclasses.is_dataclass(a) and not isinstance(a, type):
        assert type(a) is type(b), where
        for f in dataclasses.fields(a):
            assert_identical(getattr(a, f.name), getattr(b, f.name), f"{where}.{f.name}")
    elif isinstance(a, tuple | list):
        assert isinstance(b, tuple | list), where
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_identical(x, y, f"{where}[{i}]")
    elif isinstance(a, float) and isinstance(b, float) and np.isnan(a):
        assert np.isnan(b), where
    else:
        assert a == b, where


# Sessions whose histories the time-travel and file tests replay: SGD, Adam and momentum,
# full batch and mini-batches.
CONFIGS = {
    "sgd-full": tiny_session_dict(),
    "adam-minibatch": tiny_session_dict(
        network={
            "inputs": 2,
            "init": "he_normal",
            "layers": [
                {"units": 4, "activation": "relu"},
                {"units": 3, "activation": "tanh"},
                {"units": 1, "activation": "sigmoid"},
            ],
        },
        loss="bce",
        optimizer={"name": "adam", "learning_rate": 0.05},
        data={"preset": "moons", "samples": 20, "noise": 0.1},
        batch_size=6,
    ),
    "momentum-minibatch": tiny_session_dict(
        optimizer={"name": "momentum", "learning_rate": 0.3, "momentum": 0.9},
        data={"preset": "circles", "samples": 10, "noise": 0.05},
        batch_size=3,
    ),
}


def wide_network_dict(sizes: list[int], samples: int, seed: int = 1) -> dict[str, Any]:
    """A ReLU network of ``sizes`` with a sigmoid output on seeded random data (for wide layers)."""
    rng = np.random.default_rng(seed)
    layers: list[dict[str, Any]] = [{"units": n, "activation": "relu"} for n in sizes[1:-1]]
    layers.append({"units": sizes[-1], "activation": "sigmoid"})
    return tiny_session_dict(
        seed=seed,
        network={"inputs": sizes[0], "init": "xavier_uniform", "layers": layers},
        loss="mse",
        data={
            "inputs": rng.random((samples, sizes[0])).tolist(),
            "targets": (rng.random((samples, sizes[-1])) > 0.5).astype(float).tolist(),
        },
    )


def run_python(*args: str, timeout: float) -> subprocess.CompletedProcess[str]:
    """``python ARGS`` as a process of its own on the source tree, its output captured."""
    return subprocess.run(
        [sys.executable, *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=timeout,
    )


def assert_imports_without_qt(*modules: str) -> None:
    """Importing ``modules`` in a fresh interpreter loads neither PySide6 nor pyqtgraph."""
    code = (
        "import sys\n"
        f"import {', '.join(modules)}\n"
        f"loaded = [m for m in sys.modules if m.split('.')[0] in {QT!r}]\n"
        "sys.exit(1 if loaded else 0)\n"
    )
    proc = run_python("-c", code, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def all_refs(sizes: tuple[int, ...]) -> list[ParameterRef]:
    """Every weight and bias of a network of layer ``sizes``, bias first in each unit."""
    refs = []
    for layer in range(len(sizes) - 1):
        for unit in range(sizes[layer + 1]):
            refs.append(ParameterRef(layer, unit, None))
            refs.extend(ParameterRef(layer, unit, i) for i in range(sizes[layer]))
    return refs


_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?")


def same_but_last_digits(printed: str, ran: str) -> bool:
    """The same line of output, its numbers equal to 12 significant digits. NumPy's matrix
    products (OpenBLAS) pick a kernel per processor, each rounding its sums in its own order (with
    or without fused multiply-adds), so thousands of iterations end a few units in the 17th digit
    apart from one CPU to another; on one machine the output is the same every run."""
    if _NUMBER.sub("#", printed) != _NUMBER.sub("#", ran):
        return False
    pairs = zip(_NUMBER.findall(printed), _NUMBER.findall(ran), strict=True)
    return all(math.isclose(float(a), float(b), rel_tol=1e-12) for a, b in pairs)
