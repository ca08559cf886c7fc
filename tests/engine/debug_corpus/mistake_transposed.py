"""Three sigmoid outputs, W as (out, in) (a 2-3-3 network: the output weights are square).
Planted: the hidden delta goes through W2 transposed, which in this orientation is wrong."""
import numpy as np

X = np.array([[0.1, 0.9], [0.8, 0.2], [0.5, 0.5], [0.9, 0.9]])
Y = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 0]], dtype=float)
rs = np.random.RandomState(0)
W1 = rs.randn(3, 2)
b1 = np.zeros(3)
W2 = rs.randn(3, 3)
b2 = np.zeros(3)


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


for epoch in range(300):
    A1 = sigmoid(X @ W1.T + b1)
    A2 = sigmoid(A1 @ W2.T + b2)
    D2 = (A2 - Y) * A2 * (1 - A2)
    E1 = D2 @ W2.T  # <-- first wrong
    D1 = E1 * A1 * (1 - A1)
    W2 -= 0.4 * D2.T @ A1
    b2 -= 0.4 * D2.sum(axis=0)
    W1 -= 0.4 * D1.T @ X
    b1 -= 0.4 * D1.sum(axis=0)
