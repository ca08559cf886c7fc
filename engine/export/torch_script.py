"""A session as a PyTorch training script: ``nn.Sequential`` in float64, ``torch.optim``.

The script builds the network as an ``nn.Sequential`` of ``nn.Linear`` and activation
modules, copies the session's exact starting weights into it (``nn.Linear`` keeps W as
(units, inputs), Gradstep's orientation), and trains with the loss and optimizer PyTorch
provides, on the same mini-batches. Autograd and ``torch.optim`` order their arithmetic their
own way, so its losses agree with ``gradstep run`` to rounding (1e-10 relative), not bit for
bit. Gradstep itself never imports torch: this only writes text.
"""

from __future__ import annotations

from pathlib import Path

from engine.core.compute import init_params
from engine.core.config import SessionConfig
from engine.core.records import OptimizerState, Params
from engine.errors import GradstepError
from engine.export import script_parts
from engine.export.literals import superscript

MODULES = {
    "sigmoid": "nn.Sigmoid()",
    "tanh": "nn.Tanh()",
    "relu": "nn.ReLU()",
    "leaky_relu": "nn.LeakyReLU(0.01)",
    "softmax": "nn.Softmax(dim=1)",
}

# (the loss object, whether it takes the logits z of the output layer rather than its a)
_LOSSES = {
    "mse": ("nn.MSELoss()", False, "mean over samples and outputs of (a − y)²"),
    "half_sse": ("HalfSumOfSquares()", False, "½ Σ over samples and outputs of (a − y)²"),
    "sse": ('nn.MSELoss(reduction="sum")', False, "Σ over samples and outputs of (a − y)²"),
    "bce": ("nn.BCEWithLogitsLoss()", True, "mean binary cross-entropy, from the logits z"),
    "bce_sum": ('nn.BCEWithLogitsLoss(reduction="sum")', True, "summed binary cross-entropy, from z"),
    "cross_entropy": ("nn.CrossEntropyLoss()", True, "mean over samples of −Σₖ yₖ log aₖ, from z"),
    "cross_entropy_sum": ('nn.CrossEntropyLoss(reduction="sum")', True, "Σ over samples of −Σₖ yₖ log aₖ"),
}

_HALF_SSE = '''\
class HalfSumOfSquares(nn.Module):
    """E = ½ Σ (a − y)² over samples and outputs: the seed tutorials' loss (torch has no such)."""

    def forward(self, output, target):
        return 0.5 * ((output - target) ** 2).sum()'''

_SET_STATE = '''\
def restore(optimizer, model, step, first, second):
    """The saved session's optimizer state, as torch.optim keeps it per parameter."""
    parameters = list(model.parameters())
    for k, p in enumerate(parameters):
        if "momentum" in optimizer.defaults and optimizer.defaults["momentum"]:
            optimizer.state[p]["momentum_buffer"] = torch.from_numpy(first[k].copy())
        elif second is not None:
            optimizer.state[p]["step"] = torch.tensor(float(step), dtype=torch.float64)
            optimizer.state[p]["exp_avg"] = torch.from_numpy(first[k].copy())
            optimizer.state[p]["exp_avg_sq"] = torch.from_numpy(second[k].copy())'''


def torch_script(config: SessionConfig, name: str, out: Path | None = None) -> str:
    """The PyTorch training script of ``config`` as Python source (see the module docstring).

    Raises
    ------
    GradstepError
        For a teaching-mode mistake: autograd computes the correct gradient only.
    """
    if config.mistake is not None:
        raise GradstepError(
            f"mistake: {config.mistake}: a teaching-mode mistake cannot be written as a PyTorch script "
            "(autograd computes the correct gradient); export it as NumPy (without --torch)",
            "mistake",
        )
    params = init_params(config)
    state = config.state.optimizer if config.state is not None else OptimizerState()
    start = config.state.iteration if config.state is not None else 0
    before = [script_parts.docstring(config, "PyTorch", "train_torch.py"), _imports(config, params, state)]
    functions = [_HALF_SSE] if config.loss == "half_sse" else []
    if state.first is not None:
        functions.append(_SET_STATE)
    after = [
        *script_parts.data_block(config, out),
        _parameters(config, params),
        _model(config),
        _optimizer(config, state),
        script_parts.arguments(config, name, start, torch=True),
        _loop(config),
        _final(),
    ]
    return script_parts.assemble(before, "\n\n\n".join(functions), after)


def _imports(config: SessionConfig, params: Params, state: OptimizerState) -> str:
    lines = ["import argparse", "import math", "import sys"]
    if script_parts.packs_base64(config, params, state):
        lines.insert(0, "import base64")
    if script_parts.reads_csv(config):
        lines.insert(1, "import csv")
        lines.append("from pathlib import Path")
    lines += ["", "import numpy as np", "import torch", "from torch import nn"]
    return "\n".join(lines)


def _parameters(config: SessionConfig, params: Params) -> str:
    lines = [
        "# Gradstep's starting weights, exactly: W⁽ᵏ⁾ of shape (units, inputs) as nn.Linear keeps it,",
        "# W⁽ᵏ⁾[j, i] connects input i to unit j of layer k",
    ]
    for k, (layer, p) in enumerate(zip(config.layers, params, strict=True)):
        lines.append(f"W{k} = {script_parts.literal(p.weights)}  # W{superscript(k)}")
        if layer.has_bias:
            lines.append(f"b{k} = {script_parts.literal(p.bias)}  # b{superscript(k)}")
    return "\n".join(lines)


def _model(config: SessionConfig) -> str:
    lines = ["model = nn.Sequential("]
    fan_in = config.inputs
    index = 0
    linear_index = []
    for k, layer in enumerate(config.layers):
        bias = "" if layer.has_bias else ", bias=False"
        lines.append(f"    nn.Linear({fan_in}, {layer.units}{bias}, dtype=torch.float64),  # layer {k}")
        linear_index.append(index)
        index += 1
        if layer.activation in MODULES:
            lines.append(f"    {MODULES[layer.activation]},")
            index += 1
        fan_in = layer.units
    lines += [")", "with torch.no_grad():"]
    for k, layer in enumerate(config.layers):
        lines.append(f"    model[{linear_index[k]}].weight.copy_(torch.from_numpy(W{k}))")
        if layer.has_bias:
            lines.append(f"    model[{linear_index[k]}].bias.copy_(torch.from_numpy(b{k}))")
    return "\n".join(lines)


def _optimizer(config: SessionConfig, state: OptimizerState) -> str:
    opt = config.optimizer
    loss, logits, formula = _LOSSES[config.loss]
    lines = ["# the loss takes the output layer's z (logits): stable where a saturates"] if logits else []
    lines.append(f"loss_function = {loss}  # L = {formula}")
    if opt.name == "sgd":
        lines.append(f"optimizer = torch.optim.SGD(model.parameters(), lr={opt.learning_rate!r})")
    elif opt.name == "momentum":
        lines.append(
            f"optimizer = torch.optim.SGD(model.parameters(), lr={opt.learning_rate!r}, "
            f"momentum={opt.momentum!r})"
        )
    else:
        lines.append(
            f"optimizer = torch.optim.Adam(model.parameters(), lr={opt.learning_rate!r}, "
            f"betas=({opt.beta1!r}, {opt.beta2!r}), eps={opt.eps!r})"
        )
    return "\n".join(lines) + _saved_state(config, state)


def _state_list(name: str, config: SessionConfig, params: Params) -> list[str]:
    """``name = [W0, b0, W1, ...]``: one moment per parameter, in the model's order."""
    lines = [f"{name} = ["]
    for k, layer in enumerate(config.layers):
        lines.append(f"    {script_parts.literal(params[k].weights)},")
        if layer.has_bias:
            lines.append(f"    {script_parts.literal(params[k].bias)},")
    lines.append("]")
    return lines


def _saved_state(config: SessionConfig, state: OptimizerState) -> str:
    if state.first is None:
        return ""
    lines = ["", "# the saved session's optimizer state (momentum's velocity, or Adam's moments and step)"]
    lines.extend(_state_list("first", config, state.first))
    if state.second is not None:
        lines.extend(_state_list("second", config, state.second))
    second = "second" if state.second is not None else "None"
    return "\n".join(lines) + f"\nrestore(optimizer, model, {state.step}, first, {second})"


def _loop(config: SessionConfig) -> str:
    _, logits, _ = _LOSSES[config.loss]
    batch = [
        line.replace("X[batch], Y[batch]", "X[torch.from_numpy(batch)], Y[torch.from_numpy(batch)]")
        for line in script_parts.batch_lines(config)
    ]
    output = "model[:-1](x)" if logits else "model(x)"
    body = [
        *batch,
        "optimizer.zero_grad()",
        f"loss = loss_function({output}, y)  # the forward pass and the loss",
        "loss.backward()  # the backward pass: autograd's δ and ∂L/∂W of every layer",
        "optimizer.step()  # the update",
        "loss = loss.item()",
        "if not math.isfinite(loss):",
        '    print(f"stopped: non-finite loss in iteration {iteration}", file=sys.stderr)',
        "    sys.exit(3)",
        "",
        *script_parts.report_lines(),
    ]
    indented = "\n".join(("    " + line) if line else "" for line in body)
    return "for iteration in range(start, start + iterations):\n" + indented


def _final() -> str:
    return "\n".join(
        [
            script_parts.final_line(),
            "if arguments.save_model:",
            "    torch.save(model, arguments.save_model)",
        ]
    )
