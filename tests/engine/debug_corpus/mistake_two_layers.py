"""Two mistakes at once: the hidden delta lacks the derivative (layer 0) and the output
layer's update adds its gradient (layer 1)."""
import numpy as np

X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
y = np.array([[0], [1], [1], [0]], dtype=float)
rng = np.random.default_rng(3)
W1 = rng.normal(size=(2, 4))
b1 = np.zeros((1, 4))
W2 = rng.normal(size=(4, 1))
b2 = np.zeros((1, 1))
lr = 0.5

for epoch in range(1000):
    a1 = 1 / (1 + np.exp(-(X @ W1 + b1)))
    a2 = 1 / (1 + np.exp(-(a1 @ W2 + b2)))
    d2 = (a2 - y) * a2 * (1 - a2)
    d1 = d2 @ W2.T  # planted in layer 0: no * a1 * (1 - a1)
    grad_W2 = a1.T @ d2
    grad_W1 = X.T @ d1  # <-- first wrong
    W2 += lr * grad_W2  # planted in layer 1: the sign
    b2 += lr * d2.sum(axis=0, keepdims=True)
    W1 -= lr * grad_W1
    b1 -= lr * d1.sum(axis=0, keepdims=True)
