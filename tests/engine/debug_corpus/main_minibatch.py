"""Regression with mini-batches, everything inside main(): 1-8-1, ReLU hidden, linear output,
mean squared error with its 2/m. Samples as rows, W as (in, out), vector biases. Correct."""
import numpy as np


def relu(z):
    return np.maximum(0, z)


def relu_grad(z):
    return (z > 0).astype(float)


def main():
    rng = np.random.default_rng(0)
    X = np.linspace(-1, 1, 16).reshape(-1, 1)
    y = X ** 2 + 0.1
    W1 = rng.normal(0, 1, (1, 8))
    b1 = np.full(8, 0.1)
    W2 = rng.normal(0, 0.5, (8, 1))
    b2 = np.zeros(1)
    lr = 0.05
    batch = 4
    for epoch in range(500):
        order = rng.permutation(len(X))
        for start in range(0, len(X), batch):
            idx = order[start:start + batch]
            xb, yb = X[idx], y[idx]
            h = xb @ W1 + b1
            a = relu(h)
            out = a @ W2 + b2
            loss = np.mean((out - yb) ** 2)
            grad_out = 2 * (out - yb) / len(xb)
            gW2 = a.T @ grad_out
            gb2 = grad_out.sum(axis=0)
            grad_h = (grad_out @ W2.T) * relu_grad(h)
            gW1 = xb.T @ grad_h
            gb1 = grad_h.sum(axis=0)
            W2 -= lr * gW2
            b2 -= lr * gb2
            W1 -= lr * gW1
            b1 -= lr * gb1
        if epoch % 100 == 0:
            print(epoch, loss)


if __name__ == "__main__":
    main()
