"""XOR, global script, samples as rows, W as (in, out). Planted: the hidden layer's delta
lacks the sigmoid's derivative; the first number that shows it is dW1."""
import numpy as np


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
y = np.array([[0], [1], [1], [0]], dtype=float)
np.random.seed(1)
W1 = np.random.uniform(-1, 1, (2, 3))
b1 = np.zeros((1, 3))
W2 = np.random.uniform(-1, 1, (3, 1))
b2 = np.zeros((1, 1))
lr = 0.5

for epoch in range(5000):
    a1 = sigmoid(X @ W1 + b1)
    a2 = sigmoid(a1 @ W2 + b2)
    d2 = (a2 - y) * a2 * (1 - a2)
    d1 = d2 @ W2.T  # planted: missing * a1 * (1 - a1)
    dW2 = a1.T @ d2
    dW1 = X.T @ d1  # <-- first wrong
    W2 -= lr * dW2
    b2 -= lr * d2.sum(axis=0, keepdims=True)
    W1 -= lr * dW1
    b1 -= lr * d1.sum(axis=0, keepdims=True)
