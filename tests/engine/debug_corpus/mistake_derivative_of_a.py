"""Coursera style, samples as columns, W as (out, in), column biases, BCE. Planted: the
derivative written for z, sigma(z)(1 - sigma(z)), is applied to the activation A1."""
import numpy as np


def sigmoid(Z):
    return 1 / (1 + np.exp(-Z))


def sigmoid_prime(Z):
    s = sigmoid(Z)
    return s * (1 - s)


X = np.array([[0.0, 0.0, 1.0, 1.0], [0.0, 1.0, 0.0, 1.0]])
Y = np.array([[0.0, 1.0, 1.0, 0.0]])
m = X.shape[1]
rng = np.random.default_rng(2)
parameters = {}
W1 = rng.standard_normal((3, 2))
b1 = np.zeros((3, 1))
W2 = rng.standard_normal((1, 3))
b2 = np.zeros((1, 1))

for i in range(2000):
    Z1 = np.dot(W1, X) + b1
    A1 = sigmoid(Z1)
    Z2 = np.dot(W2, A1) + b2
    A2 = sigmoid(Z2)
    cost = -np.mean(Y * np.log(A2) + (1 - Y) * np.log(1 - A2))
    dZ2 = A2 - Y
    dW2 = np.dot(dZ2, A1.T) / m
    db2 = np.sum(dZ2, axis=1, keepdims=True) / m
    dZ1 = np.dot(W2.T, dZ2) * sigmoid_prime(A1)  # <-- first wrong
    dW1 = np.dot(dZ1, X.T) / m
    db1 = np.sum(dZ1, axis=1, keepdims=True) / m
    W1 = W1 - 1.5 * dW1
    b1 = b1 - 1.5 * db1
    W2 = W2 - 1.5 * dW2
    b2 = b2 - 1.5 * db2
