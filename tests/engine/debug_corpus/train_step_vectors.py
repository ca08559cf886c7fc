"""The check contract: train_step(weights, biases, X, Y, learning_rate), written in
Gradstep's orientation (W as (out, in), vector biases), half squared error. Correct."""
import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def train_step(weights, biases, X, Y, learning_rate):
    W1, W2 = weights
    b1, b2 = biases
    z1 = X @ W1.T + b1
    a1 = sigmoid(z1)
    z2 = a1 @ W2.T + b2
    a2 = sigmoid(z2)
    delta2 = (a2 - Y) * a2 * (1 - a2)
    delta1 = (delta2 @ W2) * a1 * (1 - a1)
    new_W2 = W2 - learning_rate * delta2.T @ a1
    new_b2 = b2 - learning_rate * delta2.sum(axis=0)
    new_W1 = W1 - learning_rate * delta1.T @ X
    new_b1 = b1 - learning_rate * delta1.sum(axis=0)
    return [new_W1, new_W2], [new_b1, new_b2]
