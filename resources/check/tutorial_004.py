"""Seed tutorial 004's loop body, as published: W as (in, out), samples as rows, biases as
rows, E = 1/2 sum (a - y)^2. It updates weights_hidden_output first and then back-propagates
to the hidden layer through the already-updated weights.

    gradstep check resources/check/tutorial_004.py --session example:tutorial-004
"""

import numpy as np


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def sigmoid_derivative(x):
    return x * (1 - x)


def train_step(weights, biases, X, y, learning_rate):
    weights_input_hidden, weights_hidden_output = weights
    bias_hidden, bias_output = biases
    hidden_input = np.dot(X, weights_input_hidden) + bias_hidden
    hidden_output = sigmoid(hidden_input)
    output_input = np.dot(hidden_output, weights_hidden_output) + bias_output
    predicted_output = sigmoid(output_input)
    d_loss_d_output = predicted_output - y
    d_output_d_hidden = sigmoid_derivative(predicted_output)
    d_hidden_d_input = sigmoid_derivative(hidden_output)
    weights_hidden_output -= learning_rate * np.dot(hidden_output.T, d_loss_d_output * d_output_d_hidden)
    weights_input_hidden -= learning_rate * np.dot(
        X.T, np.dot(d_loss_d_output * d_output_d_hidden, weights_hidden_output.T) * d_hidden_d_input
    )
    bias_output -= learning_rate * np.sum(d_loss_d_output * d_output_d_hidden, axis=0, keepdims=True)
    bias_hidden -= learning_rate * np.sum(
        np.dot(d_loss_d_output * d_output_d_hidden, weights_hidden_output.T) * d_hidden_d_input,
        axis=0,
        keepdims=True,
    )
    return [weights_input_hidden, weights_hidden_output], [bias_hidden, bias_output]
