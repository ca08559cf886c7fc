"""Layers held in lists on self, the backward pass a loop over the layers (the classic
book layout), samples as columns, W as (out, in), three layers. Correct."""
import numpy as np


class Network:
    def __init__(self, sizes, seed=0):
        rng = np.random.default_rng(seed)
        self.weights = [rng.standard_normal((n_out, n_in)) for n_in, n_out in zip(sizes[:-1], sizes[1:])]
        self.biases = [rng.standard_normal((n_out, 1)) for n_out in sizes[1:]]

    @staticmethod
    def sigmoid(z):
        return 1 / (1 + np.exp(-z))

    def backprop(self, X, Y):
        activation = X
        activations = [X]
        zs = []
        for W, b in zip(self.weights, self.biases):
            z = W @ activation + b
            zs.append(z)
            activation = self.sigmoid(z)
            activations.append(activation)
        delta = (activations[-1] - Y) * activations[-1] * (1 - activations[-1])
        nabla_w = [None] * len(self.weights)
        nabla_b = [None] * len(self.biases)
        nabla_w[-1] = delta @ activations[-2].T
        nabla_b[-1] = delta.sum(axis=1, keepdims=True)
        for layer in range(2, len(self.weights) + 1):
            a = activations[-layer]
            delta = (self.weights[-layer + 1].T @ delta) * a * (1 - a)
            nabla_w[-layer] = delta @ activations[-layer - 1].T
            nabla_b[-layer] = delta.sum(axis=1, keepdims=True)
        return nabla_w, nabla_b

    def train(self, X, Y, epochs, eta):
        for epoch in range(epochs):
            nabla_w, nabla_b = self.backprop(X, Y)
            self.weights = [W - eta * nw for W, nw in zip(self.weights, nabla_w)]
            self.biases = [b - eta * nb for b, nb in zip(self.biases, nabla_b)]


X = np.array([[0, 0, 1, 1], [0, 1, 0, 1]], dtype=float)
Y = np.array([[0, 1, 1, 0]], dtype=float)
net = Network([2, 4, 3, 1])
net.train(X, Y, 2000, 0.8)
