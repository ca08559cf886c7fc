"""A class in the Coursera layout (samples as columns, W as (out, in)). Planted: backward()
updates W2 before it propagates the delta to the hidden layer through it."""
import numpy as np


class TwoLayerNet:
    def __init__(self, sizes, lr):
        rng = np.random.default_rng(21)
        self.W1 = rng.normal(0, 1, (sizes[1], sizes[0]))
        self.b1 = np.zeros((sizes[1], 1))
        self.W2 = rng.normal(0, 1, (sizes[2], sizes[1]))
        self.b2 = np.zeros((sizes[2], 1))
        self.lr = lr

    def forward(self, X):
        self.A1 = 1 / (1 + np.exp(-(self.W1 @ X + self.b1)))
        self.A2 = 1 / (1 + np.exp(-(self.W2 @ self.A1 + self.b2)))
        return self.A2

    def backward(self, X, Y):
        m = X.shape[1]
        dZ2 = self.A2 - Y
        self.W2 -= self.lr * (dZ2 @ self.A1.T) / m
        self.b2 -= self.lr * np.sum(dZ2, axis=1, keepdims=True) / m
        dZ1 = (self.W2.T @ dZ2) * self.A1 * (1 - self.A1)  # <-- first wrong
        self.W1 -= self.lr * (dZ1 @ X.T) / m
        self.b1 -= self.lr * np.sum(dZ1, axis=1, keepdims=True) / m

    def fit(self, X, Y, epochs):
        for epoch in range(epochs):
            self.forward(X)
            self.backward(X, Y)


def main():
    X = np.array([[0, 0, 1, 1], [0, 1, 0, 1]], dtype=float)
    Y = np.array([[0, 1, 1, 0]], dtype=float)
    net = TwoLayerNet([2, 3, 1], lr=2.0)
    net.fit(X, Y, 5000)


main()
