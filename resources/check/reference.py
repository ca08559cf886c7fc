"""A correct training step, in Gradstep's own orientation: weights (out, in), samples as
rows, biases as vectors. Loss: E = 1/2 sum (a - y)^2 with sigmoid units (half_sse).

    gradstep check resources/check/reference.py --session example:tutorial-001
"""

import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def train_step(weights, biases, X, Y, learning_rate):
    activations = [X]
    for W, b in zip(weights, biases):
        activations.append(sigmoid(activations[-1] @ W.T + b))
    delta = (activations[-1] - Y) * activations[-1] * (1 - activations[-1])
    new_weights, new_biases = list(weights), list(biases)
    for k in range(len(weights) - 1, -1, -1):
        dW = delta.T @ activations[k]
        db = delta.sum(axis=0)
        if k > 0:
            a = activations[k]
            delta = (delta @ weights[k]) * a * (1 - a)
        new_weights[k] = weights[k] - learning_rate * dW
        new_biases[k] = biases[k] - learning_rate * db
    return new_weights, new_biases
