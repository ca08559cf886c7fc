"""Three layers of weights (2-4-3-1), tanh hidden layers, global script. Planted: the middle
layer's delta lacks tanh's derivative; the layers around it are right."""
import numpy as np

np.random.seed(6)
X = np.random.uniform(-1, 1, (5, 2))
Y = np.array([[0.2], [0.7], [0.4], [0.9], [0.1]])
W0 = np.random.randn(2, 4) * 0.7
b0 = np.zeros((1, 4))
W1 = np.random.randn(4, 3) * 0.7
b1 = np.zeros((1, 3))
W2 = np.random.randn(3, 1) * 0.7
b2 = np.zeros((1, 1))
alpha = 0.2

for epoch in range(500):
    a0 = np.tanh(X @ W0 + b0)
    a1 = np.tanh(a0 @ W1 + b1)
    a2 = 1 / (1 + np.exp(-(a1 @ W2 + b2)))
    d2 = (a2 - Y) * a2 * (1 - a2)
    d1 = d2 @ W2.T  # planted: no * (1 - a1 ** 2)
    d0 = (d1 @ W1.T) * (1 - a0 ** 2)  # <-- first wrong: the first number the missing factor changes
    gW2 = a1.T @ d2
    gW1 = a0.T @ d1
    gW0 = X.T @ d0
    W2 -= alpha * gW2
    b2 -= alpha * d2.sum(axis=0, keepdims=True)
    W1 -= alpha * gW1
    b1 -= alpha * d1.sum(axis=0, keepdims=True)
    W0 -= alpha * gW0
    b0 -= alpha * d0.sum(axis=0, keepdims=True)
