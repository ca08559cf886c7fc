"""The check contract, W as (in, out) and row biases, mean squared error. Planted: the output
delta forgets the sigmoid's derivative, which makes it binary cross-entropy's."""
import numpy as np


def train_step(weights, biases, X, Y, learning_rate):
    W1, W2 = weights
    b1, b2 = biases
    m, k = Y.shape
    h = 1 / (1 + np.exp(-(X @ W1 + b1)))
    out = 1 / (1 + np.exp(-(h @ W2 + b2)))
    d_out = 2 * (out - Y) / (m * k)  # planted: no * out * (1 - out); alone it is dL/da
    d_h = (d_out @ W2.T) * h * (1 - h)  # <-- first wrong
    W2 = W2 - learning_rate * h.T @ d_out
    b2 = b2 - learning_rate * d_out.sum(axis=0, keepdims=True)
    W1 = W1 - learning_rate * X.T @ d_h
    b1 = b1 - learning_rate * d_h.sum(axis=0, keepdims=True)
    return [W1, W2], [b1, b2]
