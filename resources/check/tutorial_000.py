"""Seed tutorial 000's training step (class NeuralNetwork, backward()), as published:
W as (out, in), samples as columns, biases as columns. Only `learning rate` in the b2
update, a syntax error as published, is written `learning_rate`.

It prints the mean squared error, but dZ2 = a2 - y with 1/m is the gradient of mean binary
cross-entropy. Checked against the loss it claims:

    gradstep check resources/check/tutorial_000.py --session resources/check/tutorial_000_mse.json
"""

import numpy as np


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def sigmoid_derivative(x):
    return x * (1 - x)


def train_step(weights, biases, X, y, learning_rate):
    W1, W2 = weights
    b1, b2 = biases
    # forward
    z1 = np.dot(W1, X) + b1
    a1 = sigmoid(z1)
    z2 = np.dot(W2, a1) + b2
    a2 = sigmoid(z2)
    # backward
    m = X.shape[1]
    dZ2 = a2 - y
    dW2 = (1 / m) * np.dot(dZ2, a1.T)
    db2 = (1 / m) * np.sum(dZ2, axis=1, keepdims=True)
    dZ1 = np.dot(W2.T, dZ2) * sigmoid_derivative(a1)
    dW1 = (1 / m) * np.dot(dZ1, X.T)
    db1 = (1 / m) * np.sum(dZ1, axis=1, keepdims=True)
    W2 -= learning_rate * dW2
    b2 -= learning_rate * db2
    W1 -= learning_rate * dW1
    b1 -= learning_rate * db1
    return [W1, W2], [b1, b2]
