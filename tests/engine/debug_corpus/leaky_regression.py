"""Regression, leaky ReLU hidden layer, linear output, mean squared error with its 2/m, the
learning rate written as a literal. Correct."""
import numpy as np
rng = np.random.default_rng(4)
X = rng.normal(size=(10, 3))
y = X @ np.array([[1.0], [-2.0], [0.5]]) + 0.3
W1 = rng.normal(size=(3, 6)) * 0.5
b1 = np.zeros(6)
W2 = rng.normal(size=(6, 1)) * 0.5
b2 = np.zeros(1)
for step in range(200):
    z = X @ W1 + b1
    h = np.where(z > 0, z, 0.01 * z)
    pred = h @ W2 + b2
    err = pred - y
    grad_pred = 2 * err / len(X)
    gW2 = h.T @ grad_pred
    gb2 = grad_pred.sum(axis=0)
    gh = grad_pred @ W2.T
    gz = gh * np.where(z > 0, 1.0, 0.01)
    gW1 = X.T @ gz
    gb1 = gz.sum(axis=0)
    W1 -= 0.05 * gW1
    b1 -= 0.05 * gb1
    W2 -= 0.05 * gW2
    b2 -= 0.05 * gb2
