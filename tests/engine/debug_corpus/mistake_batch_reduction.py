"""Global script, samples as rows, tanh hidden layer, mean squared error. Planted: the
output layer divides by the batch size, the hidden layer forgets to."""
import numpy as np

rng = np.random.default_rng(11)
X = rng.uniform(-1, 1, (8, 3))
Y = (X.sum(axis=1, keepdims=True) > 0).astype(float)
W_hidden = rng.normal(0, 0.7, (3, 4))
b_hidden = np.zeros(4)
W_out = rng.normal(0, 0.7, (4, 1))
b_out = np.zeros(1)
learning_rate = 0.3
n = X.shape[0]

for it in range(800):
    hidden = np.tanh(X @ W_hidden + b_hidden)
    output = 1 / (1 + np.exp(-(hidden @ W_out + b_out)))
    loss = np.mean((output - Y) ** 2)
    d_output = 2 * (output - Y) * output * (1 - output) / n
    d_hidden = (d_output @ W_out.T) * (1 - hidden ** 2) * n  # planted: the 1/n undone
    W_out -= learning_rate * hidden.T @ d_output
    b_out -= learning_rate * d_output.sum(axis=0)
    W_hidden -= learning_rate * X.T @ d_hidden  # <-- first wrong
    b_hidden -= learning_rate * d_hidden.sum(axis=0)
