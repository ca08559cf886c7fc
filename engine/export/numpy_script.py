"""A session as a standalone NumPy training script, in the seed tutorials' style.

The script writes out what ``gradstep run`` computes: the forward pass, the loss, the backward
pass and the update of every layer, with the session's data, its exact starting weights (and
optimizer state, for a saved live session) and its mini-batch order. Run with ``python
train.py`` it prints the lines ``gradstep run`` prints for the losses, ending with ``final
loss X (iteration K, before its update)``; every operation is the engine's, in the engine's
order, so the numbers agree bit for bit on the same NumPy.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from engine.core.compute import init_params
from engine.core.config import SessionConfig
from engine.core.records import OptimizerState, Params
from engine.export import numpy_backward as backward
from engine.export import script_parts
from engine.export.literals import superscript
from engine.export.numpy_backward import Network

_ACTIVATION_FUNCTIONS = {
    "sigmoid": (
        "def sigmoid(z):",
        "    return 1 / (1 + np.exp(-z))",
    ),
    "relu": ("def relu(z):", "    return np.maximum(z, 0.0)"),
    "leaky_relu": ("def leaky_relu(z):", "    return np.where(z > 0, z, 0.01 * z)"),
    "softmax": (
        "def softmax(z):",
        "    shifted = z - z.max(axis=1, keepdims=True)  # the same result, without overflow",
        "    e = np.exp(shifted)",
        "    return e / e.sum(axis=1, keepdims=True)",
    ),
}

_FORWARD_CALLS = {
    "sigmoid": "sigmoid(z{k})",
    "tanh": "np.tanh(z{k})",
    "relu": "relu(z{k})",
    "leaky_relu": "leaky_relu(z{k})",
    "softmax": "softmax(z{k})",
    "linear": "z{k}",
}


def numpy_script(config: SessionConfig, name: str, out: Path | None = None, in_out: bool = False) -> str:
    """The training script of ``config`` as Python source.

    Parameters
    ----------
    config
        The session.
    name
        What ``gradstep run`` calls the session in its first line when it has no title (the
        argument it was given: a path or ``example:NAME``).
    out
        Where the script will be written: a CSV data file too large to inline is read from a
        path relative to it.
    in_out
        Write each W as (inputs, units), the seed tutorials' orientation (z = a @ W + b), rather
        than Gradstep's (units, inputs) (z = a @ W.T + b).
    """
    net = Network(
        tuple(layer.activation for layer in config.layers),
        config.biased,
        config.loss,
        config.layers[-1].units,
        config.mistake,
        in_out,
    )
    params = init_params(config)
    state = config.state.optimizer if config.state is not None else OptimizerState()
    start = config.state.iteration if config.state is not None else 0
    before = [
        script_parts.docstring(config, "NumPy", "train.py", in_out),
        _imports(config, params, state),
        *script_parts.data_block(config, out),
        _parameters(config, params, in_out),
        _optimizer(config, params, state, in_out),
    ]
    after = [script_parts.arguments(config, name, start), _loop(config, net), script_parts.final_line()]
    return script_parts.assemble(before, _functions(net), after)


def _imports(config: SessionConfig, params: Params, state: OptimizerState) -> str:
    lines = ["import argparse"]
    if script_parts.packs_base64(config, params, state):
        lines.insert(0, "import base64")
    if script_parts.reads_csv(config):
        lines.append("import csv")
    lines += ["import math", "import sys"]
    if script_parts.reads_csv(config):
        lines.append("from pathlib import Path")
    lines += [
        "",
        "import numpy as np",
        "",
        "# NumPy's overflow warnings off: a diverging run overflows by design",
    ]
    lines.append('np.seterr(over="ignore", invalid="ignore", divide="ignore")')
    return "\n".join(lines)


def _parameters(config: SessionConfig, params: Params, in_out: bool) -> str:
    lines = [
        f"# The network {'-'.join(str(n) for n in config.sizes)}, from Gradstep's starting weights, exactly:",
        "# W⁽ᵏ⁾ of shape (inputs, units), W⁽ᵏ⁾[i, j] connects input i to unit j of layer k."
        if in_out
        else "# W⁽ᵏ⁾ of shape (units, inputs), W⁽ᵏ⁾[j, i] connects input i to unit j of layer k.",
    ]
    for k, (layer, p) in enumerate(zip(config.layers, params, strict=True)):
        s = superscript(k)
        fan_in = p.weights.shape[1]
        lines.append(
            f"# layer {k}: {script_parts.count(layer.units, layer.activation + ' unit')}, "
            f"{script_parts.count(fan_in, 'input')}"
        )
        lines.append(f"W{k} = {script_parts.literal(p.weights.T if in_out else p.weights)}  # W{s}")
        if layer.has_bias:
            lines.append(f"b{k} = {script_parts.literal(p.bias)}  # b{s}")
        else:
            lines.append(f"# (no biases in layer {k})")
    return "\n".join(lines)


def _optimizer(config: SessionConfig, params: Params, state: OptimizerState, in_out: bool) -> str:
    opt = config.optimizer
    lines = [f"learning_rate = {opt.learning_rate!r}  # η"]
    if opt.name == "momentum":
        lines += [
            f"momentum = {opt.momentum!r}  # μ",
            "# velocity v, one per parameter; it starts at zero, so the first one is the gradient",
            "# itself (PyTorch's convention)",
            *script_parts.buffers(config, params, state.first, "v", "velocity", in_out),
        ]
    elif opt.name == "adam":
        lines += [
            f"beta1, beta2, eps = {opt.beta1!r}, {opt.beta2!r}, {opt.eps!r}  # β1, β2, ε",
            "# Adam's moments m (of the gradient) and v (of its square), one per parameter, and",
            "# the step count t for the bias corrections",
            f"step = {state.step}",
            *script_parts.buffers(config, params, state.first, "m", "first moment", in_out),
            *script_parts.buffers(config, params, state.second, "v", "second moment", in_out),
        ]
    return "\n".join(lines)


def _functions(net: Network) -> str:
    names = set(net.activations)
    if net.mistake == "derivative_of_a":
        names.add("sigmoid")  # the mistaken derivative calls it on a
    blocks = ["\n".join(_ACTIVATION_FUNCTIONS[n]) for n in _ACTIVATION_FUNCTIONS if n in names]
    return "\n\n\n".join(blocks)


def _loop(config: SessionConfig, net: Network) -> str:
    body = [
        *script_parts.batch_lines(config),
        *_forward_lines(config, net.in_out),
        "",
        *backward.loss_lines(net),
        "if not math.isfinite(loss):",
        '    print(f"stopped: non-finite loss in iteration {iteration}", file=sys.stderr)',
        "    sys.exit(3)",
        "",
        *backward.scale_lines(net),
        *_backward_lines(config, net),
        "",
        *_update_lines(config),
        "",
        *script_parts.report_lines(),
    ]
    return "for iteration in range(start, start + iterations):\n" + textwrap.indent("\n".join(body), "    ")


def _forward_lines(config: SessionConfig, in_out: bool) -> list[str]:
    lines = []
    for k, layer in enumerate(config.layers):
        s = superscript(k)
        a_prev = "x" if k == 0 else f"a{k - 1}"
        prev = "x" if k == 0 else f"a{superscript(k - 1)}"
        bias = f" + b{s}" if layer.has_bias else ""
        lines += [
            f"# Forward {k}: z{s} = {prev} W{s}{'' if in_out else 'ᵀ'}{bias}, "
            f"a{s} = {layer.activation}(z{s})",
            f"z{k} = {a_prev} @ W{k}{'' if in_out else '.T'}" + (f" + b{k}" if layer.has_bias else ""),
            f"a{k} = {_FORWARD_CALLS[layer.activation].format(k=k)}",
        ]
    return lines


def _backward_lines(config: SessionConfig, net: Network) -> list[str]:
    n = len(config.layers) - 1
    lines: list[str] = []
    for k in range(n, -1, -1):
        lines += backward.output_lines(net) if k == n else backward.hidden_lines(net, k)
        lines += backward.gradient_lines(net, k)
    return lines


def _update_lines(config: SessionConfig) -> list[str]:
    opt = config.optimizer
    names = []
    for k, layer in enumerate(config.layers):
        names += [(f"W{k}", f"dW{k}")] + ([(f"b{k}", f"db{k}")] if layer.has_bias else [])
    if opt.name == "sgd":
        return ["# Update (SGD): parameter ← parameter − η ∂L/∂parameter"] + [
            f"{p} = {p} - learning_rate * {g}" for p, g in names
        ]
    if opt.name == "momentum":
        lines = ["# Update (SGD with momentum): v ← μ v + ∂L/∂parameter, parameter ← parameter − η v"]
        for p, g in names:
            lines += [f"v{p} = momentum * v{p} + {g}", f"{p} = {p} - learning_rate * v{p}"]
        return lines
    lines = [
        "# Update (Adam): m ← β1 m + (1 − β1) g, v ← β2 v + (1 − β2) g², then with the bias",
        "# corrections m̂ = m / (1 − β1ᵗ), v̂ = v / (1 − β2ᵗ): parameter ← parameter − η m̂ / (√v̂ + ε)",
        "step += 1",
        "correction1 = 1 - beta1**step",
        "correction2 = 1 - beta2**step",
    ]
    for p, g in names:
        lines += [
            f"m{p} = beta1 * m{p} + (1 - beta1) * {g}",
            f"v{p} = beta2 * v{p} + (1 - beta2) * ({g} * {g})",
            f"{p} = {p} - learning_rate * ((m{p} / correction1) / (np.sqrt(v{p} / correction2) + eps))",
        ]
    return lines
