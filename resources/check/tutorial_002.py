"""Seed tutorial 002's forward, backward and update, as published: W as (out, in), samples
as columns, biases as columns, ReLU hidden layer, sigmoid output, dZ2 = A2 - Y (binary
cross-entropy's gradient with a sigmoid output; one sample, so no 1/m is needed).

    gradstep check resources/check/tutorial_002.py --session example:tutorial-002
"""

import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def relu(z):
    return np.maximum(0, z)


def relu_derivative(z):
    return np.where(z > 0, 1, 0)


def train_step(weights, biases, X, Y, learning_rate):
    W1, W2 = weights
    b1, b2 = biases
    Z1 = np.dot(W1, X) + b1
    A1 = relu(Z1)
    Z2 = np.dot(W2, A1) + b2
    A2 = sigmoid(Z2)
    dZ2 = A2 - Y
    dZ1 = np.dot(W2.T, dZ2) * relu_derivative(Z1)
    dW2 = np.dot(dZ2, A1.T)
    db2 = np.sum(dZ2, axis=1, keepdims=True)
    dW1 = np.dot(dZ1, X.T)
    db1 = np.sum(dZ1, axis=1, keepdims=True)
    W1 -= learning_rate * dW1
    b1 -= learning_rate * db1
    W2 -= learning_rate * dW2
    b2 -= learning_rate * db2
    return [W1, W2], [b1, b2]
