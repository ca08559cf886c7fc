"""A class with feedforward/backprop/train, samples as rows. Planted: the hidden layer's
derivative a(1-a) is evaluated on z instead of a."""
import numpy as np


class NeuralNetwork:
    def __init__(self, x, y):
        self.input = x
        self.y = y
        rng = np.random.default_rng(4)
        self.weights1 = rng.random((self.input.shape[1], 4))
        self.bias1 = np.zeros(4)
        self.weights2 = rng.random((4, 1))
        self.bias2 = np.zeros(1)

    def sigmoid(self, x):
        return 1.0 / (1 + np.exp(-x))

    def sigmoid_derivative(self, x):
        return x * (1.0 - x)

    def feedforward(self):
        self.z1 = np.dot(self.input, self.weights1) + self.bias1
        self.layer1 = self.sigmoid(self.z1)
        self.z2 = np.dot(self.layer1, self.weights2) + self.bias2
        self.output = self.sigmoid(self.z2)

    def backprop(self):
        delta2 = 2 * (self.y - self.output) * self.sigmoid_derivative(self.output)
        delta1 = np.dot(delta2, self.weights2.T) * self.sigmoid_derivative(self.z1)  # <-- first wrong
        self.weights2 += 0.1 * np.dot(self.layer1.T, delta2)
        self.bias2 += 0.1 * np.sum(delta2, axis=0)
        self.weights1 += 0.1 * np.dot(self.input.T, delta1)
        self.bias1 += 0.1 * np.sum(delta1, axis=0)

    def train(self, epochs):
        for _ in range(epochs):
            self.feedforward()
            self.backprop()


X = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=float)
y = np.array([[0], [1], [1], [0]], dtype=float)
nn = NeuralNetwork(X, y)
nn.train(1500)
print(nn.output)
