"""Global script, samples as rows. Planted: it prints half the sum of squared errors, but
its output delta a - y is binary cross-entropy's (no sigmoid derivative)."""
import numpy as np

X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
y = np.array([[0], [0], [0], [1]], dtype=float)
np.random.seed(0)
w1 = np.random.randn(2, 3)
b1 = np.zeros((1, 3))
w2 = np.random.randn(3, 1)
b2 = np.zeros((1, 1))
learning_rate = 0.1

for i in range(2000):
    h = 1 / (1 + np.exp(-(X @ w1 + b1)))
    p = 1 / (1 + np.exp(-(h @ w2 + b2)))
    loss = 0.5 * np.sum((p - y) ** 2)  # <-- first wrong
    dp = p - y  # planted: no * p * (1 - p)
    dh = dp @ w2.T * h * (1 - h)
    w2 -= learning_rate * h.T @ dp
    b2 -= learning_rate * dp.sum(axis=0, keepdims=True)
    w1 -= learning_rate * X.T @ dh
    b1 -= learning_rate * dh.sum(axis=0, keepdims=True)
    if i % 500 == 0:
        print(i, loss)
