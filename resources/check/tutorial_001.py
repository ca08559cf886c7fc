"""Seed tutorial 001's training loop body, as published: W as (in, out), samples as rows,
biases as rows, E = 1/2 sum (y - a)^2, the update added with error = y - a.

    gradstep check resources/check/tutorial_001.py --session example:tutorial-001
"""

import numpy as np


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def sigmoid_derivative(x):
    return x * (1 - x)


def train_step(weights, biases, X, y, learning_rate):
    weights_input_hidden, weights_hidden_output = weights
    bias_hidden, bias_output = biases
    hidden_layer_input = np.dot(X, weights_input_hidden) + bias_hidden
    hidden_layer_output = sigmoid(hidden_layer_input)
    output_layer_input = np.dot(hidden_layer_output, weights_hidden_output) + bias_output
    predicted_output = sigmoid(output_layer_input)
    error = y - predicted_output
    output_gradient = error * sigmoid_derivative(predicted_output)
    hidden_error = output_gradient.dot(weights_hidden_output.T)
    hidden_gradient = hidden_error * sigmoid_derivative(hidden_layer_output)
    weights_hidden_output += hidden_layer_output.T.dot(output_gradient) * learning_rate
    weights_input_hidden += X.T.dot(hidden_gradient) * learning_rate
    bias_hidden += np.sum(hidden_gradient, axis=0, keepdims=True) * learning_rate
    bias_output += np.sum(output_gradient, axis=0, keepdims=True) * learning_rate
    return [weights_input_hidden, weights_hidden_output], [bias_hidden, bias_output]
