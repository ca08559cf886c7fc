"""A two-layer network as a class, the Coursera way: samples as columns, W as (out, in),
column biases, mean binary cross-entropy. Correct."""
import numpy as np


class NeuralNetwork:
    def __init__(self, n_x, n_h, n_y, seed=1):
        rng = np.random.default_rng(seed)
        self.W1 = rng.standard_normal((n_h, n_x)) * 0.5
        self.b1 = np.zeros((n_h, 1))
        self.W2 = rng.standard_normal((n_y, n_h)) * 0.5
        self.b2 = np.zeros((n_y, 1))

    def sigmoid(self, z):
        return 1 / (1 + np.exp(-z))

    def forward(self, X):
        self.Z1 = self.W1 @ X + self.b1
        self.A1 = self.sigmoid(self.Z1)
        self.Z2 = self.W2 @ self.A1 + self.b2
        self.A2 = self.sigmoid(self.Z2)
        return self.A2

    def cost(self, Y):
        m = Y.shape[1]
        return -np.sum(Y * np.log(self.A2) + (1 - Y) * np.log(1 - self.A2)) / m

    def backward(self, X, Y):
        m = X.shape[1]
        dZ2 = self.A2 - Y
        self.dW2 = dZ2 @ self.A1.T / m
        self.db2 = np.sum(dZ2, axis=1, keepdims=True) / m
        dZ1 = (self.W2.T @ dZ2) * self.A1 * (1 - self.A1)
        self.dW1 = dZ1 @ X.T / m
        self.db1 = np.sum(dZ1, axis=1, keepdims=True) / m

    def update(self, learning_rate):
        self.W1 = self.W1 - learning_rate * self.dW1
        self.b1 = self.b1 - learning_rate * self.db1
        self.W2 = self.W2 - learning_rate * self.dW2
        self.b2 = self.b2 - learning_rate * self.db2

    def train(self, X, Y, epochs, learning_rate=1.2):
        for i in range(epochs):
            self.forward(X)
            cost = self.cost(Y)
            self.backward(X, Y)
            self.update(learning_rate)
            if i % 1000 == 0:
                print(f"cost after iteration {i}: {cost:.6f}")


if __name__ == "__main__":
    X = np.array([[0, 0, 1, 1], [0, 1, 0, 1]], dtype=float)
    Y = np.array([[0, 1, 1, 0]], dtype=float)
    model = NeuralNetwork(2, 4, 1)
    model.train(X, Y, epochs=10000)
