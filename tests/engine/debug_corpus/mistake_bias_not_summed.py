"""Global script, samples as rows, relu hidden layer, half squared error. Planted: the
hidden bias gradient sums delta over everything, so every hidden unit gets the same one."""
import numpy as np

np.random.seed(12)
X = np.random.rand(6, 2)
y = np.array([[0.2], [0.9], [0.4], [0.6], [0.1], [0.8]])
W1 = np.random.randn(2, 4) * 0.8
b1 = np.full((1, 4), 0.05)
W2 = np.random.randn(4, 1) * 0.8
b2 = np.zeros((1, 1))
lr = 0.05

for epoch in range(1000):
    z1 = X.dot(W1) + b1
    a1 = np.maximum(0, z1)
    z2 = a1.dot(W2) + b2
    a2 = 1 / (1 + np.exp(-z2))
    d2 = (a2 - y) * a2 * (1 - a2)
    d1 = d2.dot(W2.T) * (z1 > 0)
    W2 -= lr * a1.T.dot(d2)
    b2 -= lr * np.sum(d2, axis=0, keepdims=True)
    W1 -= lr * X.T.dot(d1)
    b1 -= lr * np.sum(d1)  # <-- first wrong
