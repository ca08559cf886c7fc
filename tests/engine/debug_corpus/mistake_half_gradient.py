"""Global script, samples as rows. Planted: the hidden layer's gradients are halved (the
1/2 of the loss applied a second time); the update of W1 is the first number it changes."""
import numpy as np

X = np.array([[0.05, 0.10], [0.20, 0.70], [0.90, 0.30]])
T = np.array([[0.01, 0.99], [0.50, 0.20], [0.90, 0.10]])
rng = np.random.default_rng(5)
W1 = rng.uniform(-0.5, 0.5, (2, 2))
b1 = np.full((1, 2), 0.35)
W2 = rng.uniform(-0.5, 0.5, (2, 2))
b2 = np.full((1, 2), 0.60)
eta = 0.5

for step in range(1000):
    net_h = X @ W1 + b1
    out_h = 1 / (1 + np.exp(-net_h))
    net_o = out_h @ W2 + b2
    out_o = 1 / (1 + np.exp(-net_o))
    E = 0.5 * np.sum((T - out_o) ** 2)
    delta_o = (out_o - T) * out_o * (1 - out_o)
    delta_h = (delta_o @ W2.T) * out_h * (1 - out_h)
    grad_W2 = out_h.T @ delta_o
    grad_b2 = delta_o.sum(axis=0, keepdims=True)
    grad_W1 = 0.5 * (X.T @ delta_h)  # planted
    grad_b1 = 0.5 * delta_h.sum(axis=0, keepdims=True)  # planted
    W2 = W2 - eta * grad_W2
    b2 = b2 - eta * grad_b2
    W1 = W1 - eta * grad_W1  # <-- first wrong
    b1 = b1 - eta * grad_b1
