"""Global script, samples as rows. Planted: the gradients already hold the learning rate,
and the update multiplies by it again."""
import numpy as np

X = np.array([[0.5, 0.6], [0.1, 0.2], [0.9, 0.4]])
y = np.array([[0.8], [0.3], [0.5]])
np.random.seed(42)
W1 = np.random.rand(2, 2)
W2 = np.random.rand(2, 1)
b1 = np.zeros((1, 2))
b2 = np.zeros((1, 1))
learning_rate = 0.3

for epoch in range(100):
    h = 1 / (1 + np.exp(-(np.dot(X, W1) + b1)))
    o = 1 / (1 + np.exp(-(np.dot(h, W2) + b2)))
    delta_o = (o - y) * o * (1 - o)
    delta_h = np.dot(delta_o, W2.T) * h * (1 - h)
    dW2 = learning_rate * np.dot(h.T, delta_o)
    db2 = learning_rate * np.sum(delta_o, axis=0, keepdims=True)
    dW1 = learning_rate * np.dot(X.T, delta_h)
    db1 = learning_rate * np.sum(delta_h, axis=0, keepdims=True)
    W2 -= learning_rate * dW2  # <-- first wrong
    b2 -= learning_rate * db2
    W1 -= learning_rate * dW1
    b1 -= learning_rate * db1
