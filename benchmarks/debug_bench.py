"""How long `gradstep debug` takes: tracing three iterations of a learner's script in the
child process (beyond Python's own start), and the whole command (trace, discovery, matching).

    python benchmarks/debug_bench.py

Cases: a 2-4-1 XOR script (target: tracing under 2 s beyond Python's start) and a 784-128-10
script with mini-batches of 64 over 1,024 samples (target: under 10 s). Each is run three
times; the median is printed.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from engine.learner.debug import debug_code
from engine.learner.debug.recording import record
from engine.learner.debug.source import read_source

XOR_2_4_1 = """
import numpy as np

np.random.seed(0)
X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
y = np.array([[0], [1], [1], [0]], dtype=float)
W1 = np.random.randn(2, 4)
b1 = np.zeros((1, 4))
W2 = np.random.randn(4, 1)
b2 = np.zeros((1, 1))
lr = 0.5


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


for epoch in range(10000):
    a1 = sigmoid(X @ W1 + b1)
    a2 = sigmoid(a1 @ W2 + b2)
    loss = 0.5 * np.sum((a2 - y) ** 2)
    d2 = (a2 - y) * a2 * (1 - a2)
    d1 = d2 @ W2.T * a1 * (1 - a1)
    W2 -= lr * a1.T @ d2
    b2 -= lr * d2.sum(axis=0, keepdims=True)
    W1 -= lr * X.T @ d1
    b1 -= lr * d1.sum(axis=0, keepdims=True)
"""

MNIST_SHAPED = """
import numpy as np

rng = np.random.default_rng(0)
X = rng.random((1024, 784))
labels = rng.integers(0, 10, 1024)
Y = np.eye(10)[labels]
W1 = rng.normal(0, 0.05, (784, 128))
b1 = np.zeros(128)
W2 = rng.normal(0, 0.05, (128, 10))
b2 = np.zeros(10)
lr = 0.1


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


for epoch in range(20):
    for start in range(0, len(X), 64):
        xb = X[start:start + 64]
        yb = Y[start:start + 64]
        z1 = xb @ W1 + b1
        a1 = np.maximum(z1, 0)
        p = softmax(a1 @ W2 + b2)
        loss = -np.mean(np.sum(yb * np.log(p), axis=1))
        dz2 = (p - yb) / len(xb)
        dW2 = a1.T @ dz2
        db2 = dz2.sum(axis=0)
        dz1 = dz2 @ W2.T * (z1 > 0)
        dW1 = xb.T @ dz1
        db1 = dz1.sum(axis=0)
        W2 -= lr * dW2
        b2 -= lr * db2
        W1 -= lr * dW1
        b1 -= lr * db1
"""


def python_start() -> float:
    """Seconds for `python -I -c "import numpy"`: the floor every traced run pays."""
    times = []
    for _ in range(3):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-I", "-c", "import numpy"], check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure(name: str, code: str, floor: float) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{name}.py"
        path.write_text(code, encoding="utf-8")
        source = read_source(path)
        tracing, whole = [], []
        for _ in range(3):
            start = time.perf_counter()
            trace = record(source, 3, 120.0)
            tracing.append(time.perf_counter() - start)
            start = time.perf_counter()
            report = debug_code(path, iterations=3, timeout=120.0)
            whole.append(time.perf_counter() - start)
        assert trace.iterations == 3, trace.status
        assert report.agrees, report.to_text()
        t, w = statistics.median(tracing), statistics.median(whole)
        print(
            f"{name:<22} tracing 3 iterations {t:6.2f} s ({t - floor:5.2f} s beyond Python's start)   "
            f"whole debug {w:6.2f} s   verdict {'agree' if report.agrees else 'disagree'}"
        )


def main() -> None:
    floor = python_start()
    print(f"python -I -c 'import numpy': {floor:.2f} s")
    measure("xor_2_4_1", XOR_2_4_1, floor)
    measure("mnist_784_128_10_b64", MNIST_SHAPED, floor)


if __name__ == "__main__":
    main()
