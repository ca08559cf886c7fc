"""Worked examples in Markdown: every number of an iteration written out the way published
step-by-step backprop examples are, with the math in LaTeX.

Math uses Gradstep's 0-based indices, as the window writes them: w^{(k)}_{j,i} is W[k][j,i],
a^{(k)}_{j} unit j of layer k, x_{i} input feature i. Every number is the engine's, printed with
10 significant digits; the writer only formats.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from engine.core.config import SessionConfig
from engine.core.losses import LOSSES
from engine.core.mistakes import MISTAKES
from engine.core.records import IterationRecord
from engine.explain.chain import ChainExplanation, ParameterRef
from engine.explain.format import fmt, unsigned_zero
from engine.history.session import Session

if TYPE_CHECKING:
    from engine.files.walkthrough import Step

Array = NDArray[np.float64]

MAX_EXPANDED_TERMS = 600  # beyond this many products a layer's sums are shown as values only
MAX_CHAIN_PARAMETERS = 60
MAX_SAMPLES_SHOWN = 8
MAX_UPDATE_ROWS = 400
MAX_STAGES_SHOWN = 12  # a step of more stages shows its last ones

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
    text = format(unsigned_zero(float(value)), ".10g")
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = rf"{mantissa} \times 10^{{{int(exponent)}}}"
    return f"({text})" if value < 0 else text


def plain(value: float) -> str:
    """A number for Markdown text and tables."""
    return format(unsigned_zero(float(value)), ".10g")


NOTATION = (
    "Indices are 0-based, as in the window: $w^{(k)}_{j,i}$ is W[k][j,i], the weight from input "
    "$i$ to unit $j$ of layer $k$; $a^{(k)}_{j}$ and $z^{(k)}_{j}$ are that unit's activation and "
    "pre-activation, $x_{i}$ input feature $i$."
)


def _input_symbol(layer: int, i: int) -> str:
    return f"x_{{{i}}}" if layer == 0 else f"a^{{({layer - 1})}}_{{{i}}}"


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
    yield f"### Forward, layer {layer} ({kind}, {units} {act} unit{'s' if units != 1 else ''})\n"
    expand = units * fan_in * len(_sample_rows(record)) <= MAX_EXPANDED_TERMS
    for s in _sample_rows(record):
        if record.inputs.shape[0] > 1:
            yield f"Sample {int(record.batch[s])}:\n"
        yield "$$\n\\begin{aligned}"
        for j in range(units):
            z_sym = f"z^{{({layer})}}_{{{j}}}"
            a_sym = f"a^{{({layer})}}_{{{j}}}"
            if expand:
                symbols = " + ".join(
                    f"w^{{({layer})}}_{{{j},{i}}} {_input_symbol(layer, i)}" for i in range(fan_in)
                )
                numbers = " + ".join(
                    f"{num(params.weights[j, i])} \\cdot {num(a_in[s, i])}" for i in range(fan_in)
                )
                if params.has_bias:  # a layer without biases has no + b term
                    symbols += f" + b^{{({layer})}}_{{{j}}}"
                    numbers += f" + {num(params.bias[j])}"
                yield f"{z_sym} &= {symbols} = {numbers} = {num(fwd.z[s, j])} \\\\"
            else:
                yield f"{z_sym} &= {num(fwd.z[s, j])} \\\\"
            if act == "softmax":
                softmax = f"\\frac{{e^{{{z_sym}}}}}{{\\sum_k e^{{z^{{({layer})}}_k}}}}"
                yield f"{a_sym} &= {softmax} = {num(fwd.a[s, j])} \\\\"
            else:
                yield f"{a_sym} &= {_ACT_LATEX[act]}({z_sym}) = {num(fwd.a[s, j])} \\\\"
        yield "\\end{aligned}\n$$\n"


def loss_section(config: SessionConfig, record: IterationRecord, level: str = "##") -> Iterator[str]:
    """The loss, with its formula, under a heading of ``level``."""
    assert record.loss is not None
    loss = config.loss
    formula = {
        "half_sse": r"E = \tfrac{1}{2} \sum_s \sum_k (a_{sk} - y_{sk})^2",
        "sse": r"E = \sum_s \sum_k (a_{sk} - y_{sk})^2",
        "mse": r"E = \frac{1}{NK} \sum_s \sum_k (a_{sk} - y_{sk})^2",
        "bce": r"E = -\frac{1}{NK} \sum_s \sum_k \left[y_{sk} \log a_{sk}"
        r" + (1 - y_{sk}) \log(1 - a_{sk})\right]",
        "bce_sum": r"E = -\sum_s \sum_k \left[y_{sk} \log a_{sk} + (1 - y_{sk}) \log(1 - a_{sk})\right]",
        "cross_entropy": r"E = -\frac{1}{N} \sum_s \sum_k y_{sk} \log a_{sk}",
        "cross_entropy_sum": r"E = -\sum_s \sum_k y_{sk} \log a_{sk}",
    }[loss]
    yield f"{level} Loss ({LOSSES[loss].formula})\n"
    out = record.forward[-1].a
    rows = _sample_rows(record)
    yield (
        "| sample | "
        + " | ".join(f"output {k}" for k in range(out.shape[1]))
        + " | "
        + " | ".join(f"target {k}" for k in range(out.shape[1]))
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
    yield f"### Backward, layer {layer}\n"
    refs = [ParameterRef(layer, j, i) for j in range(units) for i in range(fan_in)]
    if config.layers[layer].has_bias:
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
        yield f"$$\n{explanation.to_latex(MAX_SAMPLES_SHOWN)}\n$$\n"
        yield from mistake_notes(explanation)


def mistake_notes(explanation: ChainExplanation) -> Iterator[str]:
    """Teaching mode: what the injected mistake changes in this chain rule, in words."""
    # a factor is mistaken in every sample or in none (the mistake is in the code, not the data)
    changed = {f.kind: f.note for s in explanation.samples[:1] for f in s.factors if f.mistaken}
    symbols = {"dl_da": r"\partial \ell / \partial a", "da_dz": r"\partial a / \partial z"}
    for kind, note in changed.items():
        yield f"*Teaching mode:* ${symbols.get(kind, kind)}$ is {note}.\n"
    if explanation.gradient_note:
        yield f"*{explanation.gradient_note[0].upper()}{explanation.gradient_note[1:]}.*\n"


def _matrix_table(matrix: Array) -> Iterator[str]:
    rows, cols = matrix.shape
    yield "| | " + " | ".join(str(i) for i in range(cols)) + " |"
    yield "|---" * (cols + 1) + "|"
    for j in range(rows):
        yield f"| {j} | " + " | ".join(plain(v) for v in matrix[j]) + " |"
    yield ""


def _optimizer_rule(config: SessionConfig, step: int) -> str:
    """The optimizer's update rule with its hyper-parameters, in LaTeX (step ``step`` = t)."""
    opt = config.optimizer
    eta = rf"\eta = {num(opt.learning_rate)}"
    if opt.name == "momentum":
        return (
            rf"v \leftarrow \mu v + g, \quad w \leftarrow w - \eta v"
            rf" \qquad ({eta},\ \mu = {num(opt.momentum)},\ v = 0 \text{{ before the first update}})"
        )
    if opt.name == "adam":
        return (
            r"m \leftarrow \beta_1 m + (1 - \beta_1) g, \quad v \leftarrow \beta_2 v + (1 - \beta_2) g^2,"
            r" \quad \hat m = \frac{m}{1 - \beta_1^t}, \quad \hat v = \frac{v}{1 - \beta_2^t},"
            r" \quad w \leftarrow w - \eta \frac{\hat m}{\sqrt{\hat v} + \epsilon}"
            rf" \qquad ({eta},\ \beta_1 = {num(opt.beta1)},\ \beta_2 = {num(opt.beta2)},"
            rf"\ \epsilon = {num(opt.eps)},\ t = {step})"
        )
    return rf"w \leftarrow w - \eta\, g \qquad ({eta})"


def update_section(config: SessionConfig, record: IterationRecord, level: str = "##") -> Iterator[str]:
    """The optimizer's rule, then old and new value of every parameter with the gradient and
    the optimizer's state after the update (momentum's velocity, Adam's moments), under a
    heading of ``level``."""
    update = record.update
    assert update is not None
    opt = config.optimizer
    yield f"{level} Update ({opt.name}, learning rate {fmt(opt.learning_rate, 'g')})\n"
    yield f"$$\n{_optimizer_rule(config, update.state_after.step)}\n$$\n"
    extra = {"momentum": ["v"], "adam": ["m", "v"]}.get(opt.name, [])
    state = [p for p in (update.state_after.first, update.state_after.second) if p is not None][: len(extra)]
    grads = tuple(reversed(record.backward))
    yield "| parameter | old | new | change | g |" + "".join(f" {name} |" for name in extra)
    yield "|---|---:|---:|---:|---:|" + "---:|" * len(extra)
    shown = 0
    for k, (before, after) in enumerate(zip(update.params_before, update.params_after, strict=True)):
        cells = [
            (f"W[{k}][{j},{i}]", float(old), float(after.weights[j, i]), grads[k].dW[j, i], "weights", (j, i))
            for (j, i), old in np.ndenumerate(before.weights)
        ] + [
            (f"b[{k}][{j}]", float(old), float(after.bias[j]), grads[k].db[j], "bias", (j,))
            for (j,), old in np.ndenumerate(before.bias)
        ]
        for label, old, new, g, field, where in cells:
            if shown < MAX_UPDATE_ROWS:
                moments = "".join(f" {plain(getattr(p[k], field)[where])} |" for p in state)
                yield (
                    f"| {label} | {plain(old)} | {plain(new)} | {plain(new - old)} | {plain(float(g))} |"
                    + moments
                )
            shown += 1
    if shown > MAX_UPDATE_ROWS:
        yield f"| ... {shown - MAX_UPDATE_ROWS} more | | | | |" + " |" * len(extra)
    yield ""


def _header(config: SessionConfig) -> str:
    sizes = "-".join(str(s) for s in config.sizes)
    opt = config.optimizer
    extra = ""
    if opt.name == "momentum":
        extra = f" (momentum {fmt(opt.momentum, 'g')})"
    elif opt.name == "adam":
        extra = f" (β1 {fmt(opt.beta1, 'g')}, β2 {fmt(opt.beta2, 'g')}, ε {fmt(opt.eps, 'g')})"
    mistake = ""
    if config.mistake is not None:
        mistake = (
            f" **Teaching mode:** the backward pass makes the mistake *{MISTAKES[config.mistake].title}* "
            f"({MISTAKES[config.mistake].explanation}); the factors it changes say so."
        )
    return (
        f"Network {sizes} ({', '.join(layer.activation for layer in config.layers)}), loss `{config.loss}`, "
        f"{opt.name}{extra} with learning rate {fmt(opt.learning_rate, 'g')}.{mistake}\n"
    )


def worked_iteration(session: Session, iteration: int | None = None, title: str | None = None) -> str:
    """A whole iteration as a worked example (default: the session's first)."""
    config = session.config
    k = session.start_iteration if iteration is None else iteration
    record = session.iteration_record(k)
    name = title or config.title or "Gradstep session"
    lines = [
        f"# {name}: one iteration, every number\n",
        _header(config).rstrip("\n") + f" Iteration {k}, {record.inputs.shape[0]} sample(s) in the batch.\n",
        NOTATION + "\n",
        "## Forward pass\n",
    ]
    for layer in range(len(config.layers)):
        lines.extend(forward_section(config, record, layer))
    lines.extend(loss_section(config, record))
    lines.append("## Backward pass\n")
    lines.append(
        "For each parameter and sample, the factors of the chain rule, then the reduction over the "
        "batch and the parameter's update.\n"
    )
    for layer in reversed(range(len(config.layers))):
        lines.extend(backward_section(config, session, record, layer))
    lines.extend(update_section(config, record))
    return "\n".join(lines)


def gradient_section(record: IterationRecord, layer: int) -> Iterator[str]:
    """What a backward stage computed: the layer's gradients dW and db."""
    backward = record.backward_of(layer)
    assert backward is not None
    yield f"### Backward, layer {layer}: gradients\n"
    yield "dW[j, i]:\n"
    yield from _matrix_table(backward.dW)
    if backward.db.shape[0]:  # a layer without biases has no db
        yield "db[j]: " + ", ".join(plain(v) for v in backward.db) + "\n"


def stage_sections(
    config: SessionConfig, record: IterationRecord, kind: str, layer: int | None
) -> Iterator[str]:
    """The numbers one stage computed, from ``record`` (which holds that stage), each under a
    "###" heading: inside a step's "##" section, every stage sits one level down."""
    if kind == "forward" and layer is not None:
        yield from forward_section(config, record, layer)
    elif kind == "loss":
        yield from loss_section(config, record, "###")
    elif kind == "backward" and layer is not None:
        yield from gradient_section(record, layer)
    elif kind == "update":
        yield from update_section(config, record, "###")


def _ran_stages(session: Session, before: int, after: int) -> Iterator[tuple[IterationRecord, int]]:
    """(record, stage index) of each stage run going from position ``before`` to ``after``,
    the last ``MAX_STAGES_SHOWN`` of them; each record holds its stage."""
    n = len(session.stages)
    current = session.record()
    for position in range(max(before, after - MAX_STAGES_SHOWN), after):
        k, s = divmod(position, n)
        k += session.start_iteration
        record = current if k == current.iteration else session.iteration_record(k)
        yield record, s


def walkthrough_markdown(walkthrough: object, on_warning: Callable[[str], None] | None = None) -> str:
    """A walkthrough as a worked-example document: each step's caption and the numbers it
    shows (forward values, loss, chain-rule factors of the selected parameter, updates).

    A step shows the state after it, as the window does: every stage it ran (a step of three
    stages shows all three), and the chain rule of the selection at the cursor. A step whose
    ``expect`` values are not met gets a note in the text and, through ``on_warning``, the
    warning every export prints.
    """
    from engine.files.step_labels import step_labels
    from engine.files.walkthrough import Player, Walkthrough, expect_warnings

    assert isinstance(walkthrough, Walkthrough)
    player = Player(walkthrough)
    config = walkthrough.session
    lines = [f"# {walkthrough.title or 'Gradstep walkthrough'}\n"]
    if walkthrough.description:
        lines.append(walkthrough.description + "\n")
    lines.append(_header(config))
    lines.append(NOTATION + "\n")
    labels = step_labels(walkthrough)
    for index, step in enumerate(walkthrough.steps):
        before = player.session.position
        results = player.goto(index)
        lines.extend(
            _step_section(config, player.session, step, f"Step {index + 1}: {labels[index]}", before)
        )
        ref = player.view.selection
        if ref is not None and step.action in ("select", "step", "back", "set", "iterations"):
            lines.extend(_selection_section(player.session, ref))
        for result in results:
            if not result.met:
                lines.append(f"> **⚠ Differs from the recording:** {result.describe()}.\n")
        if on_warning is not None:
            for line in expect_warnings(index, results):
                on_warning(line)
    return "\n".join(lines)


def _step_section(
    config: SessionConfig, session: Session, step: Step, heading: str, before: int
) -> Iterator[str]:
    """A step's heading, caption, where the cursor is, and what the step computed."""
    snap = session.snapshot()
    yield f"## {heading}\n"
    if step.caption:
        yield step.caption.strip() + "\n"
    where = f"Iteration {snap.iteration}, {snap.stage} of {len(snap.stages)} stages done"
    if snap.last_stage is not None:
        where += f" (last: {snap.last_stage.label})"
    yield f"*{where}.*\n"
    if step.action == "step":
        after = snap.position
        ran = after - before
        if ran > MAX_STAGES_SHOWN:
            yield f"The last {MAX_STAGES_SHOWN} of the {ran} stages this step ran:\n"
        for record, s in _ran_stages(session, after - ran, after):
            stage = snap.stages[s]
            yield from stage_sections(config, record, stage.kind, stage.layer)
    elif step.action == "back" and snap.last_stage is not None:
        last = snap.last_stage
        holder = snap.record if snap.stage > 0 else snap.previous
        if holder is not None:
            yield from stage_sections(config, holder, last.kind, last.layer)
    elif step.action == "iterations":
        done = snap.record if snap.record.loss is not None else snap.previous
        if done is not None and done.loss is not None:
            yield f"Loss of iteration {done.iteration}: {plain(done.loss.loss)}\n"
    elif step.action == "set" and step.parameter is not None and step.value is not None:
        yield (
            f"{step.parameter.label} set to {plain(step.value)} by hand; the stages that depend on it "
            "are computed again from here.\n"
        )


def _selection_section(session: Session, ref: ParameterRef) -> Iterator[str]:
    """The chain rule of the selected parameter in the record the cursor shows."""
    explanation = session.explain(ref, session.snapshot().shown_record())
    lead = f"Chain rule for **{ref.label}** at iteration {explanation.iteration}"
    if explanation.pending_factors:
        lead += "; factors of stages not run yet are pending"
    elif explanation.update is None:
        lead += "; its update is pending"
    yield lead + ":\n"
    yield f"$$\n{explanation.to_latex(MAX_SAMPLES_SHOWN)}\n$$\n"
    yield from mistake_notes(explanation)
