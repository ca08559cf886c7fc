"""Worked examples in Markdown: every number of an iteration written out the way published
step-by-step backprop examples are, with the math in LaTeX.

Math uses the textbook's 1-based notation (w^{(1)}_{11} is W[0][0,0] in Gradstep's 0-based
indices); every number is the engine's, printed with 10 significant digits.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from numpy.typing import NDArray

from engine.chain import ParameterRef
from engine.config import SessionConfig
from engine.losses import LOSSES
from engine.records import IterationRecord
from engine.session import Session

Array = NDArray[np.float64]

MAX_EXPANDED_TERMS = 600  # beyond this many products a layer's sums are shown as values only
MAX_CHAIN_PARAMETERS = 60
MAX_SAMPLES_SHOWN = 8

_ACT_LATEX = {
    "sigmoid": r"\sigma",
    "tanh": r"\tanh",
    "relu": r"\operatorname{ReLU}",
    "leaky\\_relu": r"\operatorname{LeakyReLU}",
    "leaky_relu": r"\operatorname{LeakyReLU}",
    "linear": r"\operatorname{id}",
    "softmax": r"\operatorname{softmax}",
}


def num(value: float) -> str:
    """A number for LaTeX: 10 significant digits, scientific as a power of ten."""
    text = format(float(value), ".10g")
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = rf"{mantissa} \times 10^{{{int(exponent)}}}"
    return f"({text})" if value < 0 else text


def plain(value: float) -> str:
    """A number for Markdown text and tables."""
    return format(float(value), ".10g")


def _input_symbol(layer: int, i: int) -> str:
    return f"x_{{{i + 1}}}" if layer == 0 else f"a^{{({layer})}}_{{{i + 1}}}"


def _sample_rows(record: IterationRecord) -> list[int]:
    return list(range(min(record.inputs.shape[0], MAX_SAMPLES_SHOWN)))


def forward_section(config: SessionConfig, record: IterationRecord, layer: int) -> Iterator[str]:
    """The forward pass of one layer, unit by unit and sample by sample."""
    fwd = record.forward[layer]
    params = record.params[layer]
    act = config.layers[layer].activation
    units, fan_in = params.weights.shape
    a_in = record.activation_in(layer)
    assert a_in is not None
    kind = "output" if layer == len(config.layers) - 1 else "hidden"
    yield f"### Layer {layer + 1} ({kind}, {units} {act} unit{'s' if units != 1 else ''})\n"
    expand = units * fan_in * len(_sample_rows(record)) <= MAX_EXPANDED_TERMS
    for s in _sample_rows(record):
        if record.inputs.shape[0] > 1:
            yield f"Sample {int(record.batch[s])}:\n"
        yield "$$\n\\begin{aligned}"
        for j in range(units):
            z_sym = f"z^{{({layer + 1})}}_{{{j + 1}}}"
            a_sym = f"a^{{({layer + 1})}}_{{{j + 1}}}"
            if expand:
                symbols = " + ".join(
                    f"w^{{({layer + 1})}}_{{{j + 1}{i + 1}}} {_input_symbol(layer, i)}" for i in range(fan_in)
                )
                numbers = " + ".join(
                    f"{num(params.weights[j, i])} \\cdot {num(a_in[s, i])}" for i in range(fan_in)
                )
                b_sym = f"b^{{({layer + 1})}}_{{{j + 1}}}"
                yield (
                    f"{z_sym} &= {symbols} + {b_sym} = {numbers} + {num(params.bias[j])}"
                    f" = {num(fwd.z[s, j])} \\\\"
                )
            else:
                yield f"{z_sym} &= {num(fwd.z[s, j])} \\\\"
            if act == "softmax":
                softmax = f"\\frac{{e^{{{z_sym}}}}}{{\\sum_k e^{{z^{{({layer + 1})}}_k}}}}"
                yield f"{a_sym} &= {softmax} = {num(fwd.a[s, j])} \\\\"
            else:
                yield f"{a_sym} &= {_ACT_LATEX[act]}({z_sym}) = {num(fwd.a[s, j])} \\\\"
        yield "\\end{aligned}\n$$\n"


def loss_section(config: SessionConfig, record: IterationRecord) -> Iterator[str]:
    """The loss, with its formula."""
    assert record.loss is not None
    loss = config.loss
    formula = {
        "half_sse": r"E = \tfrac{1}{2} \sum_s \sum_k (a_{sk} - y_{sk})^2",
        "mse": r"E = \frac{1}{NK} \sum_s \sum_k (a_{sk} - y_{sk})^2",
        "bce": r"E = -\frac{1}{NK} \sum_s \sum_k \left[y_{sk} \log a_{sk}"
        r" + (1 - y_{sk}) \log(1 - a_{sk})\right]",
        "cross_entropy": r"E = -\frac{1}{N} \sum_s \sum_k y_{sk} \log a_{sk}",
    }[loss]
    yield f"## Loss ({LOSSES[loss].formula})\n"
    out = record.forward[-1].a
    rows = _sample_rows(record)
    yield (
        "| sample | "
        + " | ".join(f"output {k + 1}" for k in range(out.shape[1]))
        + " | "
        + " | ".join(f"target {k + 1}" for k in range(out.shape[1]))
        + " |"
    )
    yield "|---" * (1 + 2 * out.shape[1]) + "|"
    for s in rows:
        cells = [plain(v) for v in out[s]] + [plain(v) for v in record.targets[s]]
        yield f"| {int(record.batch[s])} | " + " | ".join(cells) + " |"
    yield ""
    yield f"$$\n{formula} = {num(record.loss.loss)}\n$$\n"


def backward_section(
    config: SessionConfig, session: Session, record: IterationRecord, layer: int
) -> Iterator[str]:
    """Each parameter of a layer: its chain rule with numbers, and its gradient."""
    units, fan_in = record.params[layer].weights.shape
    yield f"### Layer {layer + 1}\n"
    refs = [ParameterRef(layer, j, i) for j in range(units) for i in range(fan_in)]
    refs += [ParameterRef(layer, j, None) for j in range(units)]
    if len(refs) > MAX_CHAIN_PARAMETERS:
        backward = record.backward_of(layer)
        assert backward is not None
        yield f"{len(refs)} parameters: the gradients, as a table (dW[j, i], 0-based):\n"
        yield from _matrix_table(backward.dW)
        return
    for ref in refs:
        explanation = session.explain(ref, record)
        yield (
            f"**{ref.label}** (0-based): gradient {plain(explanation.gradient or 0.0)}, "
            f"finite difference {plain(explanation.finite_difference)}\n"
        )
        yield f"$$\n{explanation.to_latex()}\n$$\n"


def _matrix_table(matrix: Array) -> Iterator[str]:
    rows, cols = matrix.shape
    yield "| | " + " | ".join(str(i) for i in range(cols)) + " |"
    yield "|---" * (cols + 1) + "|"
    for j in range(rows):
        yield f"| {j} | " + " | ".join(plain(v) for v in matrix[j]) + " |"
    yield ""


def update_section(config: SessionConfig, record: IterationRecord) -> Iterator[str]:
    """Old and new value of every parameter."""
    assert record.update is not None
    opt = config.optimizer
    yield f"## Update ({opt.name}, learning rate {opt.learning_rate:g})\n"
    yield "| parameter | old | new | change |"
    yield "|---|---:|---:|---:|"
    shown = 0
    for k, (before, after) in enumerate(
        zip(record.update.params_before, record.update.params_after, strict=True)
    ):
        for (j, i), old in np.ndenumerate(before.weights):
            if shown < 400:
                new = float(after.weights[j, i])
                yield f"| W[{k}][{j},{i}] | {plain(float(old))} | {plain(new)} | {plain(new - float(old))} |"
            shown += 1
        for (j,), old in np.ndenumerate(before.bias):
            if shown < 400:
                new = float(after.bias[j])
                yield f"| b[{k}][{j}] | {plain(float(old))} | {plain(new)} | {plain(new - float(old))} |"
            shown += 1
    if shown > 400:
        yield f"| ... {shown - 400} more | | | |"
    yield ""


def worked_iteration(session: Session, iteration: int | None = None, title: str | None = None) -> str:
    """A whole iteration as a worked example (default: the session's first)."""
    config = session.config
    k = session.start_iteration if iteration is None else iteration
    record = session.iteration_record(k)
    name = title or config.title or "Gradstep session"
    sizes = "-".join(str(s) for s in config.sizes)
    lines = [
        f"# {name}: one iteration, every number\n",
        f"Network {sizes}, {', '.join(layer.activation for layer in config.layers)}; loss `{config.loss}`; "
        f"{config.optimizer.name} with learning rate {config.optimizer.learning_rate:g}; iteration {k}, "
        f"{record.inputs.shape[0]} sample(s) in the batch.\n",
        "Math uses 1-based textbook indices: $w^{(l)}_{ji}$ is Gradstep's W[l-1][j-1,i-1].\n",
        "## Forward pass\n",
    ]
    for layer in range(len(config.layers)):
        lines.extend(forward_section(config, record, layer))
    lines.extend(loss_section(config, record))
    lines.append("## Backward pass\n")
    lines.append(
        "For each parameter and sample, the factors of the chain rule, then the reduction over the batch.\n"
    )
    for layer in reversed(range(len(config.layers))):
        lines.extend(backward_section(config, session, record, layer))
    lines.extend(update_section(config, record))
    return "\n".join(lines)


def walkthrough_markdown(walkthrough: object) -> str:
    """A walkthrough as a worked-example document: each step's caption and the numbers it
    shows (forward values, loss, chain-rule factors of the selected parameter, updates)."""
    from engine.walkthrough import Player, Walkthrough

    assert isinstance(walkthrough, Walkthrough)
    player = Player(walkthrough)
    session = player.session
    config = walkthrough.session
    lines = [f"# {walkthrough.title or 'Gradstep walkthrough'}\n"]
    if walkthrough.description:
        lines.append(walkthrough.description + "\n")
    sizes = "-".join(str(s) for s in config.sizes)
    lines.append(
        f"Network {sizes} ({', '.join(layer.activation for layer in config.layers)}), loss `{config.loss}`, "
        f"{config.optimizer.name} with learning rate {config.optimizer.learning_rate:g}. Math uses 1-based "
        "textbook indices: $w^{(l)}_{ji}$ is Gradstep's W[l-1][j-1,i-1].\n"
    )
    for index, step in enumerate(walkthrough.steps):
        results = player.goto(index)
        session = player.session
        snap = session.snapshot()
        lines.append(f"## Step {index + 1}: {step.label}\n")
        if step.caption:
            lines.append(step.caption.strip() + "\n")
        where = f"Iteration {snap.iteration}, {snap.stage} of {len(snap.stages)} stages done"
        if snap.last_stage is not None:
            where += f" (last: {snap.last_stage.label})"
        lines.append(f"*{where}.*\n")
        last = snap.last_stage
        record = snap.record if snap.stage > 0 else snap.previous
        if step.action in ("step", "back") and last is not None and record is not None:
            if last.kind == "forward" and last.layer is not None:
                lines.extend(forward_section(config, record, last.layer))
            elif last.kind == "loss":
                lines.extend(loss_section(config, record))
            elif last.kind == "update":
                lines.extend(update_section(config, record))
        elif step.action == "iterations" and record is not None and record.loss is not None:
            lines.append(f"Loss of iteration {record.iteration}: {plain(record.loss.loss)}\n")
        elif step.action == "set" and step.parameter is not None and step.value is not None:
            lines.append(f"{step.parameter.label} set to {plain(step.value)} by hand.\n")
        ref = player.view.selection
        if (
            ref is not None
            and step.action in ("select", "step", "back", "set", "iterations")
            and record is not None
        ):
            explanation = session.explain(ref, record)
            lines.append(f"Chain rule for **{ref.label}** (0-based); pending factors are not computed yet:\n")
            lines.append(f"$$\n{explanation.to_latex()}\n$$\n")
        for result in results:
            if not result.met:
                lines.append(
                    f"> **Mismatch:** the walkthrough expects {result.key} = {plain(result.expected)}, "
                    f"this version computes {'nothing' if result.actual is None else plain(result.actual)}.\n"
                )
    return "\n".join(lines)
