"""Three classes, softmax and cross-entropy, tanh hidden layer; samples as rows,
W as (in, out), row biases. Correct."""
import numpy as np

np.random.seed(3)
X = np.array([[0.0, 0.1], [0.9, 0.8], [0.1, 0.9], [0.8, 0.2], [0.5, 0.5], [0.2, 0.1]])
labels = np.array([0, 1, 2, 1, 2, 0])
Y = np.eye(3)[labels]

W1 = np.random.randn(2, 5) * 0.5
b1 = np.zeros((1, 5))
W2 = np.random.randn(5, 3) * 0.5
b2 = np.zeros((1, 3))
learning_rate = 0.5


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


for epoch in range(2000):
    z1 = X @ W1 + b1
    a1 = np.tanh(z1)
    z2 = a1 @ W2 + b2
    probs = softmax(z2)
    loss = -np.mean(np.sum(Y * np.log(probs), axis=1))
    dz2 = (probs - Y) / X.shape[0]
    dW2 = a1.T @ dz2
    db2 = dz2.sum(axis=0, keepdims=True)
    da1 = dz2 @ W2.T
    dz1 = da1 * (1 - a1 ** 2)
    dW1 = X.T @ dz1
    db1 = dz1.sum(axis=0, keepdims=True)
    W1 -= learning_rate * dW1
    b1 -= learning_rate * db1
    W2 -= learning_rate * dW2
    b2 -= learning_rate * db2
