"""Seed tutorial 003's training step (NeuralNetwork.backward), as published: W as (in, out),
samples as rows, biases as rows. It prints the mean squared error, but dz2 = output - y
with 1/m is the gradient of mean binary cross-entropy. Checked against the loss it claims:

    gradstep check resources/check/tutorial_003.py --session resources/check/tutorial_003_mse.json
"""

import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-np.clip(z, -500, 500)))


def sigmoid_derivative(z):
    return z * (1 - z)


def train_step(weights, biases, X, y, learning_rate):
    W1, W2 = weights
    b1, b2 = biases
    z1 = np.dot(X, W1) + b1
    a1 = sigmoid(z1)
    z2 = np.dot(a1, W2) + b2
    output = sigmoid(z2)
    m = X.shape[0]
    dz2 = output - y
    dW2 = (1 / m) * np.dot(a1.T, dz2)
    db2 = (1 / m) * np.sum(dz2, axis=0, keepdims=True)
    dz1 = np.dot(dz2, W2.T) * sigmoid_derivative(a1)
    dW1 = (1 / m) * np.dot(X.T, dz1)
    db1 = (1 / m) * np.sum(dz1, axis=0, keepdims=True)
    W2 -= learning_rate * dW2
    b2 -= learning_rate * db2
    W1 -= learning_rate * dW1
    b1 -= learning_rate * db1
    return [W1, W2], [b1, b2]
