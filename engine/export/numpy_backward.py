"""The lines of an exported NumPy script that compute the loss, each layer's δ and gradients.

Each expression is the one the engine evaluates (``engine.core.compute``, ``losses``,
``mistakes``), in the same order, so the script's numbers are the engine's bit for bit; a
teaching-mode mistake is written where the engine makes it, on a line marked ``MISTAKE``.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.core.losses import LOSSES
from engine.core.mistakes import MISTAKES
from engine.export.literals import superscript

_DERIVATIVES = {
    "sigmoid": ("a{k} * (1 - a{k})", "a(1 − a)"),
    "tanh": ("1 - a{k} ** 2", "1 − a²"),
    "relu": ("(z{k} > 0).astype(np.float64)", "1 where z > 0, else 0"),
    "leaky_relu": ("np.where(z{k} > 0, 1.0, 0.01)", "1 where z > 0, else 0.01"),
    "linear": ("np.ones_like(z{k})", "1"),
}

_MISTAKEN_DERIVATIVES = {
    ("derivative_of_z", "sigmoid"): "z{k} * (1 - z{k})",
    ("derivative_of_z", "tanh"): "1 - z{k} ** 2",
    ("derivative_of_a", "sigmoid"): "sigmoid(a{k}) * (1 - sigmoid(a{k}))",
    ("derivative_of_a", "tanh"): "1 - np.tanh(a{k}) ** 2",
}

_LOSS_LINES = {
    "mse": ["loss = float(((a{n} - y) ** 2).mean())"],
    "half_sse": ["loss = float(0.5 * np.sum((a{n} - y) ** 2))"],
    "sse": ["loss = float(np.sum((a{n} - y) ** 2))"],
    "bce": ["loss = float((np.logaddexp(0.0, z{n}) - y * z{n}).mean())"],
    "bce_sum": ["loss = float((np.logaddexp(0.0, z{n}) - y * z{n}).sum())"],
    "cross_entropy": [
        "shifted = z{n} - z{n}.max(axis=1, keepdims=True)",
        "log_a = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))",
        "loss = float((-(y * log_a).sum(axis=1)).mean())",
    ],
    "cross_entropy_sum": [
        "shifted = z{n} - z{n}.max(axis=1, keepdims=True)",
        "log_a = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))",
        "loss = float((-(y * log_a).sum(axis=1)).sum())",
    ],
}

_LOSS_COMMENTS = {
    "mse": "L = mean over samples and outputs of (a − y)²",
    "half_sse": "L = ½ Σ over samples and outputs of (a − y)²",
    "sse": "L = Σ over samples and outputs of (a − y)²",
    "bce": "L = mean of −[y log a + (1 − y) log(1 − a)], written from z as softplus(z) − y·z so it "
    "stays finite when a saturates",
    "bce_sum": "L = Σ of −[y log a + (1 − y) log(1 − a)], written from z as softplus(z) − y·z so it "
    "stays finite when a saturates",
    "cross_entropy": "L = mean over samples of −Σₖ yₖ log aₖ, with log a from z (log-softmax)",
    "cross_entropy_sum": "L = Σ over samples of −Σₖ yₖ log aₖ, with log a from z (log-softmax)",
}


@dataclass(frozen=True)
class Network:
    """What the backward lines depend on: activations, biases, loss, outputs and the mistake."""

    activations: tuple[str, ...]
    biased: tuple[bool, ...]
    loss: str
    outputs: int
    mistake: str | None
    in_out: bool = False  # weights written as (inputs, units), the seed tutorials' z = a @ W + b

    def through(self, weights: str) -> str:
        """``weights`` as Gradstep's (units, inputs) matrix in this orientation's variables."""
        return f"{weights}.T" if self.in_out else weights


def mistake_note(mistake: str) -> str:
    """The comment that marks a line where teaching mode's mistake is made."""
    return f"# MISTAKE (teaching mode, {mistake}): {MISTAKES[mistake].explanation}"


def loss_lines(net: Network) -> list[str]:
    """The loss of the batch, as ``engine.core.losses`` computes it."""
    n = len(net.activations) - 1
    return [f"# Loss: {_LOSS_COMMENTS[net.loss]}", *(line.format(n=n) for line in _LOSS_LINES[net.loss])]


def _mean_factor(net: Network) -> str:
    """The factor of mse's ∂ℓ/∂a and mean bce's fused δ: 1/K over the K outputs."""
    return str(net.outputs)


def _derivative(net: Network, k: int) -> list[str]:
    """``da_dz{k} = ...`` as the engine (or the mistake) computes it."""
    activation = net.activations[k]
    right, formula = _DERIVATIVES[activation]
    s = superscript(k)
    mistaken = None if net.mistake is None else _MISTAKEN_DERIVATIVES.get((net.mistake, activation))
    if net.mistake == "missing_activation_derivative":
        mistaken = "np.ones_like(z{k})"
    if mistaken is not None and mistaken != right:
        assert net.mistake is not None
        return [mistake_note(net.mistake), f"da_dz{k} = {mistaken.format(k=k)}"]
    return [f"# ∂a{s}/∂z{s} = {formula}", f"da_dz{k} = {right.format(k=k)}"]


def _squared_dl_da(net: Network, n: int) -> str:
    if net.loss == "half_sse":
        return f"dl_da{n} = a{n} - y"
    if net.loss == "sse":
        return f"dl_da{n} = 2.0 * (a{n} - y)"
    return f"dl_da{n} = (2.0 / {_mean_factor(net)}) * (a{n} - y)"


def _fused_delta(net: Network, n: int) -> str:
    if net.loss == "bce" and net.outputs > 1:
        return f"delta{n} = (a{n} - y) / {_mean_factor(net)}"
    return f"delta{n} = a{n} - y"


def output_lines(net: Network) -> list[str]:
    """δ of the output layer (``engine.core.compute.output_delta`` and its mistaken forms)."""
    n = len(net.activations) - 1
    s = superscript(n)
    family = LOSSES[net.loss].family
    head = f"# Backward {n}: δ{s} = ∂ℓ/∂z{s} of each sample"
    if net.mistake == "other_loss_gradient":
        return [head, *_other_loss_delta(net, n)]
    if family != "squared":
        what = "softmax" if family == "cross_entropy" else "sigmoid"
        return [
            head,
            f"# the {what} and its loss fused: ∂ℓ/∂z{s} = a{s} − y"
            + (
                f" (over the {net.outputs} outputs of the mean)"
                if net.loss == "bce" and net.outputs > 1
                else ""
            )
            + ", exact where ∂ℓ/∂a and ∂a/∂z alone would not be",
            _fused_delta(net, n),
        ]
    derivative = _derivative(net, n)
    return [
        head,
        f"# ∂ℓ/∂a{s} = {LOSSES[net.loss].derivative_formula.replace('a-y', 'a − y')}",
        _squared_dl_da(net, n),
        *derivative,
        f"delta{n} = dl_da{n} * da_dz{n}",
    ]


def _other_loss_delta(net: Network, n: int) -> list[str]:
    """The output δ of another loss (the mistake ``other_loss_gradient``)."""
    note = mistake_note("other_loss_gradient")
    if LOSSES[net.loss].family == "bce":
        derivative = _derivative(net, n)
        return [note, f"dl_da{n} = a{n} - y", *derivative, f"delta{n} = dl_da{n} * da_dz{n}"]
    if net.outputs == 1 or LOSSES[net.loss].reduction == "sum":
        return [note, f"delta{n} = a{n} - y"]
    return [note, f"delta{n} = (a{n} - y) / {_mean_factor(net)}"]


def hidden_lines(net: Network, k: int) -> list[str]:
    """δ of hidden layer ``k`` (``engine.core.compute.hidden_delta`` and its mistaken forms)."""
    s, up = superscript(k), superscript(k + 1)
    lines = [f"# Backward {k}: ∂ℓ/∂a{s} = δ{up} W{up} (each unit's sum over the next layer)"]
    if net.mistake == "transposed_weights":
        wrong = f"W{k + 1}" if net.in_out else f"W{k + 1}.T"
        lines += [mistake_note(net.mistake), f"dl_da{k} = delta{k + 1} @ {wrong}"]
    elif net.mistake == "updated_weights_backprop":
        updated = net.through(f"(W{k + 1} - learning_rate * dW{k + 1})")
        lines += [mistake_note(net.mistake), f"dl_da{k} = delta{k + 1} @ {updated}"]
    else:
        lines.append(f"dl_da{k} = delta{k + 1} @ {net.through(f'W{k + 1}')}")
    derivative = _derivative(net, k)
    return [*lines, *derivative, f"# δ{s} = ∂ℓ/∂a{s} · ∂a{s}/∂z{s}", f"delta{k} = dl_da{k} * da_dz{k}"]


def scale_lines(net: Network) -> list[str]:
    """The factor that reduces the per-sample terms over the batch: 1/m for a mean loss (none
    for a sum), or the wrong one under the mistake ``wrong_batch_reduction``."""
    mean = LOSSES[net.loss].reduction == "mean"
    if net.mistake == "wrong_batch_reduction":
        note = mistake_note(net.mistake)
        return [note, "# (the sum over the batch: no 1/m)"] if mean else [note, "scale = 1.0 / len(x)"]
    return ["scale = 1.0 / len(x)  # the mean over the m samples of the batch"] if mean else []


def _scaled(net: Network) -> bool:
    mean = LOSSES[net.loss].reduction == "mean"
    return mean != (net.mistake == "wrong_batch_reduction")


def gradient_lines(net: Network, k: int) -> list[str]:
    """∂L/∂W and ∂L/∂b of layer ``k``: the batch reduction of the per-sample terms."""
    s = superscript(k)
    a_prev = "x" if k == 0 else f"a{k - 1}"
    scaled = "scale * " if _scaled(net) else ""
    lines = [
        f"# ∂L/∂W{s} = {'(1/m) ' if scaled else ''}Σ over the batch of δ{s}ᵀ · input"
        + (f", ∂L/∂b{s} = {'(1/m) ' if scaled else ''}Σ δ{s}" if net.biased[k] else "")
        + (" (in the orientation of W)" if net.in_out else "")
    ]
    product = f"{a_prev}.T @ delta{k}" if net.in_out else f"delta{k}.T @ {a_prev}"
    lines.append(f"dW{k} = {scaled}({product})" if scaled else f"dW{k} = {product}")
    if net.biased[k]:
        lines += _bias_gradient(net, k, scaled)
    return lines + _gradient_mistake(net, k)


def _bias_gradient(net: Network, k: int, scaled: str) -> list[str]:
    if net.mistake == "bias_not_summed":
        return [mistake_note(net.mistake), f"db{k} = np.full(len(b{k}), {scaled}delta{k}.sum())"]
    return [f"db{k} = {scaled}delta{k}.sum(axis=0)"]


def _gradient_mistake(net: Network, k: int) -> list[str]:
    factors = {"half_gradient": "0.5 * ", "double_gradient": "2.0 * ", "wrong_sign": "-"}
    if net.mistake not in factors:
        return []
    factor = factors[net.mistake]
    line = f"dW{k} = {factor}dW{k}"
    if net.biased[k]:
        line = f"dW{k}, db{k} = {factor}dW{k}, {factor}db{k}"
    return [mistake_note(net.mistake), line]
