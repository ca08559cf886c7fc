"""Global script without biases that trains on the summed squared error Σ(a−y)² (no ½, no
1/m), as real code often does. Correct."""
import numpy as np
X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
y = np.array([[0], [1], [1], [0]], dtype=float)
rng = np.random.default_rng(0)
W1 = rng.normal(size=(2, 4))
W2 = rng.normal(size=(4, 1))
lr = 0.1
for epoch in range(1000):
    h = np.tanh(X @ W1)
    out = 1 / (1 + np.exp(-(h @ W2)))
    loss = np.sum((out - y) ** 2)
    d_out = 2 * (out - y) * out * (1 - out)
    d_h = (d_out @ W2.T) * (1 - h ** 2)
    W2 -= lr * h.T @ d_out
    W1 -= lr * X.T @ d_h
