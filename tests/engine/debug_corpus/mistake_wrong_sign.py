"""Global script, samples as rows, W as (out, in) with vector biases (Gradstep's own
orientation). Planted: the updates add the gradient (gradient ascent)."""
import numpy as np

inputs = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
targets = np.array([[0.0], [1.0], [1.0], [1.0]])
gen = np.random.default_rng(8)
W = [None, None]
w_ih = gen.normal(0, 1, (2, 2))
b_h = np.zeros(2)
w_ho = gen.normal(0, 1, (1, 2))
b_o = np.zeros(1)
rate = 0.25

epoch = 0
while epoch < 1000:
    hidden = 1 / (1 + np.exp(-(inputs @ w_ih.T + b_h)))
    out = 1 / (1 + np.exp(-(hidden @ w_ho.T + b_o)))
    delta_out = (out - targets) * out * (1 - out)
    delta_hid = (delta_out @ w_ho) * hidden * (1 - hidden)
    w_ho += rate * delta_out.T @ hidden  # <-- first wrong
    b_o += rate * delta_out.sum(axis=0)
    w_ih += rate * delta_hid.T @ inputs
    b_h += rate * delta_hid.sum(axis=0)
    epoch += 1
